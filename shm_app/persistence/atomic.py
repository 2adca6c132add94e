"""Atomic file writes: a temporary file beside the target, fsync, ``os.replace``. Nothing saved is ever
half-written: a crash, a kill or a full disk leaves the previous file as it was.

The temporary file is created with mode 0666 filtered by the user's umask, as any other program's output would be
(``tempfile.mkstemp`` would make it 0600: colleagues on a shared drive could not open the result). Its name holds
the writer's process id, so the next save beside it removes the leftovers of writers that died mid-save.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from shm_app.errors import ShmError

__all__ = ["atomic_path", "atomic_write_text", "atomic_write_bytes", "check_writable", "WriteError"]


class WriteError(ShmError):
    """An output could not be written: names the file and the cause (disk full, read-only, permission)."""

    def __init__(self, path, cause: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: cannot write it: {cause}")


def _cause(exc: OSError) -> str:
    return {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "permission denied", errno.ENOENT: "the folder does not exist",
            errno.ENOTDIR: "a part of the path is not a folder", errno.EISDIR: "it is a folder",
            errno.ENAMETOOLONG: "the name is too long"}.get(exc.errno, exc.strerror or type(exc).__name__)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave its file alone
    return True


def _is_device(path: Path) -> bool:
    """A character or block device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)


def remove_orphans(target: Path) -> int:
    """Remove temporary files of earlier saves of ``target`` whose writer process is gone; returns how many."""
    removed = 0
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        parts = name[len(prefix):-len(".tmp")].split(".")
        if len(parts) != 2 or not parts[0].isdigit() or _pid_alive(int(parts[0])):
            continue
        try:
            os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed


def check_writable(target: Path, what: str = "output") -> None:
    """Refuse early, before long work, an output whose folder is missing or not writable (names it and why)."""
    folder = Path(target).parent if str(Path(target).parent) else Path(".")
    if Path(target).is_dir():
        raise WriteError(target, f"{what} names a folder, not a file")
    if not folder.is_dir():
        raise WriteError(target, f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(target, "the folder is read-only or not yours (permission denied)")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically, else is removed.

    OS errors (disk full, read-only folder, permission) become :class:`WriteError` naming ``target``.
    """
    target = Path(target)
    if _is_device(target):  # /dev/null, a named pipe, a terminal: write into it, never replace it
        try:
            yield target
        except OSError as exc:
            raise WriteError(target, _cause(exc)) from exc
        return
    remove_orphans(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o666)
        os.close(fd)
    except OSError as exc:
        raise WriteError(target, _cause(exc)) from exc
    try:
        try:
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            if target.exists():  # keep the permissions the user gave the file they are replacing
                os.chmod(tmp, target.stat().st_mode & 0o7777)
            os.replace(tmp, target)
        except OSError as exc:
            raise WriteError(target, _cause(exc)) from exc
        if hasattr(os, "O_DIRECTORY"):  # the rename itself reaches the disk
            try:
                dfd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
            except OSError:
                pass
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(Path(target)) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
