"""How a mode shape is animated: amplitude, frames per cycle and speed, declared once for the GUI's controls, the
command line and the GIF writer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shm_app.parameters import parameter, validate

__all__ = ["AnimationSettings", "phases"]


@dataclass(frozen=True)
class AnimationSettings:
    """Amplitude, frames per cycle and speed of an animated mode shape."""

    amplitude: float = parameter(0.08, "Amplitude", "Largest displacement drawn, as a fraction of the structure's "
                                 "largest dimension.", minimum=0.0, maximum=1.0, step=0.01, decimals=2)
    frames_per_cycle: int = parameter(24, "Frames per cycle", "Pictures per vibration cycle of the animation "
                                      "(GIF and screen).", minimum=4, maximum=120)
    cycles_per_second: float = parameter(0.5, "Speed", "Vibration cycles shown per second.", unit="Hz",
                                         minimum=0.05, maximum=5.0, step=0.05, decimals=2)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def frame_duration_s(self) -> float:
        """Time each frame is shown, s."""
        return 1.0 / (self.cycles_per_second * self.frames_per_cycle)


def phases(n_frames: int) -> np.ndarray:
    """(n_frames,) phase angles of one cycle, rad: 0, 2π/n, …"""
    return 2 * np.pi * np.arange(n_frames) / n_frames
