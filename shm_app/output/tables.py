"""Tables of identification results for people and spreadsheets: the ± notation, the modes CSV and the
stabilization diagram CSV (used alike by the CLI, the GUI's exports and the report)."""
from __future__ import annotations

import numpy as np

from shm_app.errors import SettingsError


def rounded(value, digits: int = 6):
    """``value`` rounded to ``digits`` decimals for a JSON document, or None when it is missing or not finite (the
    documents never hold NaN or infinities)."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def format_scatter(value: float, decimals: int) -> str:
    """A standard deviation with ``decimals`` decimals, or two significant digits when it is smaller than the last
    decimal (a very stable mode must not read as exactly 0). Used by the modes table, the CLI summary and the
    report."""
    if value == 0 or value >= 10 ** -decimals:
        return f"{value:.{decimals}f}"
    return f"{value:.1e}"


def with_interval(value: float, sigma, decimals: int) -> str:
    """``2.2050 ± 0.0005 [2.2040, 2.2060]``: a value, its standard deviation and 95 % interval (± 1.96 σ), or the
    value alone with "(σ n/a)" when the method gave none. One notation for the CLI, the tables and the report."""
    if sigma is None:
        return f"{value:.{decimals}f} (σ n/a)"
    half = 1.959964 * sigma
    return f"{value:.{decimals}f} ± {format_scatter(sigma, decimals)} [{value - half:.{decimals}f}, " \
           f"{value + half:.{decimals}f}]"


def missing_sigma_note(result, asked: bool) -> str | None:
    """Why an identification's modes have no statistical σ, in one line for the CLI summary and the GUI log, or
    None when they have it (or the method never gives one: SSI-DAT). ``asked``: the settings asked for it."""
    if not result.modes or result.settings.uncertainty_blocks or result.settings.method == "ssi-dat":
        return None
    if not asked:
        return "σ n/a: the statistical uncertainty was switched off"
    return ("σ n/a: the record is too short for the uncertainty, which needs 8 independent segments (SSI-COV: each "
            "20 × block rows samples long; FDD/EFDD/peak: each 4.5 spectral segments long); a longer record, fewer "
            "block rows (a higher f min) or a coarser resolution gives it")


def diagram_csv(result) -> str:
    """The stabilization diagram of an SSI result as CSV: one row per pole with its order, frequency, damping,
    MPC, MPD, the three stability flags (1/0) and the number of the selected mode it supports (blank if none)."""
    d = result.diagram
    if d is None:
        raise SettingsError(f"the stabilization diagram needs an SSI method (ssi-cov or ssi-dat); got "
                            f"{result.settings.method!r}", result.file)
    mode_of = np.zeros(d.orders.size, dtype=int)
    for k, m in enumerate(result.modes, 1):
        if m.poles is not None:
            mode_of[m.poles] = k
    rows = ["order,frequency_hz,damping_ratio,mpc,mpd_deg,stable_frequency,stable_damping,stable_shape,mode"]
    for j in np.lexsort((d.frequencies_hz, d.orders)):  # by order, then frequency
        rows.append(f"{d.orders[j]},{d.frequencies_hz[j]:.6f},{d.damping_ratios[j]:.6f},{d.mpc[j]:.4f},"
                    f"{d.mpd_deg[j]:.3f},{int(d.stable_frequency[j])},{int(d.stable_damping[j])},"
                    f"{int(d.stable_shape[j])},{mode_of[j] or ''}")
    return "\n".join(rows) + "\n"


def modes_csv(doc: dict) -> str:
    """The modes table of an identify JSON document as CSV (one row per mode, real shape per channel)."""
    head = ["mode", "frequency_hz", "damping_ratio", "frequency_sigma_hz", "damping_sigma", "frequency_scatter_hz",
            "damping_scatter", "mpc", "mpd_deg", "n_poles", "manual"]
    rows = [",".join(head + [f"shape_{c}" for c in doc["channels"]])]
    for k, m in enumerate(doc["modes"], 1):
        vals = [k] + [m.get(h) for h in head[1:]] + list(m["shape"])
        rows.append(",".join("" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in vals))
    return "\n".join(rows) + "\n"
