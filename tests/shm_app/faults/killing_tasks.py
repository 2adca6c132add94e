"""Campaign tasks for the fault tests, importable by name in the pool's spawned workers (the test's folder is on
``sys.path``, which spawned children inherit)."""
import os
import signal
from pathlib import Path

from shm_app.campaign.tasks import identify_file

#: the environment variable naming the file (its name) whose worker kills itself
DIE_ON = "SHM_TEST_DIE_ON"


def identify_or_die(path, *args):
    """:func:`~shm_app.campaign.tasks.identify_file`, except that the worker process given the file named in
    ``$SHM_TEST_DIE_ON`` kills itself with SIGKILL, as the out-of-memory killer would, every time."""
    if Path(path).name == os.environ.get(DIE_ON):
        os.kill(os.getpid(), signal.SIGKILL)
    return identify_file(path, *args)
