import sys

from shm_app.cli import main

sys.exit(main())
