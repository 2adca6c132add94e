"""Domain layer of the SHM workbench: recordings, readers, pipelines, campaigns, project store, reports, CLI.

Nothing here imports Qt: every analysis runs headless (CLI, batch jobs, Dask workers).
"""
__version__ = "0.1.0"
