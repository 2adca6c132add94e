"""Guard against Qt bindings with reference-count bugs that crash the app at exit (PySide6 6.12.0: every
``Signal.emit`` dropped a reference to ``True``, and the interpreter aborted in ``bool_dealloc``)."""
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    sig = Signal(float, str)


def test_emitting_signals_keeps_reference_counts(qtbot):
    e = _Emitter()
    e.sig.connect(lambda f, m: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        e.sig.emit(0.5, "x")
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
