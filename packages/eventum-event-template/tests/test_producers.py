"""How many producers a template run gets: state that later events read (`shared`, `locals`)
keeps one sequence unless a number of workers is asked for, as in Eventum."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from eventum_core.testing import run_generator
from eventum_event_template import TemplateEvent

COUNTER = (
    "{%- set n = shared.get('n', 0) + 1 -%}{%- do shared.set('n', n) -%}"
    '{"n": {{ n }}, "user": "{{ module.rand.string.hex(6) }}"}'
)
CONFIG = {
    "input": [{"timestamps": {"source": [f"2024-01-01T00:00:{s:02d}Z" for s in range(60)]}}],
    "event": {"template": {"mode": "all", "templates": [{"t": {"template": "t.jinja"}}]}},
    "output": [{"file": {"path": "out.log", "formatter": {"format": "json"}}}],
}


@pytest.mark.parametrize(
    ("source", "state"),
    [
        (COUNTER, True),
        ("{% set x = locals.get('x', 0) %}{{ x }}", True),
        ("{{ timestamp }}", False),
    ],
)
def test_state_later_events_read_is_declared(
    make_plugin: Callable[..., TemplateEvent], source: str, state: bool
) -> None:
    assert make_plugin({}, {"a.jinja": source}).per_producer_state is state


def test_a_shared_counter_is_one_sequence_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("eventum_core.pipeline.events.cores", lambda: 2)
    (tmp_path / "t.jinja").write_text(COUNTER)
    numbers = {}
    for workers in ("auto", 1, 2):
        run_generator(CONFIG, base_path=tmp_path, batch={"size": 7}, workers=workers, seed=5)
        lines = (tmp_path / "out.log").read_text().splitlines()
        numbers[workers] = [json.loads(line)["n"] for line in lines]
        (tmp_path / "out.log").unlink()
    assert numbers["auto"] == numbers[1] == list(range(1, 61))
    assert len(set(numbers[2])) < 60  # asked for: each producer counts its own
