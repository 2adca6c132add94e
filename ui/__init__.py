"""Qt layer: main window, plot widgets, Qt models and workers. Nothing below this package imports Qt."""
