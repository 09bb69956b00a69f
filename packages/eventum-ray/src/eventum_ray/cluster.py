"""Reaching the cluster: connecting to ADDRESS, and checking every node can run a segment."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from importlib.metadata import packages_distributions
from typing import Any

from eventum_core import UserError

CONNECT_TIMEOUT_S = 20
PROBE_TIMEOUT_S = 5


class ClusterError(UserError):
    """The cluster cannot run this generator: not reachable, or a node misses a distribution."""


def connect(address: str, *, verbosity: int) -> None:
    """`auto` (the cluster this machine belongs to), `ray://HOST:PORT` (Ray Client),
    `HOST:PORT` (the head's GCS) or `local` (a new cluster on this machine, gone at exit)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address not in ("auto", "local"):
        _answers(address)
    import ray

    options: dict[str, Any] = {
        "log_to_driver": verbosity > 0,
        "logging_level": logging.INFO if verbosity >= 4 else logging.ERROR,
    }
    if address == "local":
        options.update(include_dashboard=False)
    try:
        ray.init(address=address, **options)
    except Exception as error:
        text = " ".join(str(error).split())[:300]
        raise ClusterError(
            f"--cluster {address}: cannot connect to the Ray cluster: {text}"
        ) from None


def _answers(address: str) -> None:
    """Fail in seconds when nothing listens at HOST:PORT: Ray itself retries for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(
            f"--cluster {address}: expected auto, local, HOST:PORT or ray://HOST:PORT"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ClusterError(
            f"--cluster {address}: cannot connect to the Ray cluster: nothing answers at "
            f"{host}:{port} ({reason})"
        ) from None


def distributions_of(classes: Iterable[type[Any]]) -> set[str]:
    """The distributions that provide these plugin classes, and eventum's own."""
    tops = packages_distributions()
    names = {"eventum-core", "eventum-ray"}
    for cls in classes:
        names.update(tops.get(cls.__module__.partition(".")[0], []))
    return names


def check_nodes(distributions: set[str]) -> None:
    """Every alive node imports eventum and has the generator's plugins, or one line says which
    node misses what. The probe is pickled by value, so it runs where eventum is missing."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    def probe(names: list[str]) -> dict[str, str | None]:
        from importlib.metadata import PackageNotFoundError, version

        found: dict[str, str | None] = {}
        for name in names:
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                found[name] = None
        return found

    remote = ray.remote(num_cpus=0, max_retries=0)(probe)
    nodes = [n for n in ray.nodes() if n.get("Alive")]  # type: ignore[no-untyped-call]
    wanted = sorted(distributions)
    answers = ray.get(
        [
            remote.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
            ).remote(wanted)
            for n in nodes
        ]
    )
    for node, found in zip(nodes, answers, strict=True):
        missing = [name for name, version in found.items() if version is None]
        if missing:
            raise ClusterError(
                f"node {node.get('NodeManagerAddress')} ({node['NodeID'][:12]}) has no "
                f"{', '.join(missing)}: pip install {' '.join(missing)} on every node"
            )
