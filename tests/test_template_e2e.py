"""A realistic multi-template generator through the CLI: CSV and JSON samples, `chance` weights,
`shared` counters, macros imported from `_base.jinja`, per-template `vars`."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

GENERATOR = Path(__file__).parent / "generators" / "webshop"


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    shutil.copytree(GENERATOR, tmp_path / "webshop")
    return tmp_path / "webshop" / "generator.yml"


def generate(eventum, path: Path, out: Path, *extra: str):
    params = json.dumps({"out": str(out), "count": 3000})
    return eventum(
        "generate",
        "--path",
        str(path),
        "--id",
        "shop",
        "--live-mode",
        "false",
        "--params",
        params,
        *extra,
    )


def test_every_event_is_valid_json_and_the_mix_follows_the_weights(
    eventum, webshop: Path, tmp_path: Path
) -> None:
    out, here = tmp_path / "events.jsonl", tmp_path / "here.jsonl"
    result = generate(eventum, webshop, out, "--seed", "3")  # `shared`: a producer of its own
    assert result.returncode == 0, result.stderr
    result = generate(eventum, webshop, here, "--seed", "3", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == here.read_bytes()  # the same events as made in this process
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == 3000
    kinds = Counter(e["kind"] for e in events)
    for kind, weight in {"view": 0.7, "purchase": 0.2, "error": 0.1}.items():
        assert kinds[kind] / 3000 == pytest.approx(weight, abs=0.03), kinds
    for e in events:
        assert e["site"] == "shop.example.com"
        assert e["tags"] == ["shop"]
        assert e["@timestamp"].startswith("2024-03-01T0")
    views = [e for e in events if e["kind"] == "view"]
    purchases = [e for e in events if e["kind"] == "purchase"]
    assert [e["view_no"] for e in views] == list(range(1, len(views) + 1))  # one shared sequence
    assert [e["order_no"] for e in purchases] == list(range(1, len(purchases) + 1))
    assert {e["user"]["name"] for e in views} <= {"alice", "bob", "chen", "dana", "emil"}
    assert {e["sku"] for e in purchases} <= {"BK-1", "BK-2"}
    assert all(e["currency"] == "EUR" for e in purchases)
    assert all(
        e["level"] == "error" and e["code"] in (500, 502, 503)
        for e in events
        if e["kind"] == "error"
    )
    skus = Counter(e["product"] for e in views)
    assert skus["BK-1"] > skus["EL-1"] > skus["TY-1"]  # weighted_pick follows the weight column


def test_the_same_seed_repeats_the_run_byte_for_byte(
    eventum, webshop: Path, tmp_path: Path
) -> None:
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for out, seed in ((first, "11"), (second, "11"), (other, "12")):
        result = generate(eventum, webshop, out, "--seed", seed)
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_stopping_early_does_not_wait_for_worker_batches_nobody_reads(
    eventum, webshop: Path, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    params = json.dumps({"out": str(out), "count": 2_000_000})
    started = time.monotonic()
    result = eventum(
        "generate",
        "--path",
        str(webshop),
        "--id",
        "shop",
        "--live-mode",
        "false",
        "--params",
        params,
        "--max-events",
        "500",
        "--workers",
        "2",
        "--batch.size",
        "20000",
    )
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 500
    assert time.monotonic() - started < 15  # the in-flight worker batches were not awaited
