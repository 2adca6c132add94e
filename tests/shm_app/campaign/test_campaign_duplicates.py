"""Duplicate recordings in a campaign: the same file content (SHA-256, hashed by the task) or the same start under
two names is warned about, naming the files, in the result's warnings (and so in the JSON, the command's summary
and the report); RecordingModes carries the hash, and projects saved before it existed still load."""
import hashlib
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from shm_app.campaign import CampaignSettings, analyse, identify_file
from shm_app.campaign.simulation import write_recording
from shm_app.campaign.tasks import RecordingModes
from shm_app.cli import main
from shm_app.identification import IdentificationSettings
from shm_app.persistence import saved_types  # noqa: F401 - registers every saved type
from shm_app.persistence.codec import from_document, to_document

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "resources" / "sample" / "recordings"
CHANNELS = tuple(f"A{j:02d}_z" for j in range(8))
#: four bending-like shapes over eight sensors (largest entry +1) and their frequencies, Hz
SHAPES = np.sin(np.pi * np.outer(np.arange(1, 9) / 9, [1, 2, 3, 4]))
SHAPES = SHAPES / np.abs(SHAPES).max(axis=0)
FREQUENCIES_HZ = np.array([2.2, 3.5, 8.1, 10.6])
T0 = datetime(2026, 3, 1)


def modes(name: str, k: int, sha256: str, start: datetime = None) -> RecordingModes:
    """Recording k of an hourly campaign: the four modes with a 0.2 % scatter."""
    f = FREQUENCIES_HZ * (1 + 0.002 * np.random.default_rng(k).standard_normal(4))
    return RecordingModes(file=f"/data/{name}", start=start or T0 + timedelta(hours=k), channels=CHANNELS,
                          frequencies_hz=f, damping_ratios=np.full(4, 0.01), shapes=SHAPES,
                          n_poles=np.full(4, 20.0), sha256=sha256)


def campaign_of(n: int = 12) -> list[RecordingModes]:
    return [modes(f"deck_{k:02d}.csv", k, hashlib.sha256(b"%d" % k).hexdigest()) for k in range(n)]


def test_a_campaign_without_duplicates_warns_of_none():
    result = analyse(campaign_of(), CampaignSettings(baseline_count=8))
    assert not [w for w in result.warnings if "duplicate" in w]


def test_the_same_content_and_the_same_start_are_warned_naming_the_files():
    recs = campaign_of()
    copy = modes("copy of deck_03.csv", 3, recs[3].sha256)  # the same file under another name
    twin = modes("deck_07b.csv", 70, "f" * 64, start=recs[7].start)  # another file claiming the same start
    result = analyse(recs + [copy, twin], CampaignSettings(baseline_count=8))
    dup = [w for w in result.warnings if "duplicate" in w]
    assert dup == [f"duplicate recordings: copy of deck_03.csv and deck_03.csv have the same content "
                   f"(SHA-256 {recs[3].sha256[:12]}…)",
                   "duplicate recordings? deck_07.csv and deck_07b.csv start at the same time, 2026-03-01T07:00:00"]
    # two files of the same name in different folders are named by their paths
    other = modes("deck_05.csv", 5, recs[5].sha256)
    other = RecordingModes(**{**vars(other), "file": "/elsewhere/deck_05.csv"})
    result = analyse(recs + [other], CampaignSettings(baseline_count=8))
    assert ("duplicate recordings: /data/deck_05.csv and /elsewhere/deck_05.csv have the same content "
            f"(SHA-256 {recs[5].sha256[:12]}…)") in result.warnings


def test_the_task_hashes_the_file_it_read(tmp_path):
    path = write_recording(tmp_path / "deck.csv", FREQUENCIES_HZ, fs_hz=40.0, duration_s=60.0, start=T0, seed=2)
    r = identify_file(path, IdentificationSettings(method="fdd"))  # fast: the hash is what is tested
    assert r.error is None and r.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert identify_file(REPO / "no such file.csv").sha256 is None


def test_the_hash_is_saved_and_projects_without_it_still_load():
    r = campaign_of(1)[0]
    doc = to_document(r)
    assert from_document(doc).sha256 == r.sha256
    del doc["sha256"]  # a project saved before the field existed
    old = from_document(doc)
    assert old.sha256 is None and old.file == r.file
    np.testing.assert_array_equal(old.frequencies_hz, r.frequencies_hz)


def test_the_campaign_command_warns_in_its_json_and_summary(tmp_path, capsys):
    folder = tmp_path / "recordings"
    shutil.copytree(SAMPLE, folder)
    files = sorted(folder.glob("*.csv.gz"))
    shutil.copy(files[2], folder / "copy.csv.gz")
    twin = datetime(2026, 3, 4, 6)  # the start of deck_2026-03-04T06-00-00.csv.gz, another recording
    write_recording(folder / "twin.csv", FREQUENCIES_HZ, fs_hz=40.0, duration_s=120.0, start=twin, seed=1)
    out = tmp_path / "c.json"
    assert main(["campaign", str(folder), "--baseline", "6", "--workers", "2", "--max-order", "30",
                 "--json", str(out)]) == 0
    digest = hashlib.sha256(files[2].read_bytes()).hexdigest()[:12]
    expected = [f"duplicate recordings: copy.csv.gz and {files[2].name} have the same content (SHA-256 {digest}…)",
                f"duplicate recordings? deck_2026-03-04T06-00-00.csv.gz and twin.csv start at the same time, "
                f"{twin.isoformat()}"]
    warnings = json.loads(out.read_text())["warnings"]
    assert [w for w in warnings if "duplicate" in w] == expected
    summary = capsys.readouterr().out
    assert all(f"warning: {w}" in summary for w in expected)
