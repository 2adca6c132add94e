"""The session: the open project's state, the one place that changes it, and its file.

Views subscribe to :attr:`Session.changed` (called with what changed: ``"recordings"``, ``"current"``,
``"preprocessing"``, ``"identification"``, ``"result"``, ``"campaign"``, ``"geometry"``, ``"metadata"`` or
``"project"`` for a whole new state), :attr:`Session.modified_changed` and :attr:`Session.path_changed`; they never
reach into each other. Every change replaces the immutable :class:`~shm_app.session.state.ProjectState`, so a
snapshot can be saved while the user goes on working.

Files: :meth:`save` writes the project atomically; :meth:`autosave` writes a side file next to it
(``P.shmproj.autosave``, or one in the per-user data folder for an untitled project), never the user's file;
:meth:`open` reads a project (or its autosave) and never writes to it.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Optional, Union

from shm_app.errors import ShmError
from shm_app.session.events import Event
from shm_app.session.state import (CampaignState, Geometry, ProjectState, RecordingEntry,
                                   reference)

AUTOSAVE_SUFFIX = ".autosave"


def autosave_path(project: Optional[Path]) -> Path:
    """Where the autosave of ``project`` goes: beside it, or in the user's data folder when untitled."""
    if project is not None:
        return Path(project).with_name(Path(project).name + AUTOSAVE_SUFFIX)
    from shm_app.logs import user_folder

    return user_folder("autosave") / _untitled_name(os.getpid())


def _untitled_name(pid) -> str:
    """The autosave name of the untitled project of the app with process id ``pid`` (``"*"``: a glob)."""
    return f"untitled-{pid}.shmproj{AUTOSAVE_SUFFIX}"


def recoverable_autosave(project: Path) -> Optional[Path]:
    """The autosave of ``project`` if it is newer than the project (work the user did not save), else None."""
    side = autosave_path(project)
    try:
        return side if side.stat().st_mtime > Path(project).stat().st_mtime else None
    except OSError:
        return None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (the autosave of an untitled project is named after its app's pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's) or cannot be asked: leave its file alone
    return True


def orphaned_autosaves() -> list[Path]:
    """Autosaves of untitled projects whose app is no longer running (it crashed or was killed before the work
    was saved), newest first."""
    from shm_app.logs import user_folder

    found = []
    prefix, suffix = _untitled_name("*").split("*")
    for side in user_folder("autosave").glob(_untitled_name("*")):
        pid = side.name[len(prefix):-len(suffix)]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                found.append((side.stat().st_mtime, side))
            except OSError:
                pass
    return [side for _, side in sorted(found, reverse=True)]


