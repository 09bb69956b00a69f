"""Run Eventum content packs bounded to a fixed number of events; print events/s, CPU seconds
and peak memory, beside the original Eventum with `--peer`.

    python benchmarks/packs.py                                  # ../shared/bench/packs, this checkout
    python benchmarks/packs.py --peer                           # side by side with Eventum 2.8
    python benchmarks/packs.py --peer --workers 1               # efficiency: one process each
    python benchmarks/packs.py --peer /tmp/content-packs/generators --events 6000   # any folder

A pack is bounded as ../shared/bench/packs/README.md says: its input is replaced by a cron of
`count` events per second (100) over as many seconds as make `--events`, its outputs by one
`file` output with the pack's formatter. Eventum gets `--write-timeout 600` so that it writes
every event. The ratio is ours / Eventum's events per second (wall, whole process); with
`--workers 1` compare the CPU-second columns. A script, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PEER, install_in_peer, measure

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PACKS = ROOT.parent / "shared" / "bench" / "packs"
START = datetime(2024, 1, 1, tzinfo=UTC)
PER_SECOND = 100
EVENTUM_EXTRA = ["--write-timeout", "600"]
# What a pack needs; other plugins (servers, sink clients) would only slow the install down.
WHEELS = re.compile(r"eventum_(core|input_cron|event_template|output_file)-")


def find_packs(folders: list[Path]) -> list[Path]:
    """Every folder with a generator.yml directly under the given folders (or a pack itself)."""
    packs: list[Path] = []
    for folder in folders:
        if (folder / "generator.yml").is_file():
            packs.append(folder)
        else:
            packs += sorted(p.parent for p in folder.glob("*/generator.yml"))
    return packs


def bounded(pack: Path, events: int) -> Path:
    """A copy of `pack` writing exactly `events` events (given `count` per second) to
    `${params.out}`."""
    work = Path(tempfile.mkdtemp(prefix=f"pack-{pack.name}-", dir="/tmp"))
    shutil.copytree(pack, work, dirs_exist_ok=True)
    config = yaml.safe_load((pack / "generator.yml").read_text())
    seconds = math.ceil(events / PER_SECOND)
    end = START + timedelta(seconds=seconds - 1)
    config["input"] = [
        {
            "cron": {
                "expression": "* * * * * *",
                "count": PER_SECOND,
                "start": START.isoformat(),
                "end": end.isoformat(),
            }
        }
    ]
    formatter = next(
        (
            spec["formatter"]
            for out in config["output"]
            for spec in out.values()
            if spec.get("formatter")
        ),
        {"format": "plain"},
    )
    config["output"] = [
        {"file": {"path": "${params.out}", "write_mode": "overwrite", "formatter": formatter}}
    ]
    (work / "generator.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return work


def run_pack(command: list[str], pack: Path, events: int, extra: list[str]) -> dict[str, float]:
    work = bounded(pack, events)
    try:
        return measure(command, work, extra, pack.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_PACKS])
    parser.add_argument("--peer", action="store_true", help="both implementations in the peer root")
    parser.add_argument(
        "--no-build", action="store_true", help="with --peer: keep the installed wheels"
    )
    parser.add_argument(
        "--peer-venv", default="/opt/ours-packs", help="with --peer: our venv there"
    )
    parser.add_argument("--events", type=int, default=20_000, help="events per pack")
    parser.add_argument("--repeat", type=int, default=1, help="runs per pack, the median kept")
    parser.add_argument("--workers", help="--workers for ours (1: the efficiency run)")
    parser.add_argument("--only", nargs="*", default=(), help="pack names to run")
    parser.add_argument("--ours-only", action="store_true", help="with --peer: skip Eventum")
    args, extra = parser.parse_known_args()  # unknown options go to our `generate`
    if args.workers:
        extra += ["--workers", args.workers]

    packs = find_packs(args.folders)
    if args.only:
        packs = [p for p in packs if p.name in args.only]
    if not packs:
        raise SystemExit(f"no packs (folders with generator.yml) in {args.folders}")
    if args.peer:
        if not args.no_build:
            install_in_peer(args.peer_venv, WHEELS)
        in_peer = [str(PEER / "in-peer.sh")]
        impls = {"ours": [*in_peer, f"{args.peer_venv}/bin/eventum"]}
        if not args.ours_only:
            impls = {"eventum": [*in_peer, "/opt/ev/bin/eventum"], **impls}
    else:
        impls = {"ours": [sys.executable, "-m", "eventum_core"]}

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, "
        f"{args.events:,} events per pack, repeat={args.repeat}, ours: {' '.join(extra) or 'defaults'}"
    )
    print(
        "| pack | impl | events | wall s | events/s | CPU s | events/CPU s "
        "| memory MB (PSS, all) | max RSS MB | ratio events/s | ratio events/CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for pack in packs:
        results = {}
        for name, command in impls.items():
            impl_extra = EVENTUM_EXTRA if name == "eventum" else extra
            runs = [run_pack(command, pack, args.events, impl_extra) for _ in range(args.repeat)]
            r = sorted(runs, key=lambda r: r["events_per_s"])[len(runs) // 2]
            results[name] = r
            ratio = cpu_ratio = ""
            if name == "ours" and "eventum" in results:
                ev = results["eventum"]
                x = r["events_per_s"] / ev["events_per_s"]
                y = (r["events"] / r["cpu_s"]) / (ev["events"] / ev["cpu_s"])
                ratios.append(x)
                cpu_ratios.append(y)
                ratio, cpu_ratio = f"{x:.2f}x", f"{y:.2f}x"
            print(
                f"| {pack.name} | {name} | {int(r['events']):,} | {r['wall_s']:.2f} | "
                f"{r['events_per_s']:,.0f} | {r['cpu_s']:.2f} | {r['events'] / r['cpu_s']:,.0f} | "
                f"{r['rss_mb']} | {r['max_rss_mb']} | {ratio} | {cpu_ratio} |",
                flush=True,
            )
    if ratios:
        geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
        cpu_geo = math.exp(sum(map(math.log, cpu_ratios)) / len(cpu_ratios))
        print(
            f"\ngeometric mean over {len(ratios)} packs: {geo:.2f}x events/s "
            f"(min {min(ratios):.2f}x), {cpu_geo:.2f}x events per CPU second "
            f"(min {min(cpu_ratios):.2f}x)"
        )


if __name__ == "__main__":
    main()
