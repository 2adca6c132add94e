"""Every type a project file may hold, registered with the codec (the only classes a file can construct)."""
from __future__ import annotations

from dsp.compensation import MeanModel, PCAModel, RegressionModel
from dsp.detection import Detector
from dsp.modal import Mode
from dsp.novelty import NoveltyModel, TrackShift
from dsp.spectral import SingularValueSpectrum
from dsp.stabilization import SelectionSettings, StabilizationDiagram
from dsp.tracking import TrackingSettings
from shm_app.campaign.model import CampaignResult, Track
from shm_app.campaign.settings import CampaignSettings
from shm_app.campaign.tasks import RecordingModes
from shm_app.identification.multisetup import MultiSetupIdentification, MultiSetupSettings
from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.settings import IdentificationSettings, ResolvedSettings
from shm_app.io.geometry import GeometryNode, SensorGeometry
from shm_app.persistence.codec import register
from shm_app.preprocessing import PreprocessSettings
from shm_app.recording import Channel, Recording
from shm_app.session.state import (CampaignState, Geometry, ProjectMetadata, ProjectState, RecordingEntry,
                                   RecordingRef, RovingState)

register(
    # numerics
    Mode, StabilizationDiagram, SelectionSettings, SingularValueSpectrum, RegressionModel, PCAModel, MeanModel,
    NoveltyModel, Detector, TrackShift, TrackingSettings,
    # recordings and settings
    Channel, Recording, SensorGeometry, GeometryNode, PreprocessSettings, IdentificationSettings, ResolvedSettings,
    CampaignSettings, MultiSetupSettings,
    # results
    IdentificationResult, MultiSetupIdentification, RecordingModes, Track, CampaignResult,
    # the project
    RecordingRef, RecordingEntry, Geometry, CampaignState, RovingState, ProjectMetadata, ProjectState,
)
