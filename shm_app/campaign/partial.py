"""A campaign's per-recording results streamed into its project file as they arrive, and resumed from it.

``shm-app campaign INPUT... --project OUT.shmproj`` saves OUT.shmproj (atomically: a temporary file beside it,
then a rename) every :data:`SAVE_EVERY_S` seconds or :data:`SAVE_EVERY_N` results while the recordings are
identified, holding the campaign's inputs, settings and every :class:`~shm_app.campaign.tasks.RecordingModes`
so far, without a result. A crash (power cut, killed job) then loses at most the results since the last save and
the tasks in flight. ``--resume`` continues from such a file: the recordings it holds are not identified again,
and the campaign goes on with the settings saved in it. The finished campaign is saved over it as usual.

The GUI streams into the project's autosave side file the same way, with the rest of the open project (``base``)
kept in it, so the app's recovery offer brings back the project and the campaign so far.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence, Union

from shm_app.campaign.settings import CampaignSettings
from shm_app.campaign.tasks import RecordingModes
from shm_app.errors import SettingsError

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
