"""Live mode keeping its rate: a cron generator at 1,000 and 10,000 events/s for 30 s to a file,
with the achieved rate and how late events were written (p50/p99/max lag).

    python benchmarks/live.py [--seconds 30] [--rates 1000,10000]

A script, not a test: its figures go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

GENERATOR = """\
input:
  - cron:
      expression: "* * * * * *"
      count: {rate}
event:
  template:
    mode: all
    templates:
      - tick:
          template: tick.jinja
output:
  - file:
      path: {out}
"""


def run(rate: int, seconds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="eventum-live-") as tmp:
        work = Path(tmp)
        (work / "tick.jinja").write_text("{{ timestamp }} tick")
        (work / "generator.yml").write_text(GENERATOR.format(rate=rate, out=work / "out.log"))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "eventum_core",
                "generate",
                "--path",
                str(work / "generator.yml"),
                "--id",
                "live",
                "--max-duration",
                f"{seconds}s",
                "-vvvv",
                "--log-format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        summary = next(
            json.loads(line) for line in result.stderr.splitlines() if '"run finished"' in line
        )
        lines = sum(1 for _ in (work / "out.log").open())
    return {
        "rate": rate,
        "written": lines,
        "seconds": summary["seconds"],
        "achieved_per_s": round(lines / summary["seconds"]),
        **summary["lateness"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rates", default="1000,10000")
    args = parser.parse_args()
    print(
        "| target events/s | written | seconds | achieved events/s | p50 ms | p99 ms | max ms | late > 1 s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for rate in map(int, args.rates.split(",")):
        r = run(rate, args.seconds)
        print(
            f"| {r['rate']:,} | {r['written']:,} | {r['seconds']} | {r['achieved_per_s']:,} | "
            f"{r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['late_over_1s']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
