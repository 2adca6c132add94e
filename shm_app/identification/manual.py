"""Modes a person adds to or removes from an identification, and the automation's reasons for what it left out.

An edit returns a new :class:`IdentificationResult` (modes sorted by frequency) and the new indices of the modes a
person chose (``manual``), which the session stores with the result and the identify JSON marks
``"manual": true`` — so a report says which modes a person chose.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from dsp.modal import Mode
from dsp.selection_review import (UnselectedColumn, explain_unselected, mode_at_frequency, mode_from_poles,
                                  pole_column)
from shm_app.errors import SettingsError
from shm_app.identification.pipeline import IdentificationResult

Edit = tuple[IdentificationResult, tuple[int, ...]]


def _sorted(result: IdentificationResult, modes: Sequence[Mode], manual_modes: Sequence[Mode]) -> Edit:
    ordered = sorted(modes, key=lambda m: m.frequency_hz)
    manual = tuple(k for k, m in enumerate(ordered) if any(m is x for x in manual_modes))
    return replace(result, modes=tuple(ordered)), manual


def _manual_modes(result: IdentificationResult, manual: Sequence[int]) -> list[Mode]:
    return [result.modes[k] for k in manual if 0 <= k < len(result.modes)]


def add_mode_from_poles(result: IdentificationResult, poles: Sequence[int], manual: Sequence[int] = ()) -> Edit:
    """Add the mode estimated from the chosen stabilization-diagram poles (SSI results)."""
    if result.diagram is None:
        raise SettingsError(f"modes are picked from poles in a stabilization diagram (SSI methods); this result is "
                            f"{result.settings.method}", result.file)
    mode = mode_from_poles(result.diagram, poles)
    return _sorted(result, list(result.modes) + [mode], _manual_modes(result, manual) + [mode])


def add_mode_at_pole(result: IdentificationResult, pole: int, manual: Sequence[int] = ()) -> Edit:
    """Add the mode of the column through a clicked pole."""
    if result.diagram is None:
        raise SettingsError("poles belong to a stabilization diagram (SSI methods)", result.file)
    return add_mode_from_poles(result, pole_column(result.diagram, pole), manual)


def add_mode_at_frequency(result: IdentificationResult, frequency_hz: float, manual: Sequence[int] = ()) -> Edit:
    """Add the FDD mode at the singular-value peak nearest a picked frequency (frequency-domain results)."""
    if result.spectrum is None:
        raise SettingsError("picking a peak needs the singular-value spectrum of the result", result.file)
    try:
        mode = mode_at_frequency(result.spectrum, frequency_hz)
    except ValueError as exc:  # dsp names the allowed band
        raise SettingsError(str(exc), result.file) from exc
    return _sorted(result, list(result.modes) + [mode], _manual_modes(result, manual) + [mode])


def remove_mode(result: IdentificationResult, index: int, manual: Sequence[int] = ()) -> Edit:
    """Remove mode ``index`` (a spurious one)."""
    if not 0 <= index < len(result.modes):
        raise SettingsError(f"mode must be between 1 and {len(result.modes)}; got {index + 1}", result.file)
    kept = [m for k, m in enumerate(result.modes) if k != index]
    return _sorted(result, kept, [m for m in _manual_modes(result, manual) if m is not result.modes[index]])


def unselected_columns(result: IdentificationResult) -> tuple[UnselectedColumn, ...]:
    """Stable columns of an SSI result that are not modes, each with why (empty for other methods)."""
    if result.diagram is None or result.settings.selection is None:
        return ()
    return explain_unselected(result.diagram, result.modes, result.settings.selection)
