"""CSMIP/COSMOS strong-motion text: the 30 real Painter St. Overpass events, and files written to the spec."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime

import numpy as np
import pytest

from io_support import PAINTER, shared, simulated
from shm_app import io
from shm_app.errors import ReadError


def csmip_v2_text(values_cm_s2: np.ndarray, dt: float, chan: int, orient: str = "270 DEG",
                  start: str = "11/08/80, 10:27:55.4 UTC") -> str:
    """A CSMIP V2 channel laid out like the network's files (accel as 8F10.3, then velocity)."""
    n = values_cm_s2.size
    head = [f"CORRECTED ACCELEROGRAM   89324-C0138-80314.03       CHAN  {chan}: {orient}     FROM",
            "UNCORRECTED ACCELEROGRAM DATA              PROCESSED: 12/12/83, CDMG QT80A324A2",
            "TEST EARTHQUAKE", "NOV 8, 1980 02:27 PST",
            f"89324-C0138-80314.03               TRIGGER TIME: {start}",
            "STATION NO. 89324   40.503N, 124.100W     CRA-1  S/N 0138 (12 CHNS OF 20 AT STA)",
            "RIO DELL - 101/PAINTER ST. OVERPASS",
            f"CHAN  {chan}: {orient}  (STA CHN: {chan})     LOCATION: BASE OF CENTER BENT"]
    head += ["HEADER LINE"] * 37
    head.append(f"  {n} POINTS OF ACCEL DATA EQUALLY SPACED AT  {dt:.3f} SEC.  (UNITS: CM/SEC/SEC)")
    fields = [f"{v:10.3f}" for v in values_cm_s2]
    body = ["".join(fields[i:i + 8]) for i in range(0, n, 8)]
    tail = [f"  {n} POINTS OF VELOC DATA EQUALLY SPACED AT  {dt:.3f} SEC.  (UNITS: CM/SEC)", "     1.000" * 8]
    return "\n".join(head + body + tail) + "\n"


def test_csmip_zip_written_to_the_spec_round_trips(tmp_path):
    data = np.round(simulated(1001, 3, 50.0) * 100, 3)  # cm/s², as printed
    p = tmp_path / "event.zip"
    with zipfile.ZipFile(p, "w") as zf:
        for j in range(3):
            zf.writestr(f"CHAN{j + 1:02d}.V2", csmip_v2_text(data[:, j], 0.02, j + 1, ["270 DEG", "UP", "360 DEG"][j]))
            zf.writestr(f"CHAN{j + 1:02d}.V3", "response spectra, not read")
    rec = io.read(p)
    assert rec.fs_hz == 50.0 and rec.n_samples == 1001
    assert rec.channel_names == ["CH01_270", "CH02_Up", "CH03_360"]
    assert all(c.source_unit == "cm/s^2" for c in rec.channels)
    assert rec.start == datetime(1980, 11, 8, 10, 27, 55, 400000)
    np.testing.assert_allclose(rec.data, data / 100, atol=1e-12)
    single = tmp_path / "CHAN02.V2"
    single.write_text(csmip_v2_text(data[:, 1], 0.02, 2, "UP"))
    assert io.read(single).channel_names == ["CH02_Up"]


def test_touching_fortran_fields_are_split_by_width(tmp_path):
    values = np.array([-999.0, -999.0, 1.5, -12345.678, 2.0])
    text = csmip_v2_text(values, 0.01, 1).replace(
        "".join(f"{v:10.3f}" for v in values), "".join(f"{v:10.5f}"[-10:] for v in [-999.0, -999.0, 1.5, 2.0, 2.0]))
    p = tmp_path / "CHAN01.V2"
    p.write_text(text)
    rec = io.read(p)
    np.testing.assert_allclose(rec.data[:, 0] * 100, [-999.0, -999.0, 1.5, 2.0, 2.0])


