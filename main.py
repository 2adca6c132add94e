"""Start the SHM Workbench GUI: ``python main.py [FILE|FOLDER ...] [--screenshot PNG] [--selftest]``."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # before anything else: a frozen build's pool workers start here

    from ui.app import main

    sys.exit(main())
