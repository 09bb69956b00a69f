"""One generator over a local Ray cluster (head + two worker nodes) against one process.

    uv run --group test python benchmarks/ray_cluster.py [--events 2000000] [--segments 4]

Runs W3 (../shared/bench/workloads/w3_minimal) and one pack from ../shared/bench/packs/ in
sample mode, first as one process (`--workers N`), then with `--cluster` on the local
cluster (`--segments N`, same seed and now: the same bytes), and prints a Markdown table: wall
seconds, events/s, each segment's seconds, the cluster's start-up seconds and memory per node
(RSS of each node's processes, idle and after the runs). Not a test: figures go to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent.parent / "shared" / "bench"
if not SHARED.exists():
    SHARED = Path("/work/shared/bench")
CLUSTER = ROOT / "packages" / "eventum-ray" / "tests" / "local_cluster.py"
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
COMMON = ["--live-mode", "false", "--seed", "1", "--now", "2026-01-01T00:00:00"]


def w3(folder: Path, events: int) -> Path:
    shutil.copytree(SHARED / "workloads" / "w3_minimal", folder)
    path = folder / "generator.yml"
    path.write_text(path.read_text().replace("count: 200000", f"count: {events}"))
    return path


def pack(folder: Path, name: str) -> Path:
    shutil.copytree(SHARED / "packs" / name, folder)
    path = folder / "generator.yml"
    text = path.read_text()
    if "${params.out}" not in text:  # the packs write to stdout: send it to the file instead
        text = re.sub(r"\noutput:.*", "\noutput:\n  - file: {path: \"${params.out}\"}\n", text,
                      flags=re.S)  # fmt: skip
    path.write_text(text)
    return path


def generate(path: Path, out: Path, events: int, *extra: str) -> tuple[float, str]:
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "eventum_core", "generate", "--path", str(path), "--id", "bench",
         *COMMON, "--max-events", str(events), "--params", json.dumps({"out": str(out)}),
         "-vvvv", *extra],
        capture_output=True, text=True, env=ENV, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{path}: {result.stderr[-2000:]}")
    return time.monotonic() - began, result.stderr


def node_memory(raylets: list[int]) -> list[float]:
    """MiB of RSS in each worker node's raylet and the processes it started."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue

    def tree(root: int) -> int:
        return rss.get(root, 0) + sum(tree(p) for p, parent in parents.items() if parent == root)

    return [round(tree(r) / 2**20) for r in raylets]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--pack", default="web-nginx")
    parser.add_argument("--pack-events", type=int, help="events for the pack [default: --events]")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eventum-ray-bench-"))
    began = time.monotonic()
    cluster = subprocess.Popen(
        [sys.executable, str(CLUSTER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=ENV,
    )  # fmt: skip
    assert cluster.stdout is not None and cluster.stdin is not None
    info = json.loads(cluster.stdout.readline())
    start_up = time.monotonic() - began
    raylets = [w["raylet"] for w in info["workers"]]
    idle = node_memory(raylets)
    rows = []
    try:
        for name, path, events in (
            ("w3_minimal", w3(work / "w3", args.events), args.events),
            (args.pack, pack(work / "pack", args.pack), args.pack_events or args.events),
        ):
            one_s, _ = generate(path, work / "one.log", events, "--workers", str(args.segments))
            many_s, stderr = generate(
                path, work / "many.log", events,
                "--cluster", info["address"], "--segments", str(args.segments),
            )  # fmt: skip
            same = (work / "one.log").read_bytes() == (work / "many.log").read_bytes()
            segments = [float(s) for s in re.findall(r"seconds=([\d.]+) segment=", stderr)]
            peak = node_memory(raylets)
            rows.append((name, events, one_s, many_s, segments, same, peak))
    finally:
        cluster.stdin.close()
        cluster.wait(timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    print(f"cluster start-up {start_up:.1f} s; worker nodes' memory idle {idle} MiB\n")
    print("| workload | events | one process s | events/s | cluster s | events/s | segment s "
          "(each) | same bytes | node MiB after |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, events, one_s, many_s, segments, same, peak in rows:
        print(
            f"| {name} | {events:,} | {one_s:.1f} | {events / one_s:,.0f} | "
            f"{many_s:.1f} | {events / many_s:,.0f} | "
            f"{', '.join(f'{s:.1f}' for s in segments)} | {same} | {peak} |"
        )


if __name__ == "__main__":
    main()
