"""Side panels: preprocessing and identification settings. They emit typed settings; the window runs the work."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QWidget)

from shm_app.identify import METHODS, TIME_DOMAIN_METHODS, IdentificationSettings
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
        # SSI: block rows (auto: from f min and the analysis rate), highest model order, reference channels
        self.block_rows_box = QSpinBox(minimum=0, maximum=2000)
        self.block_rows_box.setSpecialValueText("auto")
        self.block_rows_box.setToolTip("Block rows i of SSI (correlation lags 1 … 2i−1); auto from f min and fs")
        self.max_order_box = QSpinBox(minimum=2, maximum=1000, value=IdentificationSettings.max_order, singleStep=10)
        self.max_order_box.setToolTip("Highest model order of the SSI sweep (orders 2, 4, … up to it)")
        self.references_box = QLineEdit()
        self.references_box.setPlaceholderText("all channels")
        self.references_box.setToolTip("SSI reference channels, comma-separated names (fewer references, less work;\n"
                                       "every mode must be seen by at least one of them)")
        # frequency-domain methods: resolution of the spectral matrix (auto: fine enough for close modes)
        self.resolution_box = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=10.0, singleStep=0.005)
        self.resolution_box.setSuffix(" Hz")
        self.resolution_box.setSpecialValueText("auto")
        self.resolution_box.setToolTip("Frequency resolution of the spectral matrix (FDD, EFDD, peak picking)")
        self.method_box.currentTextChanged.connect(self._method_changed)
        self._method_changed(self.method_box.currentText())
        self.identify_button = QPushButton("Identify modes")
        self.identify_button.clicked.connect(self.sigIdentify.emit)
        self.info_label = QLabel("No recording loaded.\nFile ▸ Open, or drop a file here.")
        self.info_label.setWordWrap(True)
        form.addRow("Method", self.method_box)
        form.addRow("f min", self.fmin_box)
        form.addRow("f max", self.fmax_box)
        form.addRow("Block rows", self.block_rows_box)
        form.addRow("Max order", self.max_order_box)
        form.addRow("References", self.references_box)
        form.addRow("Resolution", self.resolution_box)
        form.addRow(self.identify_button)
        form.addRow(self.info_label)

    def _method_changed(self, method: str) -> None:
        time_domain = method in TIME_DOMAIN_METHODS
        self.block_rows_box.setEnabled(time_domain)
        self.max_order_box.setEnabled(time_domain)
        self.references_box.setEnabled(time_domain)
        self.resolution_box.setEnabled(not time_domain)

    def settings(self, channels: Optional[tuple[str, ...]] = None) -> IdentificationSettings:
        """What the user asked for; unset values are resolved from the recording (``shm_app.identify.resolve``)."""
        time_domain = self.method_box.currentText() in TIME_DOMAIN_METHODS
        references = tuple(n.strip() for n in self.references_box.text().split(",") if n.strip())
        return IdentificationSettings(
            method=self.method_box.currentText(),
            fmin_hz=self.fmin_box.value() or None,
            fmax_hz=self.fmax_box.value() or None,
            channels=channels,
            block_rows=(self.block_rows_box.value() or None) if time_domain else None,
            max_order=self.max_order_box.value() if time_domain else IdentificationSettings.max_order,
            resolution_hz=None if time_domain else (self.resolution_box.value() or None),
            reference_channels=(references or None) if time_domain else None,
        )
