"""Analysis ▸ Roving test: three setups of a simulated deck merged in the GUI, shown on the structure, kept by the
project."""
import numpy as np
import pytest

from dsp.modal import mac
from dsp.simulate_roving import roving_deck, simulate_roving_test
from ui.main_window import MainWindow

FS = 50.0


@pytest.fixture
def setups(tmp_path):
    model, names, layout_setups = roving_deck()
    test = simulate_roving_test(model, layout_setups, FS, (600.0, 900.0, 480.0), excitation_levels=[1.0, 3.0, 0.5],
                                point_names=names, seed=2)
    paths = []
    for s, y in enumerate(test.records):
        cols = [test.layout.point_names[p] for p in test.layout.channel_points[s]]
        path = tmp_path / f"setup{s + 1}.csv"
        np.savetxt(path, np.column_stack([np.arange(y.shape[0]) / FS, y]), delimiter=",",
                   header="time," + ",".join(cols), comments="", fmt="%.7g")
        paths.append(str(path))
    return test, paths


def test_setups_merge_into_one_mode_set_and_survive_the_project(qtbot, setups, tmp_path):
    test, paths = setups
    w = MainWindow()
    qtbot.addWidget(w)
    dialog = w.open_roving_dialog()
    dialog.files.addItems(paths)
    with qtbot.waitSignal(dialog.runner.sigFinished, timeout=180_000):
        dialog.run()
    result = w.session.state.roving.result
    assert dialog.last_error is None and len(result.modes) >= 4
    assert dialog.table.rowCount() == len(result.modes) and "±" in dialog.table.item(0, 1).text()
    names = list(test.layout.point_names)
    truth = test.model.mode_shapes  # (n_points, n_modes) in point order
    for m in result.modes:  # every merged mode matches a true global mode
        order = [names.index(c) for c in result.channels]
        known = np.isfinite(m.shape)
        assert max(float(mac(np.real(m.shape[known]), truth[np.array(order)[known], j]))
                   for j in range(truth.shape[1])) > 0.98
    dialog.table.selectRow(1)
    assert dialog.shape_view.mode_index == 1
    assert w.save_project(tmp_path / "roving.shmproj")
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_project(tmp_path / "roving.shmproj")
    again = other.session.state.roving
    assert again.files == tuple(str(__import__("pathlib").Path(p).resolve()) for p in paths)
    assert [m.frequency_hz for m in again.result.modes] == [m.frequency_hz for m in result.modes]
    assert other.open_roving_dialog().table.rowCount() == len(result.modes)
