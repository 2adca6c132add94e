"""A campaign's result: tracked modes and every per-recording series the views, the report and the JSON need."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Union

import numpy as np

from dsp.compensation import MeanModel, PCAModel, RegressionModel
from dsp.detection import Detector
from dsp.novelty import NoveltyModel, TrackShift
from shm_app.campaign.settings import CampaignSettings


@dataclass(frozen=True)
class Track:
    """A tracked mode. ``shift`` is how far it moved after the first alarm (None without an alarm)."""

    id: str
    reference_frequency_hz: float
    reference_shape: Optional[np.ndarray]
    presence: float
    shift: Optional[TrackShift] = None
    watched: bool = True


@dataclass(frozen=True, eq=False)
class CampaignResult:
    """Everything the campaign view, the report and the JSON need. Arrays are ``(n_recordings, …)``, sorted by start.

    frequencies_hz, damping_ratios : (n, n_tracks), NaN where a track found no mode
    covariates : (n, n_covariates) at each recording's start, NaN where the log has no value
    predicted_hz : (n, n_tracks) environmental prediction (regression on covariates; without covariates the
        baseline mean: the detector predicts no environmental part)
    residuals : (n, n_tracks) relative residuals ``(f − f̂)/f̂`` (×100 for %)
    novelty, limit : (n,) novelty index and its control limit (NaN without a verdict): Hotelling T², or with a
        :class:`~dsp.detection.Detector` whose ``index_unit`` is ``"ratio"`` a ratio to a limit of 1
    novelty_model : a :class:`~dsp.novelty.NoveltyModel` (Hotelling T² of residuals) or a
        :class:`~dsp.detection.Detector` (no covariates)
    exceed, alarm, baseline : (n,) bool
    """

    files: tuple[str, ...]
    starts: tuple[Optional[datetime], ...]
    errors: tuple[Optional[str], ...]
    covariate_names: tuple[str, ...]
    covariates: np.ndarray
    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    predicted_hz: np.ndarray
    residuals: np.ndarray
    novelty: np.ndarray
    limit: np.ndarray
    exceed: np.ndarray
    alarm: np.ndarray
    baseline: np.ndarray
    tracks: tuple[Track, ...]
    compensation: Union[RegressionModel, PCAModel, MeanModel]
    novelty_model: Union[NoveltyModel, Detector]
    residual_std: np.ndarray
    first_alarm_index: Optional[int]
    settings: CampaignSettings
    watched: Optional[np.ndarray] = None
    warnings: tuple[str, ...] = ()
    channels: Optional[tuple[str, ...]] = None

    @property
    def n_recordings(self) -> int:
        return len(self.files)

    @property
    def track_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tracks)

    @property
    def threshold(self) -> float:
        """Control limit of the novelty index when every track is present (1 for a ratio index)."""
        return float(self.novelty_model.limit())

    @property
    def index_unit(self) -> str:
        """``"T²"`` or ``"ratio"`` (the index divided by its limit, so the limit is 1)."""
        return self.novelty_model.index_unit if isinstance(self.novelty_model, Detector) else "T²"

    @property
    def first_alarm(self) -> Optional[datetime]:
        return None if self.first_alarm_index is None else self.starts[self.first_alarm_index]

    @property
    def moved_tracks(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.shift is not None and t.shift.moved)

    def predict(self, covariates) -> np.ndarray:
        """Compensation curve: frequencies (Hz) the baseline model expects for ``covariates`` (n, n_covariates).

        For the PCA model (no covariates) the argument is a frequency array (n, n_tracks) and the result its
        environmental part. Tracks left out of the novelty index (``Track.watched`` False) give NaN.
        """
        if isinstance(self.compensation, RegressionModel):
            return self.compensation.predict(covariates)
        f = np.asarray(covariates, dtype=float)
        out = np.full(f.shape, np.nan)
        out[:, self.watched] = self.compensation.predict(f[:, self.watched])
        return out

