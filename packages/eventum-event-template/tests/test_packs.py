"""The fast paths change nothing a content pack produces: for each of Eventum's packs in
../shared/bench/packs (beside the repository), the same seed gives the same events with the
shortcuts on and off, and the json formatter gives what parsing and re-serialising gives."""

from __future__ import annotations

import dataclasses
import itertools
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


def counting_fields(events: list[str]) -> set[str]:
    """Field paths whose integer values go up by one from each event that has them to the next."""
    seen: dict[str, list[int]] = {}
    for event in events:
        for path, value in _leaves(json.loads(event)):
            if isinstance(value, int) and not isinstance(value, bool):
                seen.setdefault(path, []).append(value)
    return {
        path
        for path, values in seen.items()
        if len(values) > 1 and all(b == a + 1 for a, b in itertools.pairwise(values))
    }


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{path}.{key}")]
    return [(path, value)]


PLANNED = {"web-nginx"}  # of the six: the others keep pools or per-host keys in `shared`


@pytest.mark.parametrize("name", NAMES or ["(none)"])
def test_planned_counters_count_on_over_producers(name: str) -> None:
    """A pack whose `shared` is counters is planned; its pieces planned by one instance and
    rendered by two others in turn (as producer processes would), every event renders and the
    fields that count in one process count on over the pieces, one sequence."""
    if not NAMES:
        pytest.skip(f"no content packs at {PACKS} (the shared folder beside the repository)")
    pack = PACKS / name
    data = yaml.safe_load((pack / "generator.yml").read_text())["event"]["template"]
    config = TemplateEvent.Config.model_validate(
        data, context={"base_path": pack, "timezone": START.tzinfo, "now": START}
    )
    planner = TemplateEvent(config, context(pack, seed=7))
    assert planner.planned == (name in PLANNED)
    if not planner.planned:
        return
    one_process = planner.produce(make_batch(1000)).events
    producers = [TemplateEvent(config, context(pack, seed=s)) for s in (8, 9)]
    events: list[str] = []
    for i in range(8):
        piece = make_batch(125, start=START.replace(minute=i))
        produced = producers[i % 2].produce(dataclasses.replace(piece, plan=planner.plan(piece)))
        assert produced.failed == 0
        events += produced.events
    counting = counting_fields(one_process)
    assert counting and counting <= counting_fields(events)
