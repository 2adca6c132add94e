"""Qt table model over identified modes."""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from dsp.modal import Mode
from shm_app.output.tables import format_scatter as scatter

COLUMNS = ("Mode", "Frequency [Hz]", "± std [Hz]", "Damping [%]", "± std [%]", "MPC", "MPD [°]", "Poles")


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
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
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
                scatter(m.frequency_scatter_hz, 4) if clustered else "—",
                f"{100 * m.damping_ratio:.2f}",
                scatter(100 * m.damping_scatter, 2) if clustered else "—",
                f"{m.mpc:.3f}",
                f"{m.mpd_deg:.1f}",
                str(m.n_poles) if clustered else "—",
            )[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 5:
            return "Modal phase collinearity: 1 = real (normal) mode shape"
        if role == Qt.ItemDataRole.ToolTipRole and col in (2, 4, 7) and not clustered:
            return "A frequency-domain method gives one estimate per mode: no scatter over model orders"
        if role == Qt.ItemDataRole.ToolTipRole and col in (2, 4):
            return "Standard deviation over the stable poles of the mode's cluster (its scatter across model orders)"
        return None

