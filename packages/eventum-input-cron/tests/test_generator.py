from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eventum_core.testing import run_generator


def test_cron_in_a_generator_tags_its_events(tmp_path: Path) -> None:
    (tmp_path / "tick.jinja").write_text("{{ timestamp }} {{ tags | join(',') }}")
    config = {
        "input": [
            {
                "cron": {
                    "expression": "* * * * * */30",
                    "count": 2,
                    "start": "2024-01-01T00:00:00+00:00",
                    "end": "2024-01-01T00:01:00+00:00",
                    "tags": ["cron", "demo"],
                }
            }
        ],
        "event": {"template": {"mode": "all", "templates": [{"t": {"template": "tick.jinja"}}]}},
        "output": [{"file": {"path": str(tmp_path / "out.log")}}],
    }
    run = run_generator(config, base_path=tmp_path, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert run.result.error is None
    assert (
        run.events
        == [f"2024-01-01 00:{t}+00:00 cron,demo" for t in ("00:00", "00:00", "00:30", "00:30")]
        + ["2024-01-01 00:01:00+00:00 cron,demo"] * 2
    )
