"""Side panels: preprocessing and identification settings, built from the settings classes' declarations (ranges,
defaults, tooltips). They show the session's settings and emit typed settings; the window runs the work."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from shm_app.identification import IdentificationSettings, time_domain_methods
from shm_app.parameters import parameters_of
from shm_app.preprocessing import PreprocessSettings
from ui.parameter_widgets import parameter_widget, show_value, value_of


class SettingsForm(QWidget):
    """A form of one widget per listed parameter of ``cls``; ``settings()`` builds the instance. ``sigEdited``
    fires when the user changes a value (not when :meth:`show_settings` shows the session's)."""

    sigEdited = Signal()

    def __init__(self, cls, names, parent=None) -> None:
        super().__init__(parent)
        self.cls = cls
        self.form = QFormLayout(self)
        self.widgets = {}
        labels = {f.name: p.label for f, p, _ in parameters_of(cls)}
        for name in names:
            w = parameter_widget(cls, name)
            self.widgets[name] = w
            for signal in ("currentTextChanged", "valueChanged", "editingFinished", "toggled"):
                if hasattr(w, signal):
                    getattr(w, signal).connect(lambda *_: self.sigEdited.emit())
                    break
            label = QLabel(labels[name])
            label.setToolTip(w.toolTip())
            self.form.addRow(label, w)

    def values(self) -> dict:
        return {name: value_of(w) for name, w in self.widgets.items()}

    def show_settings(self, settings) -> None:
        for name, w in self.widgets.items():
            w.blockSignals(True)
            show_value(w, getattr(settings, name))
            w.blockSignals(False)


class PreprocessPanel(SettingsForm):
    sigApply = Signal(object)  # PreprocessSettings
    sigReset = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(PreprocessSettings, ("detrend", "highpass_hz", "lowpass_hz", "decimate"), parent)
        self.window_s = None  # (start, end) s, chosen on the time series
        apply_button, reset_button = QPushButton("Apply"), QPushButton("Original")
        apply_button.setToolTip("Apply these steps to the recording (the identification then uses the result)")
        reset_button.setToolTip("Back to the recording as read (no preprocessing)")
        apply_button.clicked.connect(lambda: self.sigApply.emit(self.settings()))
        reset_button.clicked.connect(self.sigReset.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(apply_button)
        buttons.addWidget(reset_button)
        self.form.addRow(buttons)

    def settings(self) -> PreprocessSettings:
        return PreprocessSettings(**self.values(), window_s=self.window_s)

    def show_settings(self, settings: PreprocessSettings) -> None:
        super().show_settings(settings)
        self.window_s = settings.window_s


class IdentificationPanel(SettingsForm):
    sigIdentify = Signal()

    FIELDS = ("method", "fmin_hz", "fmax_hz", "block_rows", "max_order", "reference_channels", "resolution_hz",
              "uncertainty")

    def __init__(self, parent=None) -> None:
        super().__init__(IdentificationSettings, self.FIELDS, parent)
        self.method_box = self.widgets["method"]
        self.method_box.currentTextChanged.connect(self._method_changed)
        self._method_changed(self.method_box.currentText())
        self.identify_button = QPushButton("Identify modes")
        self.identify_button.setToolTip("Identify the modes of the checked channels (F5)")
        self.identify_button.clicked.connect(self.sigIdentify.emit)
        self.info_label = QLabel("No recording loaded.\nFile ▸ Open, or drop a file here.")
        self.info_label.setWordWrap(True)
        self.form.addRow(self.identify_button)
        self.form.addRow(self.info_label)

    def _method_changed(self, method: str) -> None:
        time_domain = method in time_domain_methods()
        for name in ("block_rows", "max_order", "reference_channels"):
            self.widgets[name].setEnabled(time_domain)
        self.widgets["resolution_hz"].setEnabled(not time_domain)

    def settings(self, channels: Optional[tuple[str, ...]] = None) -> IdentificationSettings:
        """What the user asked for; unset values are resolved from the recording (``identification.resolve``)."""
        return IdentificationSettings(**self.values(), channels=channels)

    def show_settings(self, settings: IdentificationSettings) -> None:
        super().show_settings(settings)
        self._method_changed(settings.method)
