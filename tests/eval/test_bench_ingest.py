"""`bcft bench ingest`: each fresh ingest reported, and the median of their ratios."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings
from eval.bench.ingest import bench_ingest


def test_each_run_is_reported_and_the_median_ratio_is_the_figure(
    tmp_path: Path, settings: Settings
) -> None:
    source = tmp_path / "kb"
    source.mkdir()
    (source / "visits.md").write_text(
        "# Visits\n\nA child in care is visited within one week of a new placement. "
        "Visits then happen at least every six weeks in the first year.\n",
        encoding="utf-8",
    )

    lines = bench_ingest(source, copies=2, settings=settings, repeat=3)

    runs = [line for line in lines if line.startswith("run ")]
    assert [line.split(":")[0] for line in runs] == ["run 1", "run 2", "run 3"]
    ratios = [float(re.search(r"ratio (\d+\.\d+)$", line).group(1)) for line in runs]
    (summary,) = [line for line in lines if line.startswith("end-to-end rate / raw rate")]
    median = float(re.search(r"raw rate: (\d+\.\d+)", summary).group(1))
    assert median == sorted(ratios)[1]
    assert all(0 < ratio < 2 for ratio in ratios)
    (rerun,) = [line for line in lines if "in process" in line]
    assert "0 embedded" in rerun
