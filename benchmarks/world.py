"""Throughput of a generator picking users from a world (eventum-entities) beside the same
generator picking the same users from a CSV sample, and beside Faker per event.

    uv run python benchmarks/world.py                    # 200,000 events each, 3 runs each
    uv run python benchmarks/world.py --count 1000000 --repeat 5 --with-faker

Each variant is `eventum generate --live-mode false --workers 1` of a linspace input into a file
output, the variants interleaved; the figures are the run summary's events/s (best and median)
and the best wall time of the whole process. A script, not a test: figures go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORLD = """\
entities:
  departments:
    count: 6
    key: name
    fields: {name: {items: [Finance, Engineering, Sales, HR, IT, Legal]}}
  hosts:
    count: 200
    key: hostname
    fields:
      hostname: {template: "WS-{{ '%04d' % (index + 1) }}"}
      ip: {ip: 10.20.0.0/16}
  users:
    count: 500
    key: username
    fields:
      first_name: {faker: first_name}
      last_name: {faker: last_name}
      username: {template: "{{ first_name | lower }}.{{ last_name | lower }}{{ index }}"}
      department: {ref: departments}
      host: {ref: hosts}
"""
LINE = (
    '{"@timestamp": "{{ timestamp.isoformat() }}", "event": "login", "user": "{{ user.username }}",'
    ' "department": "{{ user.department }}", "host": "{{ user.host }}", "ip": "{{ IP }}"}'
)
TEMPLATES = {
    "entities": "{%- set user = entities.users.pick() -%}\n" + LINE.replace("IP", "user.host.ip"),
    "samples": "{%- set user = samples.users.pick() -%}\n" + LINE.replace("IP", "user.ip"),
    "faker": (
        "{%- set f = module.faker.locale.en_US -%}{%- set user = {'username': f.user_name(),"
        " 'department': f.job(), 'host': 'WS-' ~ f.random_int(1, 200), 'ip': f.ipv4_private()} -%}\n"
    )
    + LINE.replace("IP", "user.ip"),
}
GENERATOR = """\
input:
  - linspace: {{start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z", count: {count}}}
event:
  template:
    mode: all
    {extra}
    templates:
      - line: {{template: line.jinja}}
output:
  - file: {{path: {out}, write_mode: overwrite}}
"""


def prepare(variant: str, count: int) -> Path:
    work = Path(tempfile.mkdtemp(prefix=f"bench-world-{variant}-", dir="/tmp"))
    (work / "world.yml").write_text(WORLD)
    (work / "line.jinja").write_text(TEMPLATES[variant])
    extra = {"entities": "world: world.yml", "faker": ""}.get(variant, "")
    if variant == "samples":  # the world's own users, as a CSV sample
        from eventum_entities.population import Population
        from eventum_entities.world import read_world

        users = Population(read_world(work / "world.yml"), 1).kind("users")
        with (work / "users.csv").open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["username", "department", "host", "ip"])
            for i in range(len(users)):
                u = users.entity(i)
                writer.writerow([u.username, u.department, u.host, u.host.ip])
        extra = "samples: {users: {type: csv, source: users.csv, header: true}}"
    (work / "generator.yml").write_text(
        GENERATOR.format(count=count, extra=extra, out=work / "out.log")
    )
    return work


def run(work: Path) -> tuple[float, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "eventum_core", "generate", "--path", str(work / "generator.yml"),
         "--id", "bench", "--live-mode", "false", "--seed", "1", "--workers", "1", "-vvvv"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    found = re.search(r"events_per_s=(\d+)", result.stderr)
    assert found, result.stderr
    return float(found[1]), wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-faker", action="store_true", help="also Faker per event (slow)")
    args = parser.parse_args()
    variants = ("samples", "entities", "faker")[: 3 if args.with_faker else 2]
    works = {variant: prepare(variant, args.count) for variant in variants}
    runs: dict[str, list[tuple[float, float]]] = {variant: [] for variant in variants}
    for _ in range(args.repeat):  # interleaved, so a busy moment hits every variant alike
        for variant in variants:
            runs[variant].append(run(works[variant]))
    rows = {}
    for variant in variants:
        shutil.rmtree(works[variant])
        rates = sorted(r[0] for r in runs[variant])
        rows[variant] = {
            "events_per_s_best": rates[-1],
            "events_per_s_median": rates[len(rates) // 2],
            "wall_s_best": round(min(r[1] for r in runs[variant]), 2),
        }
        print(json.dumps({"variant": variant, **rows[variant]}), flush=True)
    for stat in ("events_per_s_best", "events_per_s_median"):
        ratio = rows["entities"][stat] / rows["samples"][stat]
        print(json.dumps({f"entities_vs_samples_{stat}": round(ratio, 3)}))


if __name__ == "__main__":
    main()
