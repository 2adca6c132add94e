"""The geometry dialog: tables of nodes (name, x, y, z, fixed), lines (node a, node b) and channels (channel, node,
direction); load a geometry CSV and a lines CSV; the rule for unmeasured nodes. OK stores the geometry through
``session.set_geometry`` (refused with a message, the dialog left open, when a line or a channel names an unknown
node)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from shm_app.errors import ShmError
from shm_app.geometry.model import channel_nodes, node_list, wireframe
from shm_app.io.geometry import GeometryNode, SensorGeometry
from shm_app.session.state import Geometry
from ui.parameter_widgets import parameter_widget, show_value, value_of

NODE_COLUMNS = ("Node", "x [m]", "y [m]", "z [m]", "Fixed")
LINE_COLUMNS = ("Node a", "Node b")
CHANNEL_COLUMNS = ("Channel", "Node", "Direction")


def _table(columns: Sequence[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(list(columns))
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().setVisible(False)
    return t


def _text(t: QTableWidget, row: int, col: int) -> str:
    item = t.item(row, col)
    return item.text().strip() if item is not None else ""


class GeometryDialog(QDialog):
    """Edit the session's geometry (see the module docstring). ``geometry()`` is what the tables describe."""

    def __init__(self, session, parent: Optional[QWidget] = None, *, channels: Sequence[str] = ()) -> None:
        """``channels``: those of the shape on screen (a roving test's merged points), listed to be assigned."""
        super().__init__(parent)
        self._shown_channels = tuple(channels)
        self.setWindowTitle("Geometry")
        self.setObjectName("geometryDialog")
        self.session = session
        self._source: Optional[str] = None
        self._lines_source: Optional[str] = None
        self.nodes = _table(NODE_COLUMNS)
        self.lines = _table(LINE_COLUMNS)
        self.channels = _table(CHANNEL_COLUMNS)
        self.channels.setToolTip("Which node each channel measures and in which direction (x, y, z, -z, …); "
                                 "several channels may measure one node. A channel without a node is not drawn.")
        self.lines.setToolTip("Lines drawn between nodes; unmeasured nodes are interpolated along them.")
        self.nodes.setToolTip("Points of the structure, m. Fixed: a support, it does not move.")
        self.unmeasured = parameter_widget(Geometry, "unmeasured")
        tabs = QTabWidget()
        for table, name in ((self.nodes, "Nodes"), (self.lines, "Lines"), (self.channels, "Channels")):
            page = QWidget()
            v = QVBoxLayout(page)
            v.addWidget(table)
            row = QHBoxLayout()
            add, remove = QPushButton("Add row"), QPushButton("Remove row")
            add.clicked.connect(lambda _=False, t=table: self._add_row(t))
            remove.clicked.connect(lambda _=False, t=table: t.removeRow(t.currentRow()) if t.currentRow() >= 0 else None)
            row.addWidget(add)
            row.addWidget(remove)
            row.addStretch(1)
            v.addLayout(row)
            tabs.addTab(page, name)
        load_geometry = QPushButton("Load geometry CSV…")
        load_geometry.setToolTip("channel,x_m,y_m,z_m,direction[,node]; rows 'fixed' or 'node' for points without "
                                 "a sensor")
        load_geometry.clicked.connect(self._load_geometry_clicked)
        load_lines = QPushButton("Load lines CSV…")
        load_lines.setToolTip("node_a,node_b per row")
        load_lines.clicked.connect(self._load_lines_clicked)
        self.message = QLabel()
        self.message.setObjectName("geometryMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a01010;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Reset)
        buttons.button(QDialogButtonBox.StandardButton.Reset).setText("Clear")
        buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(lambda: self.show_geometry(None))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        files = QHBoxLayout()
        files.addWidget(load_geometry)
        files.addWidget(load_lines)
        files.addStretch(1)
        form = QFormLayout()
        form.addRow("Unmeasured nodes", self.unmeasured)
        layout = QVBoxLayout(self)
        layout.addLayout(files)
        layout.addWidget(tabs, 1)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 480)
        self.show_geometry(session.state.geometry)

    # ---- tables ---------------------------------------------------------------------------------------------------
    def _add_row(self, t: QTableWidget, values: Sequence = ()) -> None:
        r = t.rowCount()
        t.insertRow(r)
        for c in range(t.columnCount()):
            if t is self.nodes and c == 4:
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setCheckState(Qt.CheckState.Checked if (len(values) > 4 and values[4]) else Qt.CheckState.Unchecked)
            else:
                v = values[c] if c < len(values) else ""
                item = QTableWidgetItem(f"{v:g}" if isinstance(v, float) else str(v or ""))
            t.setItem(r, c, item)

    def _recording_channels(self) -> tuple[str, ...]:
        """The channels a node may be assigned to: the shape's on screen, the current recording's, and the roving
        test's merged points (the setups' channel names), each once."""
        entry = self.session.current
        recording = () if entry is None else (entry.result.channels if entry.result is not None else entry.ref.channels)
        roving = self.session.state.roving
        merged = roving.result.channels if roving is not None and roving.result is not None else ()
        return tuple(dict.fromkeys((*self._shown_channels, *recording, *merged)))

    def show_geometry(self, geometry: Optional[Geometry]) -> None:
        """Fill the tables from ``geometry`` (None: empty), listing the channels not yet placed too."""
        for t in (self.nodes, self.lines, self.channels):
            t.setRowCount(0)
        placed = set()
        if geometry is not None:
            mapping = channel_nodes(geometry)
            for n in node_list(geometry):
                self._add_row(self.nodes, (n.name, *n.position_m, n.fixed))
            for a, b in geometry.lines:
                self._add_row(self.lines, (mapping.get(a, a), mapping.get(b, b)))
            for s in geometry.sensors:
                self._add_row(self.channels, (s.channel, mapping[s.channel], s.direction or ""))
                placed.add(s.channel)
            show_value(self.unmeasured, geometry.unmeasured)
            self._source, self._lines_source = geometry.source, geometry.lines_source
        for name in self._recording_channels():
            if name not in placed:
                self._add_row(self.channels, (name, "", ""))

    def geometry(self) -> Geometry:
        """The geometry the tables describe.

        Raises
        ------
        ShmError
            A coordinate is not a number, a node is named twice, or a line or channel names an unknown node.
        """
        nodes = {}
        for r in range(self.nodes.rowCount()):
            name = _text(self.nodes, r, 0)
            if not name:
                continue
            try:
                position = tuple(float(_text(self.nodes, r, c).replace(",", ".")) for c in (1, 2, 3))
            except ValueError:
                raise ShmError(f"node {name}: x, y and z must be numbers (m)") from None
            if name in nodes:
                raise ShmError(f"node {name} is listed twice")
            fixed = self.nodes.item(r, 4).checkState() == Qt.CheckState.Checked
            nodes[name] = GeometryNode(name, position, fixed)
        sensors = []
        for r in range(self.channels.rowCount()):
            channel, node, direction = (_text(self.channels, r, c) for c in range(3))
            if not channel or not node:
                continue
            if node not in nodes:
                raise ShmError(f"channel {channel}: node {node!r} is not in the nodes table")
            sensors.append(SensorGeometry(channel, nodes[node].position_m, direction or None, node))
        lines = tuple((_text(self.lines, r, 0), _text(self.lines, r, 1)) for r in range(self.lines.rowCount())
                      if _text(self.lines, r, 0) and _text(self.lines, r, 1))
        geometry = Geometry(sensors=tuple(sensors), nodes=tuple(nodes.values()), lines=lines, source=self._source,
                            unmeasured=value_of(self.unmeasured), lines_source=self._lines_source)
        wireframe(geometry)  # a line to an unknown node is refused here, not when drawing
        return geometry

    # ---- files and OK -------------------------------------------------------------------------------------------
    def load_files(self, geometry_csv, lines_csv=None) -> None:
        """Replace the tables by the geometry of the files (the lines table kept when ``lines_csv`` is None)."""
        from shm_app.geometry import load_geometry

        keep_lines = None if lines_csv is not None else self._table_lines()
        geometry = load_geometry(geometry_csv, lines_csv, unmeasured=value_of(self.unmeasured))
        self.show_geometry(geometry)
        for a, b in keep_lines or ():
            self._add_row(self.lines, (a, b))

    def load_lines(self, lines_csv) -> None:
        from shm_app.io.geometry import read_lines

        lines = read_lines(lines_csv)
        self.lines.setRowCount(0)
        for a, b in lines:
            self._add_row(self.lines, (a, b))
        self._lines_source = str(lines_csv)

    def _table_lines(self) -> list[tuple[str, str]]:
        return [(_text(self.lines, r, 0), _text(self.lines, r, 1)) for r in range(self.lines.rowCount())]

    def _pick(self, title: str) -> Optional[str]:
        folder = str(Path(self._source).parent) if self._source else ""
        path, _ = QFileDialog.getOpenFileName(self, title, folder, "CSV files (*.csv *.txt);;All files (*)")
        return path or None

    def _load_geometry_clicked(self) -> None:
        path = self._pick("Load geometry CSV")
        if path:
            self._try(lambda: self.load_files(path))

    def _load_lines_clicked(self) -> None:
        path = self._pick("Load lines CSV")
        if path:
            self._try(lambda: self.load_lines(path))

    def _try(self, action) -> bool:
        try:
            action()
        except ShmError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("")
        return True

    def accept(self) -> None:
        def store():
            g = self.geometry()
            self.session.set_geometry(g if (g.sensors or g.nodes) else None)

        if self._try(store):
            super().accept()
