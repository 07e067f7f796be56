"""The API-only benchmarks (a `swiftlet server --no-agent`, no node, no lock):

  P6 (B1)  `kubectl get pods` over 1000 stored pods, against kubectl reading the same responses (discovery + Table)
           from a static file server
  B2       watch event delivery latency: POST acknowledged → event received on an open watch, p50/p99 over 300 writes
"""

import http.server
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import ratio_line, summary, timed
from conftest import Server


def bench_get_pods(runs):
    """P6 (was B1): `kubectl get pods` over 1000 pods against kubectl reading the same bytes from a static server."""
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
    print(summary("P6 (B1) kubectl get pods (1000 pods), swiftlet", ours))
    print(summary("P6 (B1) kubectl get pods (1000 pods), static file server", peer))
    print(ratio_line("P6 (B1) ratio swiftlet/static", ours, peer, 1.5))


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
