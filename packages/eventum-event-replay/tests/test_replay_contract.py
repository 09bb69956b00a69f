from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from eventum_core.testing import EventPluginContract, run_generator
from eventum_event_replay import ReplayEvent


class TestReplayContract(EventPluginContract):
    plugin_class = ReplayEvent
    entry_point = "replay"
    valid_config: ClassVar[dict[str, Any]] = {"path": "log.txt", "repeat": True}

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        (base_path / "log.txt").write_text("a\nb\n")
        return super().make_config(base_path, **overrides)


def test_generator_finishes_when_the_file_ends(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("[x] one\n[x] two\n[x] three\n")
    run = run_generator(
        {
            "input": [{"static": {"count": 100}}],
            "event": {
                "replay": {
                    "path": "log.txt",
                    "timestamp_pattern": r"\[(?P<timestamp>x)\]",
                    "timestamp_format": "T",
                }
            },
            "output": [{"file": {"path": "sink.log"}}],
        },
        base_path=tmp_path,
    )
    assert run.events == ["[T] one", "[T] two", "[T] three"]
