"""Environment logs and frequency tables: parsing, interpolation to recording starts, no extrapolation."""
from datetime import datetime, timedelta

import numpy as np
import pytest

from shm_app.io.environment import read_environment, read_frequency_table
from shm_app.errors import ReadError


def _write(tmp_path, text, name="env.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_interpolates_linearly_between_samples(tmp_path):
    p = _write(tmp_path, "timestamp,temperature_c,humidity_pct\n2026-03-01T00:00:00,0.0,50\n"
                         "2026-03-01T01:00:00,2.0,\n2026-03-01T02:00:00,4.0,70\n")
    log = read_environment(p)
    assert log.names == ("temperature_c", "humidity_pct")
    v = log.interpolate([datetime(2026, 3, 1, 0, 30), datetime(2026, 3, 1, 2), None])
    np.testing.assert_allclose(v[0], [1.0, 55.0])
    np.testing.assert_allclose(v[1], [4.0, 70.0])
    assert np.all(np.isnan(v[2]))


def test_no_extrapolation_far_outside_the_log_or_across_gaps(tmp_path):
    rows = [f"{(datetime(2026, 3, 1) + timedelta(hours=h)).isoformat()},{h}" for h in (0, 1, 2, 3, 30, 31)]
    log = read_environment(_write(tmp_path, "time;temperature_c\n" + "\n".join(r.replace(",", ";") for r in rows)))
    v = log.interpolate([datetime(2026, 2, 27), datetime(2026, 3, 1, 0, 30), datetime(2026, 3, 1, 3, 20),
                         datetime(2026, 3, 2, 7, 30), datetime(2026, 3, 5)])
    assert np.isnan(v[0, 0])                      # days before the log
    assert v[1, 0] == pytest.approx(0.5)          # inside, between two hourly samples
    assert np.isnan(v[2, 0])                      # inside a 27-hour gap of the log
    assert v[3, 0] == pytest.approx(31.0)         # 30 min after the last sample: within the tolerance, held
    assert np.isnan(v[4, 0])                      # days after the log


def test_column_selection_and_clear_errors(tmp_path):
    p = _write(tmp_path, "timestamp,temperature_c,wind\n2026-03-01T00:00:00,1,2\n2026-03-01T01:00:00,2,3\n")
    assert read_environment(p, ["wind"]).names == ("wind",)
    with pytest.raises(ReadError, match="no column 'rain'"):
        read_environment(p, ["rain"])
    with pytest.raises(ReadError, match="not found"):
        read_environment(tmp_path / "missing.csv")
    with pytest.raises(ReadError, match="not an ISO timestamp"):
        read_environment(_write(tmp_path, "t,temp\nyesterday,1\n", "bad1.csv"))
    with pytest.raises(ReadError, match="not a number"):
        read_environment(_write(tmp_path, "t,temp\n2026-03-01T00:00:00,warm\n", "bad2.csv"))
    with pytest.raises(ReadError, match="header"):
        read_environment(_write(tmp_path, "t,temp\n", "bad3.csv"))
    with pytest.raises(ReadError, match="repeats"):
        read_environment(_write(tmp_path, "t,temp\n2026-03-01T00:00:00,1\n2026-03-01T00:00:00,2\n", "bad4.csv"))


def test_frequency_table_with_blanks_and_utc_offsets(tmp_path):
    p = _write(tmp_path, "time,M1,M2\n2026-03-01T01:00:00+01:00,2.2,3.45\n2026-03-01T01:00:00Z,2.21,\n")
    t = read_frequency_table(p)
    assert t.names == ("M1", "M2")
    assert t.times[0] == np.datetime64("2026-03-01T00:00:00")
    assert np.isnan(t.values[1, 1])
    with pytest.raises(ReadError, match="positive frequencies"):
        read_frequency_table(_write(tmp_path, "time,M1\n2026-03-01T00:00:00,-2\n", "neg.csv"))
