"""Fuzzing every reader: at least 1 000 damaged, hostile or odd files per run, each ending in a one-line ReadError
naming the file or in a correct read, within 5 s and 1 GiB of memory per file (see fuzz_harness, fuzz_corpus)."""
from __future__ import annotations

from pathlib import Path

import pytest

from fuzz_corpus import corpus
from fuzz_harness import Pool

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    cases = corpus(tmp_path_factory.mktemp("fuzz"))
    pool = Pool(n=2)
    try:
        return pool.run(cases)
    finally:
        pool.close()


def _report(bad) -> str:
    return "\n".join(f"[{o.status}] {o.case.family} {o.case.label} {Path(o.case.path).name!r} "
                     f"{dict(o.case.options)} ({o.seconds:.1f} s, {o.peak_bytes / 2**20:.0f} MiB): {o.message}"
                     for o in bad[:40])


def test_at_least_a_thousand_files_every_family(outcomes):
    families = {o.case.family for o in outcomes}
    assert len(outcomes) >= 1000
    assert {"csv", "npy", "mat", "hdf5", "tdms", "uff", "mseed", "csmip", "geometry", "lines", "environment",
            "frequency", "project"} <= families


@pytest.mark.parametrize("status", ["crash", "hang", "memory", "bad-message", "bad-read", "unexpected"])
def test_no_file_ends_in(outcomes, status):
    bad = [o for o in outcomes if o.status == status]
    assert not bad, f"{len(bad)} file(s):\n" + _report(bad)


def test_project_loader_stays_within_memory(outcomes):
    """The project's document is bytes of a declared length, checked against the file before reading."""
    bad = [o for o in outcomes if o.case.family == "project" and o.status in ("memory", "hang")]
    assert not bad, f"{len(bad)} file(s):\n" + _report(bad)
