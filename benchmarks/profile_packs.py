"""Where a content pack's time goes, per event: Jinja, samples, module.rand, Faker, Mimesis,
state, the json formatter and the file write.

    python benchmarks/profile_packs.py                       # ../shared/bench/packs, 10,000 events
    python benchmarks/profile_packs.py /tmp/content-packs/generators --events 5000

In one process, without the pipeline: the pack's event plugin produces the events in batches of
10,000, its formatter formats them and they are written to a file, first timed (CPU seconds),
then again under cProfile. The profile's time is split by the package of each function; the
time of a C function (a `getattr`, a `list.append`) goes to its callers in proportion to what
each spent in it, so that `module.rand` includes the `random` calls it makes. cProfile slows
small Python calls more than C calls, so the shares are approximate; the µs/event column is
not profiled. A script, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eventum_core.batch import TimestampBatch
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import load_plan
from eventum_core.discovery import Registry
from eventum_core.testing.harness import make_context

sys.path.insert(0, str(Path(__file__).resolve().parent))
from packs import DEFAULT_PACKS, find_packs

BATCH = 10_000
# First match wins: a path fragment of the function's file -> category.
CATEGORIES = (
    ("eventum_event_template/samples", "samples"),
    ("eventum_event_template/rand", "module.rand"),
    ("eventum_event_template/state", "state"),
    ("eventum_event_template/modules", "module.*"),
    ("eventum_event_template/pickers", "picking"),
    ("/faker/", "faker"),
    ("/mimesis/", "mimesis"),
    ("/random.py", "random"),
    ("/uuid.py", "module.rand"),
    ("/ipaddress.py", "module.rand"),
    ("eventum_core/formatters", "json formatter"),
    ("/json/", "json formatter"),
    (".jinja", "jinja: template code"),
    ("/jinja2/", "jinja: runtime"),
    ("/markupsafe/", "jinja: runtime"),
    ("eventum_event_template/", "jinja: runtime"),  # rendering.py, plugin.py
    ("write", "write"),
)


def category(func: tuple[str, int, str]) -> str | None:
    file, _, name = func
    text = f"{file}:{name}"
    for fragment, label in CATEGORIES:
        if fragment in text:
            return label
    return None  # a C function: goes to its callers


def split(stats: pstats.Stats) -> dict[str, float]:
    shares: dict[str, float] = defaultdict(float)
    table = stats.stats  # type: ignore[attr-defined]
    for func, (_, _, tottime, _, callers) in table.items():
        label = category(func)
        if label is not None:
            shares[label] += tottime
            continue
        edges = {c: v[2] for c, v in callers.items()}
        total = sum(edges.values())
        if not total:
            shares["other"] += tottime
            continue
        for caller, t in edges.items():
            shares[category(caller) or "other"] += tottime * t / total
    # "random" is reached through module.rand, sample picks, `| random` and the picker alike.
    return dict(shares)


def events_of(pack: Path, events: int, seed: int) -> tuple[object, object, list[TimestampBatch]]:
    parameters = GeneratorParameters.model_validate(
        {"id": "profile", "path": pack / "generator.yml", "live_mode": False, "seed": seed}
    )
    plan = load_plan(parameters, registry=Registry())
    event_spec = plan.event
    event = event_spec.cls(
        event_spec.config, make_context("event", event_spec.name, pack, seed=seed)
    )
    fmt_spec = plan.outputs[0].formatter
    formatter = fmt_spec.cls(fmt_spec.config, make_context("formatter", fmt_spec.name, pack))
    start = np.datetime64(datetime(2024, 1, 1, tzinfo=UTC).replace(tzinfo=None), "us")
    stamps = start + (np.arange(events) * 10_000).astype("timedelta64[us]")
    batches = [
        TimestampBatch(
            stamps[i : i + BATCH], np.zeros(len(stamps[i : i + BATCH]), np.uint16), [()], UTC
        )
        for i in range(0, events, BATCH)
    ]
    return event, formatter, batches


def run(
    event: object, formatter: object, batches: list[TimestampBatch], out: Path
) -> tuple[float, float, float, int]:
    produce = format_ = write = 0.0
    count = 0
    with out.open("w") as file:
        for batch in batches:
            t0 = time.process_time()
            produced = event.produce(batch)  # type: ignore[attr-defined]
            t1 = time.process_time()
            formatted = formatter.format(produced.events)  # type: ignore[attr-defined]
            t2 = time.process_time()
            file.write("".join(item + "\n" for item in formatted.items))
            file.flush()
            t3 = time.process_time()
            produce, format_, write = produce + t1 - t0, format_ + t2 - t1, write + t3 - t2
            count += len(formatted.items)
    return produce, format_, write, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_PACKS])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=())
    parser.add_argument("--no-profile", action="store_true", help="the µs/event columns only")
    args = parser.parse_args()
    packs = [p for p in find_packs(args.folders) if not args.only or p.name in args.only]
    labels = (
        "jinja: template code", "jinja: runtime", "samples", "module.rand", "random", "faker",
        "mimesis", "state", "module.*", "picking", "json formatter", "write", "other",
    )  # fmt: skip
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}, "
          f"{args.events:,} events per pack; shares of profiled time, %")  # fmt: skip
    print("| pack | µs/event: produce | format | write | " + " | ".join(labels) + " |")
    print("|---|---|---|---|" + "---|" * len(labels))
    totals: dict[str, float] = defaultdict(float)
    for pack in packs:
        out = Path(tempfile.mkstemp(prefix="profile-", suffix=".log")[1])
        event, formatter, batches = events_of(pack, args.events, args.seed)
        produce, format_, write, count = run(event, formatter, batches, out)
        shares = {"other": 1.0}
        if not args.no_profile:
            event, formatter, batches = events_of(pack, args.events, args.seed)
            profile = cProfile.Profile()
            profile.runcall(run, event, formatter, batches, out)
            shares = split(pstats.Stats(profile))
        os.unlink(out)
        total = sum(shares.values())
        for label in labels:
            totals[label] += shares.get(label, 0.0) / total / len(packs)
        per = 1e6 / max(count, 1)
        cells = " | ".join(f"{100 * shares.get(label, 0.0) / total:.0f}" for label in labels)
        print(
            f"| {pack.name} | {produce * per:.0f} | {format_ * per:.1f} | {write * per:.1f} | {cells} |",
            flush=True,
        )
    if len(packs) > 1:
        cells = " | ".join(f"{100 * totals[label]:.0f}" for label in labels)
        print(f"| mean of {len(packs)} | | | | {cells} |")


if __name__ == "__main__":
    main()
