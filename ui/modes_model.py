"""Qt table model over identified modes: frequency and damping with their statistical σ and 95 % interval, and,
for SSI, the scatter of the mode's poles over the model orders (a different quantity, said in the header tips)."""
from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from dsp.modal import Mode
from shm_app.output.tables import format_scatter as scatter

Z95 = 1.959964  # the 95 % interval is ± 1.96 σ (normal estimate)

COLUMNS = ("Mode", "Frequency [Hz]", "σ f [Hz]", "95 % f [Hz]", "Damping [%]", "σ ζ [%]", "95 % ζ [%]", "MPC",
           "MPD [°]", "Poles", "Order scatter f [Hz]", "Order scatter ζ [%]")
# the statistical σ and its interval beside each estimate, where a narrow panel shows them; the order scatter,
# which engineers used to read as the uncertainty, last and named for what it is
COLUMN = {name: k for k, name in enumerate(COLUMNS)}
SIGMA_COLUMNS = (COLUMN["σ f [Hz]"], COLUMN["95 % f [Hz]"], COLUMN["σ ζ [%]"], COLUMN["95 % ζ [%]"])
CLUSTER_COLUMNS = (COLUMN["Poles"], COLUMN["Order scatter f [Hz]"], COLUMN["Order scatter ζ [%]"])
SIGMA_TIP = ("Statistical standard deviation σ of the estimate (SSI-COV: first-order propagation of the covariance "
             "of the output correlations over segments of the record; FDD/EFDD/peak: spread over independent parts "
             "of the record). Not the scatter over model orders.")
INTERVAL_TIP = ("95 % interval of the estimate, ± 1.96 σ: under repeated records of the same structure it covers the "
                "true value 95 % of the time")
SCATTER_TIP = ("Scatter of the stable poles of the mode's cluster across model orders: how consistently the orders "
               "agree, not an uncertainty of the estimate (see σ)")
HEADER_TIPS = {COLUMN["σ f [Hz]"]: SIGMA_TIP, COLUMN["95 % f [Hz]"]: INTERVAL_TIP, COLUMN["σ ζ [%]"]: SIGMA_TIP,
               COLUMN["95 % ζ [%]"]: INTERVAL_TIP, COLUMN["MPC"]: "Modal phase collinearity: 1 = real (normal) mode shape",
               COLUMN["MPD [°]"]: "Mean phase deviation of the shape: 0° = real (normal) mode shape",
               COLUMN["Poles"]: "Stable poles supporting the mode (SSI)", COLUMN["Order scatter f [Hz]"]: SCATTER_TIP,
               COLUMN["Order scatter ζ [%]"]: SCATTER_TIP}


def _sigma(value: Optional[float], decimals: int, factor: float = 1.0) -> str:
    return "n/a" if value is None else scatter(factor * value, decimals)


def _interval(centre: float, sigma: Optional[float], decimals: int, factor: float = 1.0) -> str:
    if sigma is None:
        return "n/a"
    half = Z95 * factor * sigma
    return f"[{factor * centre - half:.{decimals}f}, {factor * centre + half:.{decimals}f}]"


class ModesTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._modes: tuple[Mode, ...] = ()

    def set_modes(self, modes: Sequence[Mode]) -> None:
        self.beginResetModel()
        self._modes = tuple(modes)
        self.endResetModel()

    @property
    def modes(self) -> tuple[Mode, ...]:
        return self._modes

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._modes)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        m = self._modes[index.row()]
        col = index.column()
        clustered = m.poles is not None  # SSI: a cluster of poles with a scatter; FDD/EFDD/peak: one estimate
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(index.row() + 1),
                f"{m.frequency_hz:.4f}",
                _sigma(m.frequency_sigma_hz, 4),
                _interval(m.frequency_hz, m.frequency_sigma_hz, 4),
                f"{100 * m.damping_ratio:.2f}",
                _sigma(m.damping_sigma, 2, 100.0),
                _interval(m.damping_ratio, m.damping_sigma, 2, 100.0),
                f"{m.mpc:.3f}",
                f"{m.mpd_deg:.1f}",
                str(m.n_poles) if clustered else "—",
                scatter(m.frequency_scatter_hz, 4) if clustered else "—",
                scatter(100 * m.damping_scatter, 2) if clustered else "—",
            )[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col in CLUSTER_COLUMNS and not clustered:
            return "A frequency-domain method gives one estimate per mode: no scatter over model orders"
        if role == Qt.ItemDataRole.ToolTipRole and col in SIGMA_COLUMNS and m.frequency_sigma_hz is None:
            return "No statistical σ for this mode (uncertainty off, or the record too short for enough segments)"
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(col)
        return None
