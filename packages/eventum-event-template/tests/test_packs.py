"""The fast paths change nothing a content pack produces: for each of Eventum's packs in
../shared/bench/packs (beside the repository), the same seed gives the same events with the
shortcuts on and off, and the json formatter gives what parsing and re-serialising gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from eventum_core.formatters import JsonFormatter, JsonOptions
from eventum_event_template import TemplateEvent, fast

from .conftest import START, context, make_batch

PACKS = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "packs"
NAMES = sorted(p.parent.name for p in PACKS.glob("*/generator.yml"))


def produce(pack: Path, *, fast_paths: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(fast, "ENABLED", fast_paths)
    data = yaml.safe_load((pack / "generator.yml").read_text())["event"]["template"]
    config = TemplateEvent.Config.model_validate(
        data, context={"base_path": pack, "timezone": START.tzinfo, "now": START}
    )
    plugin = TemplateEvent(config, context(pack, seed=7))
    events: list[str] = []
    for first in range(2):  # two batches: state carried from one to the next
        produced = plugin.produce(make_batch(500, start=START, step_us=10_000 + first))
        assert produced.failed == 0
        events += produced.events
    return events


def shape(value: Any, path: str = "") -> set[tuple[str, str]]:
    """Every field path of a JSON value with its type."""
    found = {(path, type(value).__name__)}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= shape(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            found |= shape(item, f"{path}[]")
    return found


@pytest.mark.parametrize("name", NAMES or ["(none)"])
def test_fast_paths_give_the_same_events(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not NAMES:
        pytest.skip(f"no content packs at {PACKS} (the shared folder beside the repository)")
    pack = PACKS / name
    plain = produce(pack, fast_paths=False, monkeypatch=monkeypatch)
    quick = produce(pack, fast_paths=True, monkeypatch=monkeypatch)
    assert quick == plain

    formatter = JsonFormatter(JsonOptions(), context(pack))
    formatted = formatter.format(quick)
    assert formatted.failed == 0
    reference = [json.dumps(json.loads(e), ensure_ascii=False) for e in plain]
    assert formatted.items == reference
    fields_fast = set().union(*(shape(json.loads(item)) for item in formatted.items))
    fields_plain = set().union(*(shape(json.loads(e)) for e in plain))
    assert fields_fast == fields_plain
