import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # before anything else: a frozen build's pool workers start here
        import multiprocessing

        multiprocessing.freeze_support()

    from shm_app.cli import main

    sys.exit(main())
