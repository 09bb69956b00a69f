"""Soak: `eventum run` with N live generators; RSS and open file descriptors must level off.

    uv run python benchmarks/soak.py                      # 10 generators, 30 minutes, every 10 s
    uv run python benchmarks/soak.py --duration 60 --interval 2

Samples /proc/<pid>/status (VmRSS) and /proc/<pid>/fd. After a warm-up (the first quarter), the
last third's mean must not exceed the second third's by more than the allowance: a leak grows
steadily, a healthy process plateaus. Exits 1 (and says which) when either grows; the counts of
events written by each generator are checked at the end (nothing lost on SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATOR = """\
input:
  - timer: {{seconds: 0.1, count: {count}}}
event:
  template:
    mode: chance
    templates:
      - ok: {{template: t.jinja, chance: 9}}
      - err: {{template: t.jinja, chance: 1}}
output:
  - file: {{path: {out}}}
"""
TEMPLATE = (
    '{{ timestamp }} {{ module.faker.locale["en_US"].ipv4() }} GET /{{ range(100) | random }}'
)


def write_instance(root: Path, generators: int, count: int) -> Path:
    lines = []
    for i in range(generators):
        folder = root / "gens" / f"g{i}"
        folder.mkdir(parents=True)
        (folder / "generator.yml").write_text(GENERATOR.format(count=count, out=root / f"g{i}.out"))
        (folder / "t.jinja").write_text(TEMPLATE)
        lines.append(f"- id: g{i}\n  path: g{i}\n")
    (root / "startup.yml").write_text("".join(lines))
    config = root / "eventum.yml"
    config.write_text(
        "server.api_enabled: false\nserver.ui.enabled: false\ngeneration: {}\n"
        "log: {format: json}\n"
        f"path.logs: {root / 'logs'}\npath.startup: {root / 'startup.yml'}\n"
        f"path.generators_dir: {root / 'gens'}\npath.keyring_cryptfile: {root / 'k.cfg'}\n"
    )
    return config


def sample(pid: int) -> tuple[int, int]:
    """(RSS in KiB, open file descriptors) of the process."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def grows(values: list[int], allowance: float) -> bool:
    """True when the last third's mean exceeds the middle third's by more than `allowance`."""
    third = max(len(values) // 3, 1)
    middle = statistics.mean(values[third : 2 * third] or values[:1])
    last = statistics.mean(values[-third:])
    return last > middle + allowance


def soak(
    duration: float, interval: float, generators: int = 10, count: int = 10
) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="eventum-soak-"))
    config = write_instance(root, generators, count)
    process = subprocess.Popen(
        [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    rss: list[int] = []
    fds: list[int] = []
    try:
        time.sleep(min(5.0, duration / 4))  # warm-up: imports, first templates compiled
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            value, open_fds = sample(process.pid)
            rss.append(value)
            fds.append(open_fds)
            print(f"rss={value / 1024:.1f} MiB fds={open_fds}", flush=True)
            time.sleep(interval)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    ended = []
    for log in sorted((root / "logs").glob("generator_*.json")):
        ended += [
            json.loads(line) for line in log.read_text().splitlines() if "generator ended" in line
        ]
    written = sum(int(e["written"]) for e in ended)
    lines = sum(len((root / f"g{i}.out").read_text().splitlines()) for i in range(generators))
    return {
        "exit_code": process.returncode,
        "samples": len(rss),
        "rss_mib": [round(v / 1024, 1) for v in (rss[0], max(rss), rss[-1])],
        "fds": [fds[0], max(fds), fds[-1]],
        # Allowances: 8 MiB or 5 % of RSS (allocator noise), 3 descriptors (a reopened log).
        "rss_grows": grows(rss, max(8 * 1024, 0.05 * rss[0])),
        "fds_grow": grows(fds, 3),
        "generated": sum(int(e["generated"]) for e in ended),
        "written": written,
        "lines_in_files": lines,
        "lost": sum(int(e["lost"]) for e in ended),
        "stderr_tail": stderr[-500:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1800)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--generators", type=int, default=10)
    args = parser.parse_args()
    result = soak(args.duration, args.interval, args.generators)
    print(json.dumps({k: v for k, v in result.items() if k != "stderr_tail"}))
    ok = (
        not result["rss_grows"]
        and not result["fds_grow"]
        and result["exit_code"] == 0
        and result["written"] == result["lines_in_files"] == result["generated"]
    )
    print("soak: ok" if ok else "soak: FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
