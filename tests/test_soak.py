"""A short soak (benchmarks/soak.py): 10 live generators, RSS and descriptors level off."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("eventum_event_template")


def _soak_module():
    path = Path(__file__).parents[1] / "benchmarks" / "soak.py"
    spec = importlib.util.spec_from_file_location("eventum_soak", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_ten_live_generators_for_thirty_seconds() -> None:
    result = _soak_module().soak(duration=30, interval=2, generators=10)
    assert result["exit_code"] == 0, result["stderr_tail"]
    assert not result["rss_grows"], result["rss_mib"]
    assert not result["fds_grow"], result["fds"]
    assert result["generated"] > 10 * 25 * 10  # 10 generators, 100 events/s, well over 25 s
    assert result["written"] == result["lines_in_files"] == result["generated"]
    assert result["lost"] == 0
