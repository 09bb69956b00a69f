"""`eventum generate --cluster` against a real Ray cluster on this machine (head + two worker
nodes as separate processes): the segments put together are the one-process run byte for byte,
a worker node killed mid-run loses and doubles nothing, live mode holds the total rate, and
mistakes get one clear line."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import anyio
import pytest
from ray_helpers import DRIVER_ENV, LocalCluster, eventum_command

sys.path.insert(0, str(Path(__file__).parents[2] / "eventum-output-clickhouse" / "tests"))
sys.path.insert(0, str(Path(__file__).parents[2] / "eventum-output-kafka" / "tests"))
sys.path.insert(0, str(Path(__file__).parents[2] / "eventum-output-tcp" / "tests"))
from ch_shim import ClickHouseShim, engine_dir  # chDB behind ClickHouse's HTTP interface
from kafka_broker import Broker, consume  # noida-db, a Kafka-protocol broker
from tcp_receiver import Receiver

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
        "event:\n  template:\n    mode: all\n    shared_scope: producer\n    templates:\n      - line: {template: line.jinja}\n"
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


def test_each_segment_dead_letters_what_it_could_not_deliver_once(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    dead = tmp_path / "dead" / "letters.jsonl"
    outputs = (
        '  - http: {url: "http://127.0.0.1:1/", retry: {attempts: 1}, '
        f"dead_letter: {dead}, formatter: {{format: plain}}}}\n"
    )
    path = generator(tmp_path / "gen", '{start: "-1h", seconds: 1, count: 3, repeat: 20}', outputs)
    result = eventum(
        "generate", "--path", str(path), "--id", "c", "--batch.size", "10", *COMMON,
        "--cluster", ray_cluster.address, "--segments", "3",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    files = sorted(p.name for p in dead.parent.iterdir())
    assert files == [f"letters.segment-{i}.jsonl" for i in range(3)]  # no attempt left over
    events = [json.loads(line)["event"] for name in files for line in (dead.parent / name).open()]
    assert len(events) == len(set(events)) == 60


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


def test_a_node_without_a_distribution_is_named_in_one_line(ray_cluster: LocalCluster) -> None:
    """The driver's probe runs on every node (pickled by value, so it runs where eventum is
    missing) and names the node and the distribution it lacks."""
    code = (
        "import sys\n"
        "from eventum_ray import cluster\n"
        f"cluster.connect({ray_cluster.address!r}, verbosity=0)\n"
        "cluster.check_nodes({'eventum-core'})\n"
        "try:\n"
        "    cluster.check_nodes({'eventum-core', 'eventum-output-nowhere'})\n"
        "except cluster.ClusterError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, **DRIVER_ENV}, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("node 127.0.0.1 (") and line.endswith(
        "has no eventum-output-nowhere: pip install eventum-output-nowhere on every node"
    ), line


def descendants_of(pid: int) -> list[int]:
    """A raylet's workers are not always its children: under `uv run`, Ray's uv hook starts
    each worker as `uv run ... default_worker.py`, so the worker is a grandchild."""
    parents = {
        int(stat.split()[0]): int(stat.rsplit(")", 1)[1].split()[1])
        for stat in filter(None, map(_read, Path("/proc").glob("[0-9]*/stat")))
    }
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        todo += children
    return found


def segments_writing(raylet: int) -> set[int]:
    """The segments whose uncommitted parts (`seg-I.<attempt>.tmp`) the workers of this raylet
    have open: the segments it is running."""
    found = set()
    for pid in descendants_of(raylet):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    name = Path(os.readlink(fd)).name
                    if name.startswith("seg-") and name.endswith(".tmp"):
                        found.add(int(name[4:].split(".")[0]))
    return found


def kill_node(raylet: int) -> None:
    """The node dies at once: its raylet by PID, and the worker processes it started (they
    would otherwise finish their tasks and hand back results without it)."""
    for pid in (raylet, *descendants_of(raylet)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _read(path: Path) -> str:
    """A process's file, or "" once it has gone (it may exit between listing and reading)."""
    try:
        return path.read_text()
    except OSError:
        return ""


def mid_run_victim(
    driver: subprocess.Popen[str], shim: ClickHouseShim, cluster: LocalCluster
) -> dict | None:
    """A node running a segment that has inserted 10 to 30 of its 40 batches (a ClickHouse
    token is `run-segment-batch-...`; one insert at a time, 0.15 s each): so far along, it has
    reported what it wrote over TCP (every 0.5 s), and it is not done."""
    deadline = time.monotonic() + 300  # a loaded machine starts the workers slowly
    while driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        inserted = Counter(token.split("-")[1] for token in list(shim.tokens))
        for worker in cluster.alive_workers():
            if any(10 <= inserted[str(s)] <= 30 for s in segments_writing(worker["raylet"])):
                return worker
    return None


