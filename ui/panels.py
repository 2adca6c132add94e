"""Side panels: preprocessing and identification settings. They emit typed settings; the window runs the work."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from shm_app.identify import METHODS
from shm_app.preprocessing import PreprocessSettings


def _hz_box(maximum: float, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=maximum, singleStep=step)
    box.setSuffix(" Hz")
    return box


class PreprocessPanel(QWidget):
    sigApply = Signal(object)  # PreprocessSettings
    sigReset = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.detrend_box = QComboBox()
        self.detrend_box.addItems(["linear", "constant", "none"])
        self.highpass_box = _hz_box(1000.0, 0.1)
        self.highpass_box.setSpecialValueText("off")
        self.lowpass_box = _hz_box(5000.0, 1.0)
        self.lowpass_box.setSpecialValueText("off")
        self.decimation_box = QSpinBox(minimum=1, maximum=100)
        self.decimation_box.setToolTip("Keep every n-th sample after an anti-alias low-pass filter")
        apply_button, reset_button = QPushButton("Apply"), QPushButton("Original")
        apply_button.clicked.connect(lambda: self.sigApply.emit(self.settings()))
        reset_button.clicked.connect(self.sigReset.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(apply_button)
        buttons.addWidget(reset_button)
        form.addRow("Detrend", self.detrend_box)
        form.addRow("High-pass", self.highpass_box)
        form.addRow("Low-pass", self.lowpass_box)
        form.addRow("Decimate by", self.decimation_box)
        form.addRow(buttons)

    def settings(self) -> PreprocessSettings:
        return PreprocessSettings(detrend=self.detrend_box.currentText(),
                                  highpass_hz=self.highpass_box.value() or None,
                                  lowpass_hz=self.lowpass_box.value() or None,
                                  decimation=self.decimation_box.value())


class IdentificationPanel(QWidget):
    sigIdentify = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.method_box = QComboBox()
        self.method_box.addItems(list(METHODS))
        self.fmin_box = _hz_box(1000.0, 0.1)
        self.fmin_box.setSpecialValueText("auto")
        self.fmax_box = _hz_box(5000.0, 1.0)
        self.fmax_box.setSpecialValueText("auto")
        self.identify_button = QPushButton("Identify modes")
        self.identify_button.clicked.connect(self.sigIdentify.emit)
        self.info_label = QLabel("No recording loaded.\nFile ▸ Open, or drop a file here.")
        self.info_label.setWordWrap(True)
        form.addRow("Method", self.method_box)
        form.addRow("f min", self.fmin_box)
        form.addRow("f max", self.fmax_box)
        form.addRow(self.identify_button)
        form.addRow(self.info_label)
