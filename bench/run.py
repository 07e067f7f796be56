#!/usr/bin/env python3
"""swiftlet benchmarks (`make bench`): figures with their peer measured in the same run, as ratios, because these
machines are shared and noisy. Each figure: median and min–max over RUNS runs.

  B1  `kubectl get pods` over 1000 stored pods, against kubectl reading the same responses (discovery + Table) from
      a static file server (issue 2 / P6).
  B2  watch event delivery latency: POST acknowledged → event received on an open watch, p50/p99 over 300 writes.
  B3  service proxy rule sync with 1000 Services present: Service created → its ClusterIP in the nftables table
      (issue 5; needs root and runs a real node).

Usage: bench/run.py [--runs N] [--only B1,B2,B3]"""

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from conftest import Server  # noqa: E402
from e2e_lib import Api, wait_until  # noqa: E402

BIN = os.environ.get("SWIFTLET_BIN", str(REPO / ".build" / "release" / "swiftlet"))
os.environ["SWIFTLET_BIN"] = BIN


def summary(name, values, unit="ms"):
    values = sorted(values)
    return f"{name}: median {statistics.median(values):.1f} {unit} (min {values[0]:.1f}, max {values[-1]:.1f}, n={len(values)})"


def timed(argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return (time.perf_counter() - start) * 1000


def bench_get_pods(runs):
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp))
        srv.start()
        try:
            api = srv.api()
            pod = lambda i: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"bench-{i:04d}", "labels": {"app": "bench"}},
                             "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}

            def create(chunk):
                a = srv.api()
                for i in chunk:
                    r = a.post("/api/v1/namespaces/default/pods", pod(i))
                    assert r.status == 201, r
                a.close()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(create, [range(k, 1000, 8) for k in range(8)]))
            ours = [timed(srv.kubectl_argv("get", "pods")) for _ in range(runs)]

            # The peer: the same bytes from a static file server (no TLS, no store, no Table rendering).
            accept_table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            accept_disc = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            recorded = {}
            for path, accept in [("/version", "application/json"), ("/api", accept_disc), ("/apis", accept_disc),
                                 ("/api/v1/namespaces/default/pods", accept_table)]:
                r = api.request("GET", path, headers={"Accept": accept})
                recorded[path] = (r.body, r.headers.get("Content-Type"))
            api.close()
        finally:
            srv.stop()

        class Static(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body, ctype = recorded.get(self.path.split("?")[0], (b"{}", "application/json"))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Static)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        kubeconfig = Path(tmp) / "static.kubeconfig"
        kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: s, cluster: {{server: "http://127.0.0.1:{httpd.server_address[1]}"}}}}]
users: [{{name: s, user: {{}}}}]
contexts: [{{name: s, context: {{cluster: s, user: s, namespace: default}}}}]
current-context: s
""")
        cache = Path(tmp) / "static-cache"
        peer = [timed(["kubectl", "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), "get", "pods"]) for _ in range(runs)]
        httpd.shutdown()
    print(summary("B1 kubectl get pods (1000 pods), swiftlet", ours))
    print(summary("B1 kubectl get pods (1000 pods), static file server", peer))
    print(f"B1 ratio swiftlet/static: {statistics.median(ours) / statistics.median(peer):.2f} (target <= 1.5)")


def bench_watch_latency(writes=300):
    import http.client
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp))
        srv.start()
        try:
            creds = srv.creds
            conn = http.client.HTTPSConnection(creds.host, creds.port, context=creds.ssl_context(True))
            conn.request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1")
            resp = conn.getresponse()
            seen = {}

            def reader():
                buf = b""
                while len(seen) < writes:
                    chunk = resp.read1(65536)
                    if not chunk:
                        return
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        name = json.loads(line)["object"]["metadata"]["name"]
                        seen[name] = time.perf_counter()
            t = threading.Thread(target=reader, daemon=True)
            t.start()
            api = srv.api()
            sent = {}
            for i in range(writes):
                name = f"w-{i}"
                r = api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": name}, "data": {"k": "v"}})
                sent[name] = time.perf_counter()
                assert r.status == 201
            t.join(timeout=30)
            lat = sorted((seen[n] - sent[n]) * 1000 for n in sent if n in seen)
        finally:
            srv.stop()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"B2 watch delivery after 201: p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms (n={len(lat)}; negative = event before the 201 was read)")


def bench_proxy_sync(runs):
    images = REPO / ".build" / "images"
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), agent=True, extra_args=["--no-dns-upstream"])
        srv.start()
        try:
            wait_until(lambda: " Ready " in srv.kubectl("get", "nodes").stdout, timeout=60)

            def create(chunk):
                a = srv.api()
                for i in chunk:
                    r = a.post("/api/v1/namespaces/default/services",
                               {"metadata": {"name": f"s{i:04d}"}, "spec": {"ports": [{"port": 80}], "selector": {"app": f"a{i}"}}})
                    assert r.status == 201, r
                a.close()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(create, [range(k, 1000, 8) for k in range(8)]))
            last_ip = json.loads(srv.kubectl("get", "svc", "s0999", "-o", "json").stdout)["spec"]["clusterIP"]
            wait_until(lambda: last_ip in subprocess.run(["nft", "list", "table", "ip", "swiftlet"], capture_output=True, text=True).stdout,
                       timeout=120, message="1000 services programmed")
            api = srv.api()
            lat = []
            for i in range(runs):
                start = time.perf_counter()
                r = api.post("/api/v1/namespaces/default/services", {"metadata": {"name": f"probe-{i}"}, "spec": {"ports": [{"port": 80}]}})
                ip = r.json()["spec"]["clusterIP"]
                while ip not in subprocess.run(["nft", "list", "map", "ip", "swiftlet", "no-endpoint-services"], capture_output=True, text=True).stdout:
                    time.sleep(0.002)
                lat.append((time.perf_counter() - start) * 1000)
            api.close()
        finally:
            srv.stop()
            subprocess.run([BIN, "reset", "--data-dir", str(srv.data_dir)], capture_output=True)
    print(summary("B3 Service created -> rules in nftables (1000 Services present)", lat))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="B1,B2,B3")
    args = ap.parse_args()
    only = set(args.only.split(","))
    print(f"swiftlet benchmarks ({BIN}), {os.cpu_count()} cores")
    if "B1" in only:
        bench_get_pods(args.runs)
    if "B2" in only:
        bench_watch_latency()
    if "B3" in only:
        bench_proxy_sync(args.runs)


if __name__ == "__main__":
    main()
