"""The channel table: per channel its name, unit inside the app and in the file, rms, the node and direction it
measures (from the geometry), and three choices — shown in the plots, used by the analysis, SSI reference.

It only shows and reports; the window stores the choices in the session (the analysis channels and the SSI
references are identification settings)."""
from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

COLUMNS = ("Show", "Use", "Ref", "Channel", "Unit", "File unit", "RMS", "Node", "Dir.")
TIPS = ("Drawn in the time series and the PSD",
        "Used by the identification (at least one channel)",
        "SSI reference channel (none ticked: every channel is a reference)",
        "Channel name", "Unit inside the app", "Unit stated in the file (not stated: m/s² assumed)",
        "Root mean square about the mean, in the app's unit: a dead or clipped sensor stands out",
        "Geometry node the sensor sits on", "Measuring direction")
SHOW, USE, REF, NAME = 0, 1, 2, 3


class ChannelTable(QTableWidget):
    sigVisibleChanged = Signal(object)  # list[bool]
    sigAnalysisChanged = Signal(object)  # tuple of names, or None for all
    sigReferencesChanged = Signal(object)  # tuple of names, or None for all
    sigRefused = Signal(str)
    sigCurrentChannel = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("channelTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        for k, tip in enumerate(TIPS):
            self.horizontalHeaderItem(k).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.itemChanged.connect(self._changed)
        self.currentCellChanged.connect(lambda row, *_: self.sigCurrentChannel.emit(row))

    # ---- filling ----------------------------------------------------------------------------------------------
    def set_channels(self, recording, rms: Sequence[float], *, analysis: Optional[Sequence[str]] = None,
                     references: Optional[Sequence[str]] = None, geometry=None) -> None:
        """One row per channel of ``recording`` with its ``rms`` (computed with the read, off the GUI thread);
        ``analysis``/``references`` None mean all / none ticked."""
        self.blockSignals(True)
        self.setRowCount(0)
        where = {}
        if geometry is not None:
            where = {s.channel: (getattr(s, "node", None) or "", s.direction or "") for s in geometry.sensors}
        use = set(analysis or recording.channel_names)
        refs = set(references or ())
        self.setRowCount(recording.n_channels)
        for row, (ch, value) in enumerate(zip(recording.channels, rms)):
            for col, checked in ((SHOW, True), (USE, ch.name in use), (REF, ch.name in refs)):
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.setItem(row, col, item)
            node, direction = where.get(ch.name, (ch.direction and "", ch.direction or ""))
            for col, text in ((NAME, ch.name), (4, ch.unit), (5, ch.source_unit or "—"), (6, f"{value:.4g}"),
                              (7, str(node)), (8, str(direction))):
                item = QTableWidgetItem(text)
                if col == 6:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
        self.blockSignals(False)

    # ---- reading ----------------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [self.item(r, NAME).text() for r in range(self.rowCount())]

    def _ticked(self, col: int) -> list[bool]:
        return [self.item(r, col).checkState() == Qt.CheckState.Checked for r in range(self.rowCount())]

    def visible(self) -> list[bool]:
        return self._ticked(SHOW)

    def analysis_channels(self) -> list[str]:
        return [n for n, t in zip(self.names(), self._ticked(USE)) if t]

    def analysis_selection(self) -> Optional[tuple[str, ...]]:
        """The analysis channels, None when all are (the settings then follow the recording)."""
        used = self.analysis_channels()
        return None if len(used) == self.rowCount() else tuple(used)

    def reference_selection(self) -> Optional[tuple[str, ...]]:
        refs = [n for n, t in zip(self.names(), self._ticked(REF)) if t]
        return tuple(refs) or None

    def set_ticked(self, name: str, column: int, ticked: bool) -> None:
        row = self.names().index(name)
        self.item(row, column).setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    # ---- changes ----------------------------------------------------------------------------------------------
    def _changed(self, item: QTableWidgetItem) -> None:
        col = item.column()
        if col == SHOW:
            self.sigVisibleChanged.emit(self.visible())
        elif col == USE:
            if not any(self._ticked(USE)):  # an analysis needs channels: refuse, do not ignore
                self.blockSignals(True)
                item.setCheckState(Qt.CheckState.Checked)
                self.blockSignals(False)
                self.sigRefused.emit("At least one channel must stay in the analysis.")
                return
            self.sigAnalysisChanged.emit(self.analysis_selection())
        elif col == REF:
            self.sigReferencesChanged.emit(self.reference_selection())

    def show_selection(self, analysis: Optional[Sequence[str]], references: Optional[Sequence[str]]) -> None:
        """Tick the session's analysis channels and references (nothing is emitted)."""
        use, refs = set(analysis or self.names()), set(references or ())
        self.blockSignals(True)
        for row, name in enumerate(self.names()):
            self.item(row, USE).setCheckState(Qt.CheckState.Checked if name in use else Qt.CheckState.Unchecked)
            self.item(row, REF).setCheckState(Qt.CheckState.Checked if name in refs else Qt.CheckState.Unchecked)
        self.blockSignals(False)
