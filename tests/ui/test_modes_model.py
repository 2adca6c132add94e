"""The modes table shows f ± σ with its 95 % interval apart from the scatter over model orders, and says which is
which in the header tips."""
import numpy as np
from PySide6.QtCore import Qt

from dsp.modal import Mode
from ui.modes_model import COLUMN as col
from ui.modes_model import COLUMNS, ModesTableModel


def test_sigma_and_interval_columns_and_header_tips(qtbot):
    model = ModesTableModel()
    shape = np.ones(3, complex)
    model.set_modes([Mode(2.2, 0.01, shape, 1.0, 0.0),  # no σ (uncertainty off)
                     Mode(3.4, 0.02, shape, 1.0, 0.0, 1e-3, 1e-4, 12, poles=np.arange(12),
                          frequency_sigma_hz=0.005, damping_sigma=0.001)])
    cells = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(2)]
    assert cells[0][col["σ f [Hz]"]] == cells[0][col["95 % f [Hz]"]] == "n/a"
    assert cells[1][col["Frequency [Hz]"]] == "3.4000" and cells[1][col["σ f [Hz]"]] == "0.0050"
    assert cells[1][col["95 % f [Hz]"]] == "[3.3902, 3.4098]"  # ± 1.96 σ
    assert cells[1][col["σ ζ [%]"]] == "0.10" and cells[1][col["95 % ζ [%]"]] == "[1.80, 2.20]"
    assert cells[1][col["Order scatter f [Hz]"]] == "0.0010"  # the order scatter stays its own column
    tip = lambda c: model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)  # noqa: E731
    assert "not an uncertainty" in tip(col["Order scatter f [Hz]"]) and "Not the scatter" in tip(col["σ f [Hz]"])
    assert "1.96 σ" in tip(col["95 % f [Hz]"])


def test_sigma_comes_beside_each_estimate_and_the_order_scatter_last():
    """In the narrow table of the workbench the first columns are what an engineer reads: each estimate with its
    σ and 95 % interval; the scatter over model orders, once read as the uncertainty, comes last, named so."""
    assert COLUMNS[:7] == ("Mode", "Frequency [Hz]", "σ f [Hz]", "95 % f [Hz]", "Damping [%]", "σ ζ [%]",
                           "95 % ζ [%]")
    assert COLUMNS[-2:] == ("Order scatter f [Hz]", "Order scatter ζ [%]")
