"""The API-only benchmarks (a `swiftlet server --no-agent`, no node, no lock):

  P6 (B1)  `kubectl get pods` over 1000 stored pods, against the same kubectl reading the same responses from a
           static file server: a recording proxy first saves to files every response kubectl needs (discovery, both
           500-pod pages of the Table), then a plain HTTP server serves those files
  B2       watch event delivery latency: from just before a create is sent to its event on an open watch, p50/p99
           over 300 creates
"""

import hashlib
import http.client
import http.server
import json
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import ratio_line, summary, timed
from conftest import Server

PODS = 1000


def bench_get_pods(runs):
    """P6 (was B1): `kubectl get pods` over 1000 pods against kubectl reading the same bytes from a static server."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        srv = Server(tmp)
        srv.start()
        peer = StaticPeer(tmp / "peer", upstream=srv)
        try:
            create_pods(srv, PODS)
            # Both kubectls run with a warm discovery cache: one untimed run each fills it. The peer's is the
            # recording run: kubectl talks to swiftlet through it, and it saves every answer kubectl asked for.
            timed(srv.kubectl_argv("get", "pods"))
            ours = [timed(srv.kubectl_argv("get", "pods")) for _ in range(runs)]
            timed(peer.kubectl_argv("get", "pods"))
            ours_rows = table_rows(srv.kubectl_argv("get", "pods"))
        finally:
            peer.upstream = None
            srv.stop()
        try:
            peer_runs = [timed(peer.kubectl_argv("get", "pods")) for _ in range(runs)]
            peer_rows = table_rows(peer.kubectl_argv("get", "pods"))
            recorded = peer.recorded()
        finally:
            peer.close()
    assert not peer.misses, f"the static peer was asked for what it had not recorded: {peer.misses}"
    assert ours_rows == peer_rows == PODS, f"rows printed: swiftlet {ours_rows}, static {peer_rows}, want {PODS}"
    print(summary(f"P6 (B1) kubectl get pods ({PODS} pods), swiftlet", ours))
    print(summary(f"P6 (B1) kubectl get pods ({PODS} pods), static file server ({recorded} recorded responses)",
                  peer_runs))
    print(ratio_line("P6 (B1) ratio swiftlet/static", ours, peer_runs, 1.5))


def table_rows(argv):
    """How many pods `kubectl get pods` printed (lines after the header)."""
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return len(out.splitlines()) - 1


def create_pods(srv, count):
    pod = lambda i: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"bench-{i:04d}", "labels": {"app": "bench"}},
                     "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}

    def create(chunk):
        a = srv.api()
        for i in chunk:
            r = a.post("/api/v1/namespaces/default/pods", pod(i))
            assert r.status == 201, r
        a.close()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, [range(k, count, 8) for k in range(8)]))


class StaticPeer:
    """A plain HTTP server on loopback that answers from files, one per request kubectl makes (keyed by path and
    query, so both pages of a paged list are there). While `upstream` (a running swiftlet Server) is set it records:
    each request is forwarded with kubectl's Accept header and the answer saved to its file before it is served."""

    def __init__(self, directory, upstream=None):
        self.dir = Path(directory)
        self.files = self.dir / "responses"
        self.files.mkdir(parents=True)
        self.upstream = upstream
        self.misses = []
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                body_file, meta_file = peer._files(self.path)
                if peer.upstream is not None:
                    peer._record(self.path, self.headers.get("Accept"), body_file, meta_file)
                if not meta_file.exists():
                    peer.misses.append(self.path)
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                meta = json.loads(meta_file.read_text())
                body = body_file.read_bytes()
                self.send_response(meta["status"])
                self.send_header("Content-Type", meta["contentType"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.kubeconfig = self.dir / "kubeconfig"
        self.kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: s, cluster: {{server: "http://127.0.0.1:{self.httpd.server_address[1]}"}}}}]
users: [{{name: s, user: {{}}}}]
contexts: [{{name: s, context: {{cluster: s, user: s, namespace: default}}}}]
current-context: s
""")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubectl_argv(self, *args):
        return ["kubectl", "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.dir / "cache"), *args]

    def recorded(self):
        return len(list(self.files.glob("*.meta")))

    def _files(self, target):
        key = hashlib.sha256(target.encode()).hexdigest()
        return self.files / f"{key}.body", self.files / f"{key}.meta"

    def _record(self, target, accept, body_file, meta_file):
        api = self.upstream.api()
        try:
            r = api.request("GET", target, headers={"Accept": accept} if accept else None)
        finally:
            api.close()
        body_file.write_bytes(r.body)
        meta_file.write_text(json.dumps({"status": r.status, "path": target,
                                         "contentType": r.headers.get("Content-Type", "application/json")}))


def bench_watch_latency(writes=300):
    """B2: a create is timed from just before its request is written to the arrival of its event on a watch opened
    at the list's resourceVersion (so nothing older arrives); exactly the created objects' events are counted."""
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp))
        srv.start()
        try:
            api = srv.api()
            rv = api.get("/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"]
            creds = srv.creds
            conn = http.client.HTTPSConnection(creds.host, creds.port, context=creds.ssl_context(True))
            conn.request("GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}")
            resp = conn.getresponse()
            names = [f"w-{i}" for i in range(writes)]
            expected = set(names)
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
                        arrived = time.perf_counter()
                        event = json.loads(line)
                        name = event["object"]["metadata"]["name"]
                        if event["type"] == "ADDED" and name in expected:
                            seen.setdefault(name, arrived)
            t = threading.Thread(target=reader, daemon=True)
            t.start()
            sent = {}
            for name in names:
                sent[name] = time.perf_counter()
                r = api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": name}, "data": {"k": "v"}})
                assert r.status == 201, r
            t.join(timeout=30)
            conn.close()
            api.close()
        finally:
            srv.stop()
    assert len(seen) == writes, f"{writes - len(seen)} of {writes} create events never arrived"
    lat = sorted((seen[n] - sent[n]) * 1000 for n in names)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"B2 watch delivery, create sent -> event received: p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms (n={len(lat)})")
