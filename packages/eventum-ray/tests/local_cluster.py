"""A real Ray cluster on this machine for the tests: a head (no CPUs, so segments run on the
workers) and two worker nodes, each its own raylet process, all on 127.0.0.1. Prints one JSON
line (address, each worker's raylet PID and node id) and shuts the cluster down when its
standard input closes."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

from ray.cluster_utils import Cluster

WORKER_CPUS = 2


def main() -> None:
    began = time.monotonic()
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"node_ip_address": "127.0.0.1", "num_cpus": 0, "include_dashboard": False},
    )
    workers = [
        cluster.add_node(node_ip_address="127.0.0.1", num_cpus=WORKER_CPUS) for _ in range(2)
    ]
    cluster.wait_for_nodes()
    print(
        json.dumps(
            {
                "address": cluster.address,
                "seconds": round(time.monotonic() - began, 1),
                "workers": [
                    {"raylet": w.all_processes["raylet"][0].process.pid, "node_id": w.node_id}
                    for w in workers
                ],
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    cluster.shutdown()


if __name__ == "__main__":
    main()
