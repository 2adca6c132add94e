"""What leaves the app: the damage report, mode-shape and result exports, and the tables they share."""
