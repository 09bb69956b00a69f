"""A sample-mode run split into segments (`--segment INDEX/COUNT`) by separate processes, as many
machines would run it: put back together batch by batch, the segments are byte for byte the run
one process makes with as many event workers (`shared` per producer, as the template says)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("eventum_event_template")

GENERATOR = """\
input:
  - timer: {start: "-1h", seconds: 1, count: 3, repeat: 400}
event:
  template:
    mode: all
    shared_scope: producer
    templates:
      - line: {template: line.jinja}
output:
  - file: {path: "${params.out}"}
"""
TEMPLATE = (
    "{% do shared.set('n', shared.get('n', 0) + 1) %}"
    "{{ timestamp.isoformat() }} {{ module.faker.locale['en_US'].user_name() }}"
    " {{ module.rand.number.integer(1, 1000000) }} #{{ shared.get('n') }}"
)
BATCH = 50
COMMON = ("--live-mode", "false", "--seed", "7", "--now", "2026-01-01T12:00:00")


@pytest.fixture
def generator(tmp_path: Path) -> Path:
    (tmp_path / "line.jinja").write_text(TEMPLATE)
    path = tmp_path / "generator.yml"
    path.write_text(GENERATOR)
    return path


def run(eventum, generator: Path, out: Path, *options: str) -> list[str]:  # type: ignore[no-untyped-def]
    result = eventum(
        "generate", "--path", str(generator), "--id", "seg", "--batch.size", str(BATCH),
        "--params", f'{{"out": "{out}"}}', *COMMON, *options, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out.read_text().splitlines()


def reassemble(parts: list[list[str]]) -> list[str]:
    """Batch b of the run is batch b // count of segment b % count."""
    lines: list[str] = []
    for b in range(sum(-(-len(p) // BATCH) for p in parts)):
        part, k = parts[b % len(parts)], b // len(parts)
        lines += part[k * BATCH : (k + 1) * BATCH]
    return lines


@pytest.mark.parametrize(("segments", "workers"), [(4, 1), (2, 2)])
def test_segments_reassemble_into_the_run_of_one_process(
    eventum, generator: Path, tmp_path: Path, segments: int, workers: int
) -> None:  # type: ignore[no-untyped-def]
    whole = run(eventum, generator, tmp_path / "whole.log", "--workers", "4")
    assert len(whole) == 1200 and whole[0].startswith("2026-01-01T11:00:01+00:00")
    parts = [
        run(eventum, generator, tmp_path / f"part{i}.log",
            "--segment", f"{i}/{segments}", "--workers", str(workers))
        for i in range(segments)
    ]  # fmt: skip
    assert sum(map(len, parts)) == len(whole)
    assert reassemble(parts) == whole


def test_a_segment_counts_only_its_share(eventum, generator: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = eventum(
        "generate", "--path", str(generator), "--id", "seg", "--batch.size", str(BATCH),
        "--params", f'{{"out": "{tmp_path / "o.log"}"}}', *COMMON, "--segment", "1/3",
        "--workers", "1", "-vvvv", timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "o.log").read_text().splitlines()) == 400  # batches 1, 4, 7, ...
    assert "generated=400" in result.stderr and "written=400" in result.stderr


def test_a_split_run_whose_templates_use_shared_says_so_once(
    eventum, generator: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """With Eventum's one `shared` per generator, event workers are not used (the run is one
    sequence), and the last segment of a run split by hand says the counters are per segment."""
    generator.write_text(GENERATOR.replace("    shared_scope: producer\n", ""))
    out = tmp_path / "o.log"

    def split(*options: str) -> str:
        result = eventum(
            "generate", "--path", str(generator), "--id", "seg", "--params",
            f'{{"out": "{out}"}}', *COMMON, *options, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return str(result.stderr)

    assert "shared" not in split("--workers", "auto")
    assert [line.rsplit("#", 1)[1] for line in out.read_text().splitlines()] == [
        str(n) for n in range(1, 1201)
    ]  # one sequence over the whole run
    assert "cannot be split across processes" in split("--workers", "3")
    last = split("--segment", "2/3", "--workers", "1")
    assert last.count("templates use `shared`") == 1 and "segments=3" in last, last
    assert "shared" not in split("--segment", "0/3", "--workers", "1")