class Session:
    """The open project. Not thread-safe: call it from one thread (the GUI's); workers return results to it."""

    def __init__(self) -> None:
        self.changed = Event("changed")
        self.modified_changed = Event("modified_changed")
        self.path_changed = Event("path_changed")
        self.state = ProjectState()
        self.path: Optional[Path] = None
        self.modified = False
        self._created: Optional[str] = None

    # ---- state --------------------------------------------------------------------------------------------------
    def _set(self, state: ProjectState, what: str, *, modified: bool = True) -> None:
        self.state = state
        if modified:
            self._set_modified(True)
        self.changed.emit(what)

    def _set_modified(self, value: bool) -> None:
        if value != self.modified:
            self.modified = value
            self.modified_changed.emit(value)

    def _set_path(self, path: Optional[Path]) -> None:
        if path != self.path:
            self.path = path
            self.path_changed.emit(path)

    @property
    def created(self) -> Optional[str]:
        """When the project was first saved (ISO time, as stored in its file); None for a new one."""
        return self._created

    @property
    def title(self) -> str:
        """The project's name for window titles: its file's stem, or "Untitled"."""
        return self.path.stem if self.path is not None else "Untitled"

    @property
    def current(self) -> Optional[RecordingEntry]:
        s = self.state
        return None if s.current is None else s.recordings[s.current]

    def _index(self, index: Optional[int]) -> int:
        i = self.state.current if index is None else index
        if i is None or not 0 <= i < len(self.state.recordings):
            raise ShmError("no recording is open")
        return i

    def _replace_entry(self, index: Optional[int], what: str, **changes) -> None:
        i = self._index(index)
        entries = list(self.state.recordings)
        entries[i] = replace(entries[i], **changes)
        self._set(replace(self.state, recordings=tuple(entries)), what)

    # ---- recordings ---------------------------------------------------------------------------------------------
    def add_recording(self, path: Union[str, Path], *, channels=(), start=None, read_options=(),
                      select: bool = True, ref=None) -> int:
        """Add the recording at ``path`` (or find it if the project has it); returns its index. ``ref``: its
        :func:`reference`, when already taken (the GUI hashes the file off its thread)."""
        ref = ref or reference(path, channels=channels, start=start, read_options=read_options)
        for i, entry in enumerate(self.state.recordings):
            if entry.ref.path == ref.path:
                if entry.ref != ref:  # the file changed, or the reader was told something else this time
                    self._replace_entry(i, "recordings", ref=ref, result=None, manual=())
                if select:
                    self.select_recording(i)
                return i
        recordings = self.state.recordings + (RecordingEntry(ref=ref),)
        index = len(recordings) - 1
        self._set(replace(self.state, recordings=recordings, current=index if select else self.state.current),
                  "recordings")
        return index

    def remove_recording(self, index: int) -> None:
        self._index(index)
        recordings = self.state.recordings[:index] + self.state.recordings[index + 1:]
        current = self.state.current
        if current is not None:
            current = None if current == index or not recordings else (current - (current > index))
        self._set(replace(self.state, recordings=recordings, current=current), "recordings")

    def select_recording(self, index: Optional[int]) -> None:
        if index is not None:
            self._index(index)
        if index != self.state.current:  # looking at another recording is not a change of the project
            self._set(replace(self.state, current=index), "current", modified=False)

    def set_preprocessing(self, settings, index: Optional[int] = None) -> None:
        """New preprocessing; the identification made on the old one no longer describes the data, so it goes."""
        entry = self.state.recordings[self._index(index)]
        if settings != entry.preprocessing:
            self._replace_entry(index, "preprocessing", preprocessing=settings, result=None, manual=())

    def set_identification_settings(self, settings, index: Optional[int] = None) -> None:
        if settings != self.state.recordings[self._index(index)].identification:
            self._replace_entry(index, "identification", identification=settings)

    def set_identification_result(self, result, index: Optional[int] = None, *, manual=()) -> None:
        self._replace_entry(index, "result", result=result, manual=tuple(manual))

    # ---- project-wide -----------------------------------------------------------------------------------------
    def set_metadata(self, **fields) -> None:
        metadata = replace(self.state.metadata, **fields)
        if metadata != self.state.metadata:
            self._set(replace(self.state, metadata=metadata), "metadata")

    def set_geometry(self, geometry: Optional[Geometry]) -> None:
        self._set(replace(self.state, geometry=geometry), "geometry")

    def set_roving(self, roving) -> None:
        """Store a roving (multi-setup) test: a :class:`~shm_app.session.state.RovingState` or None."""
        self._set(replace(self.state, roving=roving), "roving")

    def set_campaign(self, campaign: Optional[CampaignState]) -> None:
        self._set(replace(self.state, campaign=campaign), "campaign")

    def set_campaign_result(self, result, *, inputs=(), kind: str = "recordings", environment=None,
                            modes=None) -> None:
        """Store a finished campaign with the inputs and settings it came from."""
        old = self.state.campaign
        keep = old.modes if old is not None and modes is None else (modes or ())
        self.set_campaign(CampaignState(kind=kind, inputs=tuple(str(p) for p in inputs),
                                        environment=None if environment is None else str(environment),
                                        settings=result.settings, modes=tuple(keep), result=result))

    # ---- files ------------------------------------------------------------------------------------------------
    def new(self) -> None:
        self._created = None
        self._set_path(None)
        self._set(ProjectState(), "project", modified=False)
        self._set_modified(False)

    def open(self, path: Union[str, Path], *, recover_from: Optional[Path] = None) -> None:
        """Open the project at ``path`` (from its autosave ``recover_from`` if given). Never writes to either file;
        a file that fails to open leaves the session as it was."""
        from shm_app.persistence.project import load_project

        loaded = load_project(Path(recover_from or path))  # a ReadError unless it holds a ProjectState
        self._created = loaded.created
        self._set_path(Path(path))
        self._set(loaded.state, "project", modified=False)
        self._set_modified(recover_from is not None)  # recovered work is not saved yet

    def recover_untitled(self, side: Union[str, Path]) -> None:
        """Open the autosave ``side`` of an untitled project a crashed app left (:func:`orphaned_autosaves`) as
        this session's unsaved work. The file becomes this session's own autosave (renamed, never copied), so it
        stays on disk until the work is saved or discarded."""
        from shm_app.persistence.project import load_project

        side = Path(side)
        loaded = load_project(side)  # a ReadError unless it holds a ProjectState; nothing changed then
        own = autosave_path(None)
        os.replace(side, own)
        self._created = loaded.created
        self._set_path(None)
        self._set(loaded.state, "project", modified=False)
        self._set_modified(True)  # recovered work is not saved yet

    def save(self, path: Union[str, Path, None] = None) -> Path:
        """Save the project atomically to ``path`` (default: its file); the autosave side file then goes."""
        from shm_app.persistence.project import save_project

        target = Path(path) if path is not None else self.path
        if target is None:
            raise ShmError("the project has no file yet: give a path (Save As)")
        old_side = autosave_path(self.path)
        save_project(target, self.state, created=self._created if target == self.path else None)
        self._set_path(target)
        self._set_modified(False)
        for side in {old_side, autosave_path(target)}:
            try:
                side.unlink()
            except OSError:
                pass
        return target

    def autosave(self) -> Optional[Path]:
        """Write the unsaved state to the side file (never the project itself); None when nothing is unsaved."""
        from shm_app.persistence.project import save_project

        if not self.modified:
            return None
        side = autosave_path(self.path)
        side.parent.mkdir(parents=True, exist_ok=True)
        save_project(side, self.state, created=self._created)
        return side

    def discard_autosave(self) -> None:
        try:
            autosave_path(self.path).unlink()
        except OSError:
            pass
