import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # before anything else: a frozen build's pool workers start here

    from shm_app.cli import main

    sys.exit(main())
