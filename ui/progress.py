"""A progress bar with a Cancel button bound to one :class:`ui.worker.TaskRunner` (one per panel)."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from ui.worker import TaskRunner


class ProgressWidget(QWidget):
    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMinimumWidth(240)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(runner.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        runner.sigStarted.connect(self._started)
        runner.sigProgress.connect(self._progress)
        runner.sigIdle.connect(self.hide)
        self.hide()

    def _started(self, _name: str) -> None:
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.show()

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(1000 * fraction))
        self.bar.setFormat(f"{message} %p%")
