from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eventum_core.testing import EventPluginContract, FormatterContract, run_generator
from eventum_event_template import TemplateBatchFormatter, TemplateEvent, TemplateFormatter


class TestTemplateEventContract(EventPluginContract):
    plugin_class = TemplateEvent
    entry_point = "template"
    valid_config = {"mode": "all", "templates": [{"t": {"template": "t.jinja"}}]}

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        (base_path / "t.jinja").write_text("{{ timestamp }} {{ tags }}")
        return super().make_config(base_path, **overrides)


class TestTemplateFormatterContract(FormatterContract):
    plugin_class = TemplateFormatter
    entry_point = "template"
    valid_config = {"template": "{{ event }}!"}


class TestTemplateBatchFormatterContract(FormatterContract):
    plugin_class = TemplateBatchFormatter
    entry_point = "template-batch"
    valid_config = {"template": "{{ events | join(',') }}"}


def test_whole_generator_runs_and_repeats_with_a_seed(tmp_path):
    (tmp_path / "e.jinja").write_text(
        "{{ timestamp }} {{ module.rand.crypto.uuid4() }} "
        "{% do shared.set('n', shared.get('n', 0) + 1) %}{{ shared.n }}"
    )
    config = {
        "input": [{"linspace": {"start": "2024-01-01T00:00:00+00:00",
                                "end": "2024-01-01T01:00:00+00:00", "count": 50}}],
        "event": {"template": {"mode": "all", "templates": [{"e": {"template": "e.jinja"}}]}},
        "output": [{"file": {"path": str(tmp_path / "out.log"), "write_mode": "overwrite"}}],
    }  # fmt: skip
    first = run_generator(config, base_path=tmp_path, seed=9)
    second = run_generator(config, base_path=tmp_path, seed=9)
    assert len(first.events) == 50
    assert first.events == second.events
    assert first.events[0].startswith("2024-01-01 00:00:00+00:00 ")
    assert first.events[-1].endswith(" 50")
