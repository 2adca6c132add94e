"""A campaign's per-recording results streamed into its project file as they arrive, and resumed from it.

``shm-app campaign INPUT... --project OUT.shmproj`` saves OUT.shmproj (atomically: a temporary file beside it,
then a rename) every :data:`SAVE_EVERY_S` seconds or :data:`SAVE_EVERY_N` results while the recordings are
identified, holding the campaign's inputs, settings and every :class:`~shm_app.campaign.tasks.RecordingModes`
so far, without a result. A crash (power cut, killed job) then loses at most the results since the last save and
the tasks in flight. ``--resume`` continues from such a file: the recordings it holds are not identified again,
and the campaign goes on with the settings saved in it. The finished campaign is saved over it as usual.

The GUI streams into the project's autosave side file the same way (:class:`BackgroundPartialProject`: the saves
on a thread of their own), with the rest of the open project (``base``) kept in it, so the app's recovery offer
brings back the project and the campaign so far.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence, Union

from shm_app.campaign.settings import CampaignSettings
from shm_app.campaign.tasks import RecordingModes
from shm_app.errors import SettingsError, ShmError

SAVE_EVERY_S = 30.0
SAVE_EVERY_N = 500


class PartialProject:
    """Collects results with :meth:`add` and saves them to ``path`` every ``every_s`` seconds or ``every_n``
    results (whichever comes first), and on :meth:`save`."""

    def __init__(self, path: Union[str, Path], *, inputs: Sequence[str], settings: CampaignSettings,
                 environment: Optional[str] = None, done: Sequence[RecordingModes] = (),
                 every_s: float = SAVE_EVERY_S, every_n: int = SAVE_EVERY_N, base=None,
                 created: Optional[str] = None) -> None:
        """``base``: the :class:`~shm_app.session.state.ProjectState` saved around the campaign (default: an
        empty project); ``created``: the project's creation stamp to keep."""
        self.path = Path(path)
        self.base, self.created = base, created
        self.inputs = tuple(str(p) for p in inputs)
        self.environment = None if environment is None else str(environment)
        self.settings = settings
        self.modes: list[RecordingModes] = list(done)
        self.every_s, self.every_n = float(every_s), int(every_n)
        self._last = time.monotonic()
        self._unsaved = 0

    def add(self, result: RecordingModes) -> None:
        self.modes.append(result)
        self._unsaved += 1
        if self._unsaved >= self.every_n or time.monotonic() - self._last >= self.every_s:
            self.save()

    def campaign(self):
        """The campaign so far: a :class:`~shm_app.session.state.CampaignState` without a result."""
        from shm_app.session.state import CampaignState

        return CampaignState(kind="recordings", inputs=self.inputs, environment=self.environment,
                             settings=self.settings, modes=tuple(self.modes), result=None)

    def save(self) -> Path:
        from shm_app.persistence.project import save_project
        from shm_app.session.state import ProjectState

        state = replace(self.base if self.base is not None else ProjectState(), campaign=self.campaign())
        save_project(self.path, state, created=self.created)
        self._last = time.monotonic()
        self._unsaved = 0
        return self.path


def load_partial(path: Union[str, Path]):
    """The :class:`~shm_app.session.state.CampaignState` of a project saved while its campaign ran (or after);
    a :class:`SettingsError` when the file holds no campaign of recordings."""
    from shm_app.persistence.project import load_project

    campaign = load_project(path).state.campaign
    if campaign is None or campaign.kind != "recordings":
        raise SettingsError(f"{path}: holds no campaign of recordings to resume")
    return campaign


class BackgroundPartialProject(PartialProject):
    """A :class:`PartialProject` whose periodic saves run on a thread of their own, so :meth:`add` never waits for
    one (a save costs about 0.7 ms per recording held: seconds for a year of hourly records, during which the
    identification tasks would starve). At most one save runs; results that arrive meanwhile are saved by one more
    right after it. :meth:`add` is called from one thread; the other methods may be called from another."""

    def __init__(self, path: Union[str, Path], **kwargs) -> None:
        super().__init__(path, **kwargs)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._writing = self._again = self._closed = False
        self.error: Optional[BaseException] = None  # the last save's failure (the campaign goes on regardless)

    def add(self, result: RecordingModes) -> None:
        with self._lock:
            if self._closed:
                return
            self.modes.append(result)
            self._unsaved += 1
            if self._unsaved >= self.every_n or time.monotonic() - self._last >= self.every_s:
                self._start()

    def save_soon(self, *, path: Union[str, Path, None] = None, base=None) -> Path:
        """Save in the background (to ``path`` and around ``base`` from now on, when given); returns the path."""
        with self._lock:
            self.path = self.path if path is None else Path(path)
            self.base = self.base if base is None else base
            if not self._closed:
                self._start()
            return self.path

    def flush(self) -> None:
        """Wait until every result added so far is saved (or its save failed: :attr:`error`)."""
        with self._lock:
            self._idle.wait_for(lambda: not self._writing)

    def close(self, *, save: bool = True) -> None:
        """Take no more results; wait for the save under way, then (``save``) save everything once more here."""
        with self._lock:
            self._closed = True
            self._idle.wait_for(lambda: not self._writing)
        if save:
            PartialProject.save(self)

    def _start(self) -> None:  # with the lock held
        if self._writing:
            self._again = True
            return
        self._writing = True
        threading.Thread(target=self._write, name="campaign-partial-save", daemon=True).start()

    def _write(self) -> None:  # its own thread; the atomic save leaves the previous file whole if the app dies
        while True:
            with self._lock:
                snapshot = copy.copy(self)
                snapshot.modes = list(self.modes)
                self._unsaved, self._again = 0, False
            try:
                PartialProject.save(snapshot)
                self.error = None
            except (ShmError, OSError) as exc:
                self.error = exc
            with self._lock:
                self._last = time.monotonic()
                if not self._again:
                    self._writing = False
                    self._idle.notify_all()
                    return
