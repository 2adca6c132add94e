"""One module per ``shm-app`` sub-command, each with ``add_parser(subparsers)``."""
