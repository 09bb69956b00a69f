"""Run benchmark workloads and print events/s, CPU seconds and peak RSS.

    python benchmarks/bench.py                          # every workload, this checkout's eventum
    python benchmarks/bench.py w3_minimal --count 10000000   # one workload, scaled
    sudo python benchmarks/bench.py --peer              # side by side with the original Eventum

`--peer` runs both generators on the same Python in the Debian root that
../shared/bench/peer/setup-eventum-peer.sh makes (this project's wheels are built and installed
there first), so the ratio compares implementations, not interpreters. A script, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKLOADS = HERE / "workloads"
PEER = ROOT.parent / "shared" / "bench" / "peer"
# Eventum loses part of W2 to its default write timeout; give it room so it writes everything.
EVENTUM_EXTRA = {"w2_json": ["--write-timeout", "600"]}
WHEELS = re.compile(
    r"eventum_(core|input_(linspace|time_patterns|cron)|event_template|output_file)-"
)


def prepare(workload: str, count: int | None) -> Path:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{workload}-", dir="/tmp"))
    shutil.copytree(WORKLOADS / workload, work, dirs_exist_ok=True)
    if count:
        config = work / "generator.yml"
        config.write_text(re.sub(r"count: 200000", f"count: {count}", config.read_text()))
    return work


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's) are counted once in all."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_once(
    command: list[str], workload: str, count: int | None, extra: list[str]
) -> dict[str, float]:
    work = prepare(workload, count)
    try:
        return measure(command, work, extra, workload)
    finally:
        shutil.rmtree(work)


def measure(command: list[str], work: Path, extra: list[str], name: str) -> dict[str, float]:
    """Run the generator.yml of `work` (writing to `${params.out}`): events, wall and CPU
    seconds, and peak memory (summed PSS of the whole process tree)."""
    out = work / "out.log"
    args = [
        *command,
        "generate",
        "--path",
        str(work / "generator.yml"),
        "--id",
        "bench",
        "--live-mode",
        "false",
        "--params",
        json.dumps({"out": str(out)}),
        *extra,
    ]
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    peak_kb = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_kb
        while True:
            peak_kb = max(peak_kb, sum(_pss_kb(p) for p in _tree(proc.pid)))
            if done.wait(0.05):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # A blocking wait4 (not a poll between samples): the wall ends when the process does, and
    # wait4 also gives the CPU time of the run and its children.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{name}: exit {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    with out.open("rb") as f:
        events = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return {
        "events": events,
        "wall_s": wall,
        "events_per_s": events / wall,
        "cpu_s": cpu,
        "rss_mb": peak_kb // 1024,
        "max_rss_mb": usage.ru_maxrss // 1024,  # the largest single process, as `time -v` says
    }


def median_run(
    command: list[str], workload: str, count: int | None, extra: list[str], repeat: int
) -> dict[str, float]:
    runs = [run_once(command, workload, count, extra) for _ in range(repeat)]
    best = sorted(runs, key=lambda r: r["events_per_s"])[len(runs) // 2]
    return {
        **best,
        "rss_mb": max(r["rss_mb"] for r in runs),
        "max_rss_mb": max(r["max_rss_mb"] for r in runs),
    }


def install_in_peer(venv: str, wheels: re.Pattern[str]) -> None:
    """This checkout's wheels whose names match `wheels` (what the workloads run: no server,
    no sink clients) into `venv` on the peer root's Python; the venv is made on first use, new
    dependencies are added, and ours are replaced even at the same version (and compiled)."""
    built = Path(tempfile.mkdtemp(prefix="eventum-wheels-", dir="/tmp"))
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    subprocess.run(
        [uv, "build", "--all-packages", "--wheel", "-q", "-o", str(built)], cwd=ROOT, check=True
    )
    chosen = " ".join(str(w) for w in built.glob("*.whl") if wheels.match(w.name))
    script = (
        f"[ -x {venv}/bin/eventum ] || python3 -m venv {venv}; {venv}/bin/pip install -q "
        f"{chosen} && {venv}/bin/pip install -q --no-deps --force-reinstall {chosen}"
        # bytecode now: the first timed run would otherwise compile every module it imports
        f" && {venv}/bin/python -m compileall -q {venv}/lib"
    )
    subprocess.run([str(PEER / "in-peer.sh"), "bash", "-c", script], check=True)
    shutil.rmtree(built)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workloads", nargs="*", default=sorted(p.name for p in WORKLOADS.iterdir()))
    parser.add_argument("--peer", action="store_true", help="both implementations in the peer root")
    parser.add_argument(
        "--no-build", action="store_true", help="with --peer: keep the installed wheels"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--count", type=int, help="events per workload instead of 200,000")
    args, extra = parser.parse_known_args()  # unknown options go to our `generate`

    if args.peer:
        if not args.no_build:
            install_in_peer("/opt/ours", WHEELS)
        in_peer = [str(PEER / "in-peer.sh")]
        impls = {
            "eventum": [*in_peer, "/opt/ev/bin/eventum"],
            "ours": [*in_peer, "/opt/ours/bin/eventum"],
        }
    else:
        impls = {"ours": [sys.executable, "-m", "eventum_core"]}

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, repeat={args.repeat}, count={args.count or 200000}"
    )
    print(
        "| workload | impl | events | wall s | events/s | CPU s | memory MB: all processes (PSS) | largest process (max RSS) | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for workload in args.workloads:
        results = {}
        for name, command in impls.items():
            impl_extra = EVENTUM_EXTRA.get(workload, []) if name == "eventum" else extra
            results[name] = r = median_run(command, workload, args.count, impl_extra, args.repeat)
            ratio = ""
            if name == "ours" and "eventum" in results:
                ratio = f"{r['events_per_s'] / results['eventum']['events_per_s']:.1f}x"
            print(
                f"| {workload} | {name} | {int(r['events']):,} | {r['wall_s']:.2f} | "
                f"{r['events_per_s']:,.0f} | {r['cpu_s']:.2f} | {r['rss_mb']} | {r['max_rss_mb']} | {ratio} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
