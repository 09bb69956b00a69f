"""API load: 200 concurrent clients for 30 s against `eventum run` while two generators run.

Starts a real `eventum run` (API on a free local port) with two sample-mode-fast live generators,
measures each generator's write rate for a quiet baseline window, then again while 200 clients
call the API in a loop. Prints latency percentiles and each generator's slowdown; exits 1 when a
generator slowed by more than 10%. Run: `uv run --group test python benchmarks/api_load.py`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CLIENTS, LOAD_SECONDS, BASELINE_SECONDS = 200, 30.0, 10.0
AUTH = ("bench", "bench-password")
ENDPOINTS = [
    "/api/generators/",
    "/api/generators/a/stats",
    "/api/generators/b/status",
    "/api/generators/group-actions/stats-running",
    "/api/instance/info",
    "/api/generator-configs/",
    "/api/generator-configs/gen/file-tree",
    "/api/startup/",
    "/metrics",
    "/api/healthz",
]

GENERATOR = """\
input:
  - timer: {seconds: 0.1, count: 2000}
event:
  template:
    mode: all
    templates:
      - line: {template: line.jinja}
output:
  - file: {path: ${params.out}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup(root: Path, port: int) -> Path:
    gen = root / "gens" / "gen"
    gen.mkdir(parents=True)
    (gen / "generator.yml").write_text(GENERATOR)
    (gen / "line.jinja").write_text('{"ts": "{{ timestamp }}", "n": {{ range(100) | random }}}')
    (root / "startup.yml").write_text(
        f"- id: a\n  path: gen\n  params.out: {root / 'a.out'}\n"
        f"- id: b\n  path: gen\n  params.out: {root / 'b.out'}\n"
    )
    config = root / "eventum.yml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, auth: {{user: {AUTH[0]}, "
        f"password: {AUTH[1]}}}}}\ngeneration: {{}}\nlog.level: warning\n"
        f"path.logs: {root / 'logs'}\npath.startup: {root / 'startup.yml'}\n"
        f"path.generators_dir: {root / 'gens'}\npath.keyring_cryptfile: {root / 'kr.cfg'}\n"
    )
    return config


async def written(client: httpx.AsyncClient) -> dict[str, int]:
    stats = (await client.get("/api/generators/group-actions/stats-running")).json()
    return {s["id"]: s["total_written"] for s in stats}


async def rates(client: httpx.AsyncClient, seconds: float) -> dict[str, float]:
    before, start = await written(client), time.monotonic()
    await asyncio.sleep(seconds)
    after, elapsed = await written(client), time.monotonic() - start
    return {k: (after[k] - before.get(k, 0)) / elapsed for k in after}


async def worker(url: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, auth=AUTH, timeout=30) as client:
        i = 0
        while time.monotonic() < deadline:
            path = ENDPOINTS[i % len(ENDPOINTS)]
            i += 1
            start = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    errors.append(response.status_code)
            except httpx.HTTPError:
                errors.append(0)
            latencies.append(time.perf_counter() - start)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root, port = Path(tmp), free_port()
        config = setup(root, port)
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen([sys.executable, "-m", "eventum_core", "run", "-c", str(config)])
        try:
            async with httpx.AsyncClient(base_url=url, auth=AUTH, timeout=30) as client:
                for _ in range(300):
                    try:
                        if (await client.get("/api/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                await asyncio.sleep(2)
                baseline = await rates(client, BASELINE_SECONDS)
                latencies: list[float] = []
                errors: list[int] = []
                deadline = time.monotonic() + LOAD_SECONDS
                load = asyncio.gather(
                    *(worker(url, deadline, latencies, errors) for _ in range(CLIENTS))
                )
                under_load = await rates(client, LOAD_SECONDS - 1)
                await load
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
    print(
        f"requests: {len(latencies)} in {LOAD_SECONDS:.0f} s "
        f"({len(latencies) / LOAD_SECONDS:,.0f}/s), errors: {len(errors)}"
    )
    for q in (50, 90, 95, 99):
        print(f"latency p{q}: {percentile(latencies, q):.1f} ms")
    worst = 0.0
    for gid, rate in baseline.items():
        slowdown = 1 - under_load.get(gid, 0) / rate if rate else 0.0
        worst = max(worst, slowdown)
        print(
            f"generator {gid}: {rate:,.0f} events/s quiet, "
            f"{under_load.get(gid, 0):,.0f} events/s under load ({slowdown:+.1%} slower)"
        )
    ok = worst <= 0.10 and not errors
    print("OK" if ok else "FAILED: a generator slowed by more than 10% or requests failed")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("EVENTUM_KEYRING_PASSWORD", "bench")
    raise SystemExit(asyncio.run(main()))