def summary_of(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if "run finished" in line]
    return line


def test_live_mode_holds_the_total_rate(eventum, ray_cluster: LocalCluster, tmp_path: Path) -> None:
    """400 events/s for 6 s, split over 4 segments releasing their batches at their timestamps."""
    path = generator(
        tmp_path / "gen", '{start: "+2s", seconds: 0.1, count: 40, repeat: 60}', FILE_OUTPUT,
        template=JSON_TEMPLATE,
    )  # fmt: skip
    out = tmp_path / "live.log"
    result = eventum(
        "generate", "--path", str(path), "--id", "live", "--live-mode", "true", "--batch.size", "100",
        "--params", f'{{"out": "{out}"}}', "--cluster", ray_cluster.address, "--segments", "4",
        "-vvvv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 2400
    summary = summary_of(result.stderr)
    assert "written=2400" in summary and "lateness=" in summary
    assert result.stderr.count("segment finished") == 4
    # Released at their timestamps: in time, and over the schedule's 6 s, not at once.
    late = int(summary.split("'late_over_1s': ")[1].split(",")[0])
    assert late < 240, summary
    stamps = sorted(json.loads(line)["ts"] for line in lines)
    assert stamps[0] < stamps[-1]
    assert 4 <= float(summary.split("seconds=")[1].split()[0]) < 60


def driver_alone(
    source: Path, hidden: Path, *args: str, then: str = "true"
) -> subprocess.CompletedProcess[str]:
    """`eventum ARGS` where `hidden` is a tmpfs holding a copy of `source` that only this driver
    sees (a mount namespace of its own, as on a laptop driving a cluster); `then` runs in the
    namespace after it."""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    if subprocess.run([*unshare, "true"], capture_output=True, check=False).returncode:
        pytest.skip("needs a mount namespace (unshare -m): run as root or allow user namespaces")
    hidden.mkdir()
    command = [
        *unshare, "sh", "-c",
        f'mount -t tmpfs eventum {hidden} && cp -r {source}/. {hidden} && "$@"; status=$?; '
        f"{then}; exit $status", "sh", *eventum_command(*args),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=240,
                          env={**os.environ, **DRIVER_ENV}, check=False)  # fmt: skip


def test_nodes_that_do_not_see_the_generator_folder_load_the_copy_the_driver_ships(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    """The driver alone sees its generator folder: the segments load the zipped copy the driver
    put in Ray's object store, and the run is the one made from a folder every node sees."""
    source = generator(tmp_path / "src", '{start: "-1h", seconds: 1, count: 3, repeat: 200}',
                       FILE_OUTPUT)  # fmt: skip
    hidden = tmp_path / "hidden"
    base = ("--id", "ship", "--batch.size", "50", *COMMON, "--cluster", ray_cluster.address,
            "--segments", "4")  # fmt: skip
    seen, shipped = tmp_path / "seen.log", tmp_path / "shipped.log"
    result = eventum("generate", "--path", str(source.parent), *base,
                     "--params", f'{{"out": "{seen}"}}')  # fmt: skip
    assert result.returncode == 0, result.stderr
    driver = driver_alone(source.parent, hidden, "generate", "--path", str(hidden), *base,
                          "--params", f'{{"out": "{shipped}"}}')  # fmt: skip
    assert driver.returncode == 0, driver.stderr
    assert not (hidden / "generator.yml").exists()  # only the driver saw it
    assert shipped.read_bytes() == seen.read_bytes()


WORLD = """\
entities:
  users: {count: 20, key: name, fields: {name: {template: "user{{ index }}"}}}
episodes:
  spray:
    start: {at: +20s}
    entities: {victim: {kind: users}}
    steps:
      - {name: spray, generator: truth, template: step.jinja, count: 30, every: 5s}
      - {name: login, generator: truth, template: step.jinja, delay: 190s}
"""


def world_generator(folder: Path) -> Path:
    """A generator with a world whose episode's 31 events fall among 600 background events
    (three a second), its world file and truth folder inside the generator folder."""
    generator(folder, "{seconds: 1, count: 3, repeat: 200}", FILE_OUTPUT,
              template="{{ timestamp.isoformat() }} {{ entities.users.pick() }}")  # fmt: skip
    (folder / "world.yml").write_text(WORLD)
    (folder / "step.jinja").write_text("{{ timestamp.isoformat() }} episode {{ episode.step }} "
                                       "{{ episode.entities.victim }} {{ episode.event_id }}")  # fmt: skip
    config = folder / "generator.yml"
    config.write_text(
        config.read_text()
        .replace("  - timer:", "  - episodes: {world: world.yml}\n  - timer:")
        .replace("    mode: all\n", "    mode: all\n    world: world.yml\n")
    )
    return folder


def labels_in(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines()]


def episode_ids(log: Path) -> list[str]:
    """The event ids an output carries: the episode's events, in the output's order."""
    return [line.split()[-1] for line in log.read_text().splitlines() if " episode " in line]


def test_the_driver_gathers_every_segments_ground_truth_where_nodes_do_not_see_the_folder(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    """A world's labels land where each segment ran: in the driver's truth folder when the
    node sees it, else in the node's copy, whose labels the segment hands back. Either way the
    driver's truth/labels.jsonl is the one-process run's, each label once, in time order, with
    its manifest; `--max-events` leaves the episode's last events out of both."""
    clean = world_generator(tmp_path / "gen")
    base = ("generate", "--id", "truth", "--batch.size", "50", "--max-events", "450", *COMMON)
    cluster = ("--cluster", ray_cluster.address, "--segments", "4")
    one_folder, seen = (shutil.copytree(clean, tmp_path / name) for name in ("one", "seen"))
    single = eventum(*base, "--path", str(one_folder), "--workers", "1",
                     "--params", f'{{"out": "{tmp_path / "one.log"}"}}')  # fmt: skip
    assert single.returncode == 0, single.stderr
    one = labels_in(one_folder / "truth")
    assert 0 < len(one) < 31  # the events past the 450th were never made
    assert [r["event_id"] for r in one] == episode_ids(tmp_path / "one.log")
    expected = sorted(one, key=lambda r: (r["time"], r["event_id"]))
    manifest = json.loads((one_folder / "truth" / "manifest.json").read_text())
    visible = eventum(*base, "--path", str(seen), *cluster,
                      "--params", f'{{"out": "{tmp_path / "seen.log"}"}}')  # fmt: skip
    assert visible.returncode == 0, visible.stderr
    assert labels_in(seen / "truth") == expected
    hidden, kept = tmp_path / "hidden", tmp_path / "kept"
    driver = driver_alone(clean, hidden, *base, "--path", str(hidden), *cluster,
                          "--params", f'{{"out": "{tmp_path / "shipped.log"}"}}',
                          then=f"cp -r {hidden}/truth {kept}")  # fmt: skip
    assert driver.returncode == 0, driver.stderr
    assert not (hidden / "generator.yml").exists()  # only the driver saw it
    labels = labels_in(kept)
    assert labels == expected
    assert sorted(episode_ids(tmp_path / "shipped.log")) == sorted(r["event_id"] for r in labels)
    for folder, world in ((seen / "truth", seen), (kept, hidden)):
        ours = json.loads((folder / "manifest.json").read_text())
        assert ours == {**manifest, "world": str(world / "world.yml")}


def test_ctrl_c_stops_every_segment_and_keeps_what_they_wrote(
    ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    """SIGINT to the driver mid-run: each segment stops taking timestamps and writes what it
    made, and the driver joins the parts it committed, in batch order: exit 0, as one process."""
    path = generator(tmp_path / "gen", '{start: "-1h", seconds: 1, count: 200, repeat: 20000}',
                     FILE_OUTPUT, template=JSON_TEMPLATE)  # fmt: skip
    out = tmp_path / "stopped.log"
    driver = subprocess.Popen(
        eventum_command(
            "generate", "--path", str(path), "--id", "stop", "--batch.size", "250", *COMMON,
            "--params", f'{{"out": "{out}"}}', "--cluster", ray_cluster.address,
            "--segments", "4", "-vvvv",
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **DRIVER_ENV},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        writing = []
        while not writing and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            writing = [p for p in tmp_path.glob(".stopped.log.*/seg-*.tmp") if p.stat().st_size]
        assert driver.poll() is None and writing, "no segment wrote before the deadline"
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 0, stderr
    assert "stopping: every segment writes what it generated" in stderr
    assert stderr.count("segment finished") == 4
    stamps = [json.loads(line)["ts"] for line in out.read_text().splitlines()]
    assert 0 < len(stamps) < 4_000_000
    assert stamps == sorted(stamps)  # whole batches, joined in the run's order
    assert f"written={len(stamps)}" in summary_of(stderr)
    assert not list(tmp_path.glob(".stopped.log.*"))  # the parts were joined and removed


def test_a_worker_node_killed_mid_run_loses_and_doubles_nothing(
    eventum, ray_cluster: LocalCluster, tmp_path: Path
) -> None:
    """The segments on the killed node are rerun on the other one: the file is still the
    one-process run byte for byte (the dead attempts' parts never committed), ClickHouse
    (chDB behind its HTTP interface) drops the rerun's inserts of batches already written by
    their deduplication tokens, and a transactional Kafka output skips the batches its
    segment's watermark says are committed. Runs last: the cluster keeps one worker node
    afterwards."""
    shim = ClickHouseShim(engine_dir()).start()
    shim.conn.query(
        "CREATE TABLE ray_ev (ts DateTime64(6, 'UTC'), user String, n UInt64) ENGINE = MergeTree "
        "ORDER BY ts SETTINGS non_replicated_deduplication_window = 1000"
    )
    shim.delay = 0.15  # each insert takes a while (6 s a segment): the kill lands mid-run
    tcp = Receiver()  # at least once: a rerun sends its segment again
    (tmp_path / "noida").mkdir()
    kafka = Broker(tmp_path / "noida")
    kafka.start()
    outputs = FILE_OUTPUT + (
        f"  - clickhouse: {{host: 127.0.0.1, port: {shim.port}, table: ray_ev, "
        "formatter: {format: plain}}\n"
        f"  - tcp: {{host: 127.0.0.1, port: {tcp.port}, formatter: {{format: plain}}}}\n"
        f"  - kafka: {{bootstrap_servers: ['{kafka.address}'], topic: ray_ev, acks: -1, "
        "transactional_id: ray, formatter: {format: plain}}\n"
    )
    path = generator(tmp_path / "gen", '{start: "-1h", seconds: 1, count: 200, repeat: 200}',
                     outputs, template=JSON_TEMPLATE)  # fmt: skip
    one_path = generator(tmp_path / "gen1", '{start: "-1h", seconds: 1, count: 200, repeat: 200}',
                         FILE_OUTPUT, template=JSON_TEMPLATE)  # fmt: skip
    one, many = tmp_path / "one.log", tmp_path / "many.log"
    base = ("--id", "k", "--batch.size", "250", *COMMON)
    single = eventum("generate", "--path", str(one_path), *base, "--params", f'{{"out": "{one}"}}',
                     "--workers", "4")  # fmt: skip
    assert single.returncode == 0, single.stderr
    driver = subprocess.Popen(
        eventum_command(
            "generate", "--path", str(path), *base, "--params", f'{{"out": "{many}"}}',
            "--cluster", ray_cluster.address, "--segments", "4", "--max-concurrency", "1",
            "-vvvv",
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **DRIVER_ENV},
    )  # fmt: skip
    try:
        victim = mid_run_victim(driver, shim, ray_cluster)
        assert driver.poll() is None and victim is not None, "the run ended before the kill"
        kill_node(victim["raylet"])
        _, stderr = driver.communicate(timeout=240)
    finally:
        if driver.poll() is None:
            driver.kill()
    try:
        assert driver.returncode == 0, stderr
        assert many.read_bytes() == one.read_bytes()
        query = "SELECT count(), uniqExact(ts, user, n) FROM ray_ev"
        total, distinct = shim.conn.query(query, "CSV").bytes().decode().strip().split(",")
        assert (int(total), int(distinct)) == (40000, 40000)
        assert shim.inserts > 160, "no segment was rerun"  # 160 batches, some inserted twice
        assert stderr.count("segment finished") == 4
        assert "written=160000" in summary_of(stderr)  # 40000 events to each of four outputs
        records = anyio.run(consume, kafka.address, "ray_ev", 40000, 30, "read_committed")
        values = [r.value for r in records]
        assert (len(values), len(set(values))) == (40000, 40000)
        # Only the TCP output got events twice, and the run says at least how many.
        rewritten = [line for line in stderr.splitlines() if "events written twice" in line]
        assert rewritten and all("output[2] tcp" in line for line in rewritten), stderr
        deadline = time.monotonic() + 30
        while len(tcp.lines()) < 40000 and time.monotonic() < deadline:  # the reader catches up
            time.sleep(0.1)
        received = len(tcp.lines())
        said = sum(int(line.split("duplicates_at_least=")[1].split()[0]) for line in rewritten)
        assert 0 < said <= received - 40000, (said, received)
    finally:
        shim.close()
        tcp.go_away()
        kafka.shutdown()
