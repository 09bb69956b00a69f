from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from eventum_core.testing import run_generator

PATTERN = {
    "label": "burst",
    "oscillator": {
        "start": "2024-01-01T00:00:00+00:00",
        "end": "+10s",
        "period": 1,
        "unit": "seconds",
    },
    "multiplier": {"ratio": 20},
    "randomizer": {"deviation": 0.5, "direction": "mixed"},
    "spreader": {"distribution": "beta", "parameters": {"a": 2, "b": 5}},
}


def run(tmp_path: Path, seed: int) -> list[str]:
    (tmp_path / "tick.jinja").write_text("{{ timestamp }} {{ tags | join(',') }}")
    (tmp_path / "burst.yml").write_text(yaml.safe_dump(PATTERN))
    config = {
        "input": [{"time_patterns": {"patterns": ["burst.yml"], "tags": ["tp"]}}],
        "event": {"template": {"mode": "all", "templates": [{"t": {"template": "tick.jinja"}}]}},
        "output": [{"file": {"path": str(tmp_path / "out.log")}}],
    }
    result = run_generator(
        config, base_path=tmp_path, seed=seed, now=datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert result.result.error is None
    return result.events


def test_time_patterns_in_a_generator_is_seeded_and_tagged(tmp_path: Path) -> None:
    events = run(tmp_path, seed=3)
    assert 100 <= len(events) <= 300
    assert all(e.startswith("2024-01-01 00:00:0") and e.endswith(" tp") for e in events)
    assert run(tmp_path, seed=3) == events
    assert run(tmp_path, seed=4) != events