def test_truncated_csmip_file_is_refused(tmp_path):
    text = csmip_v2_text(np.arange(800.0), 0.02, 1)
    p = tmp_path / "CHAN01.V2"
    p.write_text(text[: len(text) // 2])
    with pytest.raises(ReadError, match="truncated"):
        io.read(p)


def cosmos_v2_text(values: np.ndarray, dt_ms: float) -> str:
    """A COSMOS V2 channel (format v01.20): 13 text lines, 100 integers, 100 reals, comments, data, end line."""
    ints = np.full(100, -999, dtype=int)
    ints[39], ints[41], ints[42], ints[43], ints[44] = 2021, 12, 20, 21, 53
    reals = np.full(100, -999.0)
    reals[29], reals[61] = 27.5, dt_ms
    text = ["Corrected acceleration  (Format v01.20 with 13 text lines) Src: test"]
    text += ["Station: Test bridge   Chan  5:  Up     Location: deck midspan"] + ["text"] * 11
    text.append("  100 Integer-header values follow on 10 lines, Format= (10I8)")
    text += ["".join(f"{v:8d}" for v in ints[i:i + 10]) for i in range(0, 100, 10)]
    text.append("  100 Real-header values follow on 17 lines, Format= (6F13.6)")
    text += ["".join(f"{v:13.6f}" for v in reals[i:i + 6]) for i in range(0, 100, 6)]
    text.append('    1 Comment line(s) follow, each starting with a "|":')
    text.append("| synthetic")
    n = values.size
    text.append(f"  {n} acceleration pts, approx  {n * dt_ms / 1000:.0f} secs, units=cm/sec2(04), Format=(8F10.5)")
    text += ["".join(f"{v:10.5f}" for v in values[i:i + 8]) for i in range(0, n, 8)]
    text.append("End-of-data for Chan  5 acceleration")
    return "\n".join(text) + "\n"


def test_cosmos_v2_channel_round_trips(tmp_path):
    values = np.round(simulated(803, 1, 100.0)[:, 0] * 100, 5)
    p = tmp_path / "CE89324.V2c"
    p.write_text(cosmos_v2_text(values, 10.0))
    rec = io.read(p)
    assert rec.format == "csmip" and rec.fs_hz == 100.0 and rec.channel_names == ["CH05_Up"]
    assert rec.start == datetime(2021, 12, 20, 21, 53, 27, 500000)
    np.testing.assert_allclose(rec.data[:, 0], values / 100, atol=1e-12)


@pytest.mark.realdata
def test_every_painter_street_event_reads_with_dt_and_units():
    folder = shared(PAINTER)
    meta = json.loads((folder / "metadata.json").read_text())
    zips = sorted(folder.glob("*.zip"))
    assert len(zips) == 30 and meta["count"] >= 30
    for z in zips:
        rec = io.read(z)
        assert rec.format == "csmip"
        assert rec.fs_hz in (50.0, 100.0, 200.0), z.name
        assert 12 <= rec.n_channels <= 20 or z.name.startswith("petrolia91"), (z.name, rec.n_channels)
        assert 19.0 < rec.duration_s < 125.0, (z.name, rec.duration_s)
        assert all(c.source_unit == "cm/s^2" and c.unit == "m/s^2" for c in rec.channels), z.name
        peak_g = np.abs(rec.data).max() / 9.80665
        assert 0.01 < peak_g < 2.0, (z.name, peak_g)
        assert rec.metadata["dt_s"] == pytest.approx(1 / rec.fs_hz)


@pytest.mark.realdata
def test_painter_street_1992_petrolia_channels_and_shaking():
    rec = io.read(shared(PAINTER / "petrolia_25apr1992_ce89324p.zip"))
    assert rec.fs_hz == 50.0 and rec.n_samples == 3000 and rec.n_channels == 20
    assert rec.channel_names[0] == "CH01_270"
    peak_cm = np.abs(rec.select(["CH01_270"]).data).max() * 100
    assert peak_cm == pytest.approx(318.661, abs=1e-3)  # "PEAK ACCELERATION = -318.661 CM/SEC/SEC" in the header
    newer = io.read(shared(PAINTER / "RioDell_14Sep2012_71842255_ce89324p.zip"))
    assert newer.fs_hz == 200.0 and newer.n_samples == 11980 and newer.n_channels == 17
    assert newer.start == datetime(2012, 9, 14, 18, 19, 35)
    assert abs(newer.select(["CH01_Long"]).data).max() * 100 == pytest.approx(8.814, abs=1e-3)


def test_cosmos_file_with_several_channels(tmp_path):
    a = np.round(simulated(400, 2, 100.0)[:, 0] * 100, 5)
    b = np.round(simulated(400, 2, 100.0, seed=1)[:, 1] * 100, 5)
    text = cosmos_v2_text(a, 10.0) + cosmos_v2_text(b, 10.0).replace("Chan  5:  Up", "Chan  6:  360 deg")
    p = tmp_path / "station.v2c"
    p.write_text(text)
    rec = io.read(p)
    assert rec.channel_names == ["CH05_Up", "CH06_360"]
    np.testing.assert_allclose(rec.data, np.column_stack([a, b]) / 100, atol=1e-12)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 300), dt=st.sampled_from([0.005, 0.01, 0.02]), n_channels=st.integers(1, 4),
       peak=st.floats(1e-3, 9999.0), seed=st.integers(0, 100))
def test_generated_csmip_events_round_trip(n, dt, n_channels, peak, seed):
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng(seed)
    data = np.round(rng.uniform(-peak, peak, size=(n, n_channels)), 3)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "event.zip"
        with zipfile.ZipFile(p, "w") as zf:
            for j in range(n_channels):
                zf.writestr(f"CHAN{j + 1:03d}.V2", csmip_v2_text(data[:, j], dt, j + 1, "UP"))
        rec = io.read(p)
    assert rec.n_samples == n and rec.fs_hz == round(1 / dt)
    assert rec.channel_names == [f"CH{j + 1:02d}_Up" for j in range(n_channels)]
    np.testing.assert_allclose(rec.data * 100, data, atol=1e-9)
