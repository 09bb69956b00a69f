from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from eventum_core.testing import EventPluginContract, run_generator
from eventum_event_script import ScriptEvent

SCRIPT = (
    "def produce(params):\n    return f\"{params['timestamp'].isoformat()} {params['tags']}\"\n"
)


class TestScriptContract(EventPluginContract):
    plugin_class = ScriptEvent
    entry_point = "script"
    valid_config: ClassVar[dict[str, Any]] = {"path": "script.py"}

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        (base_path / "script.py").write_text(SCRIPT)
        return super().make_config(base_path, **overrides)


def test_runs_in_a_generator_until_exhausted(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(
        "n = 0\n"
        "def produce(params):\n"
        "    global n\n"
        "    n += 1\n"
        "    if n == 2:\n"
        "        raise EventDropped\n"
        "    if n > 4:\n"
        "        raise EventsExhausted\n"
        "    return str(n)\n"
    )
    run = run_generator(
        {
            "input": [{"static": {"count": 100}}],
            "event": {"script": {"path": "s.py"}},
            "output": [{"file": {"path": "sink.log"}}],
        },
        base_path=tmp_path,
    )
    assert run.events == ["1", "3", "4"]
