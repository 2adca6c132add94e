"""Start the SHM Workbench GUI: ``python main.py [FILE|FOLDER ...] [--screenshot PNG]``."""
import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
