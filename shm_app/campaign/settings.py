"""Campaign settings: everything a campaign result depends on, each declared once with its default, bounds and
help (the CLI's options and the GUI's widgets are built from these declarations), stored with every result."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from dsp.detection import DEFAULT_METHOD as DEFAULT_DETECTOR
from dsp.detection import METHODS as DETECTORS
from dsp.tracking import TrackingSettings
from shm_app.errors import ParameterError
from shm_app.identification.settings import IdentificationSettings
from shm_app.parameters import parameter, validate

DEFAULT_BASELINE_FRACTION = 1 / 3
COMPENSATIONS = ("auto", "regression", "pca", "none")
# Usable baseline recordings needed. The baseline must estimate, per track, the compensation model (up to 4
# parameters: intercept, temperature, frost hinge and its knee) and the residual covariance of up to ~4 tracks with
# a few degrees of freedom left for the control limit's F distribution (n > p); fewer than 6 records give no
# finite limit for a typical 4-mode deck, so the campaign refuses them instead of alarming on noise.
MIN_BASELINE = 6


# A campaign tracks a few modes of a structure already known, record after record: the SSI sweep stops at order 40
# (room for 20 modes in the band) instead of a single recording's 80. On 240 simulated deck records this found
# the same modes with the same frequency error (median 0.08–0.11 %) and damping, fewer spurious ones (7 against
# 22), the same tracks and first alarm, at half the CPU (the 40 eigenvalue problems of the sweep cost more than the
# read). :func:`~shm_app.campaign.analysis.analyse` warns when the records hold so many modes that order 40 may be
# too low (docs/monitoring.md, "Speed").
CAMPAIGN_MAX_ORDER = 40
CAMPAIGN_IDENTIFICATION = IdentificationSettings(max_order=CAMPAIGN_MAX_ORDER)


@dataclass(frozen=True)
class CampaignSettings:
    """Everything a campaign result depends on (stored with it, printed in reports).

    identification : shared by every recording (SSI-COV; max order :data:`CAMPAIGN_MAX_ORDER` by default)
    baseline_count / baseline_until : the baseline is the first N recordings, or those starting up to this time
        (naive UTC); neither: the first third of the campaign, at least ``MIN_BASELINE`` recordings
    read_options : extra keyword options for :func:`shm_app.io.read` (e.g. ``(("fs", 40.0),)``)
    """

    identification: IdentificationSettings = CAMPAIGN_IDENTIFICATION
    baseline_count: Optional[int] = parameter(
        None, "Baseline recordings", "The first N recordings (by start) are the undamaged reference state.",
        minimum=MIN_BASELINE, none_means=f"the first third (at least {MIN_BASELINE})",
        option="--baseline")
    baseline_until: Optional[datetime] = parameter(
        None, "Baseline until", "Recordings starting up to this time (UTC) are the undamaged reference state.",
        none_means="see baseline recordings", option="--baseline-until")
    env_columns: Optional[tuple[str, ...]] = parameter(
        None, "Covariates", "Columns of the environment log used as covariates.", none_means="every column")
    compensation: str = parameter(
        "auto", "Compensation", "How the environment's effect is removed: regression on the covariates, the "
                                "baseline's own envelope learnt by the detector when there are none ('pca'), or "
                                "none (raw deviations).",
        choices=COMPENSATIONS)
    detector: str = parameter(
        DEFAULT_DETECTOR, "Detector", "Novelty detector without covariates: 'gmm' (a Gaussian mixture of the baseline "
                                      "frequencies: flags whatever lies outside the baseline's envelope, frost "
                                      "included), 'pca' (the former PCA residual index), 'pca-broken-stick', "
                                      "'mahalanobis' or 'mahalanobis+pca'. Unused with covariates.",
        choices=DETECTORS)
    frost_hinge: bool = parameter(
        True, "Frost hinge", "Add the frost hinge max(0, T0 − T) on the temperature covariate (frozen bearings and "
                             "asphalt stiffen a deck below about 0 °C).", option=None)
    alpha: float = parameter(
        0.01, "α", "Per-record probability that an undamaged record exceeds the control limit.", minimum=0.0,
        maximum=0.5, exclusive_minimum=True, exclusive_maximum=True, step=0.001, decimals=4)
    alarm_k: int = parameter(2, "Alarm k", "An alarm needs k exceedances among the last m records.", minimum=1,
                             maximum=100)
    alarm_m: int = parameter(3, "Alarm m", "An alarm needs k exceedances among the last m records.", minimum=1,
                             maximum=100)
    workers: Optional[int] = parameter(None, "Workers", "Local worker processes identifying recordings.",
                                       minimum=1, maximum=1024, none_means="one per core")
    scheduler: Optional[str] = parameter(
        None, "Dask scheduler", "Address of a Dask distributed scheduler (e.g. tcp://10.0.0.5:8786); the "
                                "per-recording tasks then run on its cluster and the files must be visible to its "
                                "workers.", none_means="local process pool")
    tracking: TrackingSettings = TrackingSettings()
    read_options: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        validate(self)
        if self.baseline_count is not None and self.baseline_until is not None:
            raise ParameterError("baseline", "is either a number of recordings or an end time, not both")
        if self.alarm_k > self.alarm_m:
            raise ParameterError("alarm_k", f"must be at most alarm_m ({self.alarm_m}); got {self.alarm_k}")
        if self.identification.method != "ssi-cov":
            raise ParameterError("method", f"of a campaign is ssi-cov; got {self.identification.method!r}")

    @property
    def novelty(self):
        """The novelty index's :class:`~dsp.novelty.NoveltySettings`; baseline blunders are trimmed at a tenth of α
        (at most 0.001)."""
        from dsp.novelty import NoveltySettings  # scipy.stats: loaded when a campaign is analysed

        return NoveltySettings(alpha=self.alpha, alarm_k=self.alarm_k, alarm_m=self.alarm_m,
                               trim_alpha=min(0.001, self.alpha / 10))
