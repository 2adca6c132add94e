"""BackgroundPartialProject: add() never waits for a save, saves coalesce, flush() and close() leave every result
saved."""
import threading
import time

from shm_app.campaign.partial import BackgroundPartialProject
from shm_app.campaign.settings import CampaignSettings

SAVE_S = 0.3  # a slow save (a long campaign's takes seconds)


def test_adds_do_not_wait_for_saves_and_saves_coalesce(monkeypatch, tmp_path):
    import shm_app.persistence.project as project

    saved = []  # (thread name, number of results) of every save

    def slow_save(path, state, created=None):
        time.sleep(SAVE_S)
        saved.append((threading.current_thread().name, len(state.campaign.modes)))
        return path

    monkeypatch.setattr(project, "save_project", slow_save)
    sink = BackgroundPartialProject(tmp_path / "p.shmproj", inputs=["x"], settings=CampaignSettings(), every_n=1)
    t0 = time.perf_counter()
    for i in range(5):
        sink.add(f"result {i}")
    assert time.perf_counter() - t0 < SAVE_S / 2  # five saves due, none waited for
    sink.flush()
    # the results that came during a save are saved by one more after it, not one each: one or two saves, on the
    # writer thread, the last with all five
    assert 1 <= len(saved) <= 2 and saved[-1] == ("campaign-partial-save", 5)
    n = len(saved)
    sink.save_soon(path=tmp_path / "q.shmproj")
    sink.close()  # waits for that save, then saves once more itself
    assert saved[n:] == [("campaign-partial-save", 5), (threading.current_thread().name, 5)]
    assert sink.path == tmp_path / "q.shmproj"
    sink.add("late")  # closed: ignored
    assert len(sink.modes) == 5 and len(saved) == n + 2
