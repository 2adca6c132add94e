"""The reference recording of a campaign on recordings: the baseline recording most typical of the reference state,
identified in full (uncertainty, MPC, MPD, stabilization diagram) for the report's "identified modes" section."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Optional

import numpy as np

if TYPE_CHECKING:
    from shm_app.campaign.model import CampaignResult
    from shm_app.campaign.settings import CampaignSettings
    from shm_app.identification.settings import IdentificationSettings


def reference_index(result: "CampaignResult") -> Optional[int]:
    """Index of the baseline recording closest to the reference state, None when no baseline recording has a mode.

    The candidates are the baseline recordings that found the most tracks; among them, the one whose frequencies
    lie nearest the tracks' reference frequencies (baseline medians), each deviation divided by that track's
    baseline standard deviation so a stiff mode does not outweigh a soft one.
    """
    f = np.asarray(result.frequencies_hz, dtype=float)
    base = np.flatnonzero(np.asarray(result.baseline, dtype=bool))
    if f.ndim != 2 or f.shape[1] == 0 or base.size == 0:
        return None
    fb = f[base]
    found = np.isfinite(fb).sum(axis=1)
    if found.max() == 0:
        return None
    ref = np.array([t.reference_frequency_hz for t in result.tracks], dtype=float)
    with np.errstate(invalid="ignore"):
        spread = np.nanstd(fb, axis=0, ddof=1) if len(base) > 1 else np.ones_like(ref)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, np.maximum(np.abs(ref), 1.0) * 1e-3)
    distance = np.nansum(((fb - ref) / spread) ** 2, axis=1)
    distance[found < found.max()] = np.inf
    return int(base[np.argmin(distance)])


def reference_settings(settings: "CampaignSettings") -> "IdentificationSettings":
    """The campaign's identification settings with what its tasks leave out for speed: the statistical
    uncertainty and the spectrum."""
    return replace(settings.identification, compute_spectrum=True, uncertainty=True)


def identify_reference(result: "CampaignResult", *, progress=None, cancel=None):
    """The reference recording read (with the campaign's reader options) and identified with its settings, with the statistical uncertainty
    and the spectrum the campaign's tasks leave out. None when there is no reference recording.

    Raises the reader's or the identification's :class:`~shm_app.errors.ShmError` naming the file.
    """
    from shm_app import io
    from shm_app.identification.pipeline import identify

    index = reference_index(result)
    if index is None:
        return None
    recording = io.read(result.files[index], **dict(result.settings.read_options))
    return identify(recording, reference_settings(result.settings), progress=progress, cancel=cancel)
