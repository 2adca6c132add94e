"""The fuzz suite prints how many files of each format it read and how each ended, in the CI log."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_harness import SUMMARY  # noqa: E402

ORDER = ("ok", "refused", "unexpected", "bad-message", "bad-read", "crash", "memory", "hang")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = SUMMARY.counts()
    if not counts:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzzed files per format and outcome")
    write(f"{'format':<24}" + "".join(f"{k:>12}" for k in ORDER) + f"{'total':>8}")
    for family in sorted(counts):
        row = counts[family]
        write(f"{family:<24}" + "".join(f"{row.get(k, 0):>12}" for k in ORDER) + f"{sum(row.values()):>8}")
    total = {k: sum(r.get(k, 0) for r in counts.values()) for k in ORDER}
    write(f"{'all':<24}" + "".join(f"{total[k]:>12}" for k in ORDER) + f"{sum(total.values()):>8}")
    slowest = max(SUMMARY.outcomes, key=lambda o: o.seconds)
    heaviest = max(SUMMARY.outcomes, key=lambda o: o.peak_bytes)
    write(f"slowest file {slowest.seconds:.2f} s ({slowest.case.family}, {slowest.case.label or Path(slowest.case.path).name!r}); "
          f"largest peak memory {heaviest.peak_bytes / 2**20:.0f} MiB ({heaviest.case.family}, "
          f"{heaviest.case.label or Path(heaviest.case.path).name!r})")
