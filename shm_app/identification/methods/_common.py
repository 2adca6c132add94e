"""Helpers shared by the method modules: reference channels, order sweep, peak-picking settings."""
from __future__ import annotations


def reference_indices(s, ctx):
    if s.reference_channels is None:
        return None
    return [ctx.channels.index(c) for c in s.reference_channels]


def peak_settings(s):
    # the frequency-domain modules are imported when used: they bring scipy.signal, ~1 s of start-up
    from dsp.peak_picking import PeakSettings

    return PeakSettings(fmin_hz=s.fmin_hz, fmax_hz=s.fmax_hz)


def orders(s) -> range:
    return range(s.orders[0], s.orders[1] + 1, s.order_step)


def with_sigmas(y, s, modes):
    """The frequency-domain modes with their standard deviations from ``s.uncertainty_blocks`` independent parts of
    the record (batch means, :mod:`dsp.fd_uncertainty`); unchanged when no parts were planned."""
    if not s.uncertainty_blocks or not modes:
        return tuple(modes)
    from dsp.fd_uncertainty import frequency_domain_sigmas

    return tuple(frequency_domain_sigmas(y, s.analysis_fs_hz, modes, method=s.method, nperseg=s.nperseg,
                                         n_blocks=s.uncertainty_blocks))
