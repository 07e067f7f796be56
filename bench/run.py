#!/usr/bin/env python3
"""swiftlet benchmarks (`make bench`): figures with their peer measured in the same run, as ratios, because these
machines are shared and noisy. Each figure: median and min–max over RUNS runs (P1, P2, P4, P7 after a warm-up run
that is dropped). Results and where the time goes: Docs/benchmarks.md.

  P1  the tutorial Deployment at 2 and 10 replicas, `kubectl apply` → HTTP on every pod IP, against
      `podman kube play` (bench/node_benches.py, peer in bench/peer_sandbox.py)
  P2  one busybox `true` container: swiftlet's spawn path (shim included) against `crun run` and the
      `unshare -fpmiu --mount-proc` floor (bench/spawn_bench.py)
  P3  100 pods: apply → all Running; swiftlet's RSS and each monitor's
  P4  wrk through the ClusterIP against wrk to the pod IP, same pod
  P5  Service created → first connection through its ClusterIP, 1000 Services present
  P6  (= B1) `kubectl get pods` over 1000 pods against kubectl reading the same responses (discovery, both Table
      pages) from a static file server (bench/api_benches.py)
  P7  dnsperf against the cluster DNS against dnsmasq serving the same 1000 names
  B2  watch event delivery latency: create sent -> its event on an open watch
  B3  Service created → its ClusterIP in the nftables table, 1000 Services present

P1–P5, P7 and B3 start the machine's one real node, and P2 starts monitors: they run holding
/tmp/swiftlet-node.lock (taken here unless an ancestor, e.g. `flock /tmp/swiftlet-node.lock`, holds it) and tear
down what they made even when they fail. podman, crun, wrk, dnsperf and dnsmasq come from Debian (installed on
first use); podman and crun run in private namespaces and leave nothing on the host.

Usage: bench/run.py [--runs N] [--only P1,P2,...]"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

BIN = os.environ.get("SWIFTLET_BIN", str(REPO / ".build" / "release" / "swiftlet"))
os.environ["SWIFTLET_BIN"] = BIN
IMAGES = Path(os.environ.get("SWIFTLET_IMAGES", REPO / ".build" / "images"))

from api_benches import bench_get_pods, bench_watch_latency  # noqa: E402
from benchlib import NodeLock  # noqa: E402
from node_benches import run_node_benches  # noqa: E402
from peers import PeerSandbox  # noqa: E402
from spawn_bench import bench_spawn  # noqa: E402

ALL = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "B2", "B3"]
NODE = {"P1", "P3", "P4", "P5", "P7", "B3"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=",".join(ALL), help="comma-separated ids (B1 is P6)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured, also into a pipe or a file
    only = {"P6" if x == "B1" else x for x in args.only.split(",") if x}
    unknown = only - set(ALL)
    if unknown:
        ap.error(f"unknown benchmark ids {sorted(unknown)}; known: {', '.join(ALL)} (B1 = P6)")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if os.geteuid() != 0 and only & (NODE | {"P2"}):
        ap.error(f"{sorted(only & (NODE | {'P2'}))} need root (a real node, namespaces, podman)")
    print(f"swiftlet benchmarks ({BIN}), {os.cpu_count()} cores, {args.runs} runs each", flush=True)
    if "P6" in only:
        bench_get_pods(args.runs)
    if "B2" in only:
        bench_watch_latency()
    if only & (NODE | {"P2"}):
        archives = sorted(IMAGES.glob("*.tar"))
        if not archives:
            sys.exit(f"no image archives in {IMAGES}: run `make images` first")
        with NodeLock():
            if "P2" in only:
                with PeerSandbox(IMAGES) as sandbox:
                    bench_spawn(args.runs, sandbox, Path(BIN).parent)
            if only & NODE:
                run_node_benches(only, args.runs, IMAGES, lambda: PeerSandbox(IMAGES))


if __name__ == "__main__":
    main()
