"""The benchmarks on one real node (swiftlet server with its agent, proxy and DNS), in this order:

  P1  the tutorial Deployment at 2 and 10 replicas: `kubectl apply` → HTTP answers on every pod IP, against
      `podman kube play` in the peer sandbox (interleaved run by run)
  P3  100 pods: apply → all Running; swiftlet's RSS and each monitor's
  P4  wrk through the ClusterIP against wrk to the pod IP, same pod (requests/s)
  --  1000 Services are created here; they stay for what follows
  B3  Service created → its ClusterIP in the nftables table
  P5  Service created → first TCP connection through its ClusterIP reaches the pod
  P7  dnsperf against the cluster DNS (on kube-dns's ClusterIP) against dnsmasq serving the same 1000 names

Traffic goes only to pod and Service addresses of this node, after its routes are in place (DESIGN §6), and to
loopback."""

import http.client
import json
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import (elapsed_ms, ensure_debs, http_ok, median_ratio, processes_named, ratio_line, rss_kb, summary,
                      tcp_connects)

TUTORIAL = Path("/work/shared/tutorial/run-my-nginx.yaml")
DNS_CLUSTER_IP = "10.96.0.10"
DNSMASQ_ADDRESS = "127.0.0.153"


def routes_in_place():
    from test_node_agent import routes_in_place as check
    return check()


def require_routes():
    if not routes_in_place():
        raise RuntimeError("swiftlet's routes are not in place; refusing to send traffic to pod or Service addresses")


def pods(api, selector):
    r = api.get(f"/api/v1/namespaces/default/pods?labelSelector={selector}")
    assert r.status == 200, r
    return r.json()["items"]


def wait_pods_gone(api, selector, timeout=180):
    deadline = time.monotonic() + timeout
    while pods(api, selector):
        if time.monotonic() > deadline:
            raise AssertionError(f"pods {selector} still there after {timeout} s")
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------------------- P1

class PodIPWatch:
    """Pod IPs as the API reports them, from a watch opened before the pods exist: the benchmark learns each IP
    the moment it is set, without polling (which would take the API server's CPU from the pods it measures)."""

    def __init__(self, node, api, selector):
        rv = api.get(f"/api/v1/namespaces/default/pods?labelSelector={selector}").json()["metadata"]["resourceVersion"]
        creds = node.creds
        self.conn = http.client.HTTPSConnection(creds.host, creds.port, context=creds.ssl_context(True))
        self.conn.connect()
        self.sock = self.conn.sock
        self.conn.request("GET", f"/api/v1/namespaces/default/pods?watch=true&labelSelector={selector}&resourceVersion={rv}")
        self.resp = self.conn.getresponse()
        self.ips = set()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        try:
            while True:
                chunk = self.resp.read1(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    event = json.loads(line)
                    ip = event["object"].get("status", {}).get("podIP")
                    if ip and event["type"] != "DELETED":
                        with self.lock:
                            self.ips.add(ip)
        except (OSError, ValueError, http.client.HTTPException):
            return  # the socket was shut down by close()

    def current(self):
        with self.lock:
            return set(self.ips)

    def close(self):
        # Shut the socket down first: the reader blocks in a read that holds the response's buffer, and closing
        # the response under it would wait for that read for ever.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.reader.join(timeout=10)
        self.conn.close()


def p1_ours_once(node, api, manifest, replicas):
    """kubectl apply, then: every pod has an IP and answers HTTP. Returns (total ms, kubectl apply ms)."""
    watch = PodIPWatch(node, api, "run%3Dmy-nginx")
    try:
        start = time.perf_counter()
        node.kubectl("apply", "-f", str(manifest))
        apply_ms = elapsed_ms(start)
        answered = set()
        deadline = time.monotonic() + 120
        while len(answered) < replicas:
            for ip in watch.current() - answered:
                if http_ok(ip, timeout=0.1):
                    answered.add(ip)
            if time.monotonic() > deadline:
                raise AssertionError(f"P1: {len(answered)} of {replicas} pods answered within 120 s")
            time.sleep(0.002)
        total = elapsed_ms(start)
    finally:
        watch.close()
    node.kubectl("delete", "deployment", "my-nginx")
    wait_pods_gone(api, "run%3Dmy-nginx")
    return total, apply_ms


def bench_tutorial_deployment(node, api, sandbox, runs, tmp):
    require_routes()
    manifests = {2: TUTORIAL}
    manifests[10] = Path(tmp) / "run-my-nginx-10.yaml"
    manifests[10].write_text(TUTORIAL.read_text().replace("replicas: 2", "replicas: 10"))
    # Warm-up, not counted: kubectl's discovery cache, podman's pause image (built on its first pod), page caches.
    p1_ours_once(node, api, manifests[2], 2)
    sandbox.ask(op="kube_play", replicas=2)
    ours = {2: [], 10: []}
    ours_apply = {2: [], 10: []}
    peer = {2: [], 10: []}
    peer_play = {2: [], 10: []}
    for _ in range(runs):
        for n in (2, 10):
            total, apply_ms = p1_ours_once(node, api, manifests[n], n)
            ours[n].append(total)
            ours_apply[n].append(apply_ms)
            answer = sandbox.ask(op="kube_play", replicas=n)
            peer[n].append(answer["ms"])
            peer_play[n].append(answer["play_ms"])
    for n, target in ((2, 10), (10, 20)):
        print(summary(f"P1 tutorial Deployment, {n} replicas, swiftlet: kubectl apply -> HTTP on every pod IP", ours[n]))
        print(summary(f"P1 tutorial Deployment, {n} replicas, swiftlet: of which kubectl apply", ours_apply[n]))
        print(summary(f"P1 tutorial Deployment, {n} replicas, podman kube play -> HTTP on every pod IP", peer[n]))
        print(summary(f"P1 tutorial Deployment, {n} replicas, podman: of which podman kube play", peer_play[n]))
        print(ratio_line(f"P1 speed-up podman/swiftlet at {n} replicas", peer[n], ours[n], target, better="higher"))


# ---------------------------------------------------------------------------------------------------------- P3

P3_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: p3
spec:
  replicas: 100
  selector:
    matchLabels:
      app: p3
  template:
    metadata:
      labels:
        app: p3
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: radial/busyboxplus:curl
        command: ["sleep", "3600"]
"""


def bench_hundred_pods(node, api, runs, tmp):
    manifest = Path(tmp) / "p3.yaml"
    manifest.write_text(P3_DEPLOYMENT)
    server_pid = node.proc.pid
    idle_rss = rss_kb(server_pid)[0] / 1024
    times, server_rss, server_pss, shim_rss, shim_pss = [], [], [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        node.kubectl("apply", "-f", str(manifest))
        deadline = time.monotonic() + 300
        while sum(1 for p in pods(api, "app%3Dp3") if p["status"].get("phase") == "Running") < 100:
            if time.monotonic() > deadline:
                raise AssertionError("P3: 100 pods not Running within 300 s")
            time.sleep(0.1)
        times.append(elapsed_ms(start) / 1000)
        rss, pss = rss_kb(server_pid)
        server_rss.append(rss / 1024)
        server_pss.append(pss / 1024)
        shims = processes_named("swiftlet-shim")
        if len(shims) != 100:
            raise AssertionError(f"P3: {len(shims)} swiftlet-shim processes for 100 running pods")
        for pid in shims:
            rss, pss = rss_kb(pid)
            shim_rss.append(rss / 1024)
            shim_pss.append(pss / 1024)
        node.kubectl("delete", "deployment", "p3")
        wait_pods_gone(api, "app%3Dp3", timeout=300)
    print(summary("P3 100 pods, kubectl apply -> all Running", times, unit="s", digits=2))
    print(f"P3 swiftlet RSS before the first 100 pods (after P1): {idle_rss:.1f} MB")
    print(summary("P3 swiftlet RSS with 100 pods running", server_rss, unit="MB"))
    print(summary("P3 swiftlet PSS with 100 pods running", server_pss, unit="MB"))
    print(summary("P3 swiftlet-shim RSS per monitor", shim_rss, unit="MB", digits=2))
    print(summary("P3 swiftlet-shim PSS per monitor", shim_pss, unit="MB", digits=2))
    rss = statistics.median(server_rss)
    per = statistics.median(shim_rss)
    print(f"P3 targets: swiftlet <= 64 MB ({rss:.1f}, {'met' if rss <= 64 else 'MISSED'}), "
          f"<= 1 MB per monitor ({per:.2f}, {'met' if per <= 1 else 'MISSED'})")


# ---------------------------------------------------------------------------------------------------------- P4

P4_MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: p4
spec:
  replicas: 1
  selector:
    matchLabels:
      app: p4
  template:
    metadata:
      labels:
        app: p4
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: p4
spec:
  selector:
    app: p4
  ports:
  - port: 80
"""


def start_p4_backend(node, api, tmp):
    """One nginx pod behind a Service; returns (pod IP, ClusterIP) once both answer HTTP. It stays: P5 uses it."""
    manifest = Path(tmp) / "p4.yaml"
    manifest.write_text(P4_MANIFEST)
    node.kubectl("apply", "-f", str(manifest))
    cluster_ip = json.loads(node.kubectl("get", "svc", "p4", "-o", "json").stdout)["spec"]["clusterIP"]
    deadline = time.monotonic() + 60
    while True:
        ips = [p["status"].get("podIP") for p in pods(api, "app%3Dp4") if p["status"].get("phase") == "Running"]
        if ips and ips[0] and http_ok(ips[0]) and http_ok(cluster_ip):
            return ips[0], cluster_ip
        if time.monotonic() > deadline:
            raise AssertionError("P4: nginx pod or its ClusterIP did not answer within 60 s")
        time.sleep(0.1)


def wrk(ip, seconds):
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", f"http://{ip}/"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if not m or errors:
        raise AssertionError(f"wrk against {ip}: {out}")
    return float(m.group(1))


def bench_cluster_ip_throughput(pod_ip, cluster_ip, runs, seconds=5):
    ensure_debs("wrk")
    require_routes()
    wrk(pod_ip, 1)  # warm-up
    direct, via_service = [], []
    for _ in range(runs):
        direct.append(wrk(pod_ip, seconds))
        via_service.append(wrk(cluster_ip, seconds))
    print(summary(f"P4 wrk -t1 -c8 -d{seconds}s to the pod IP", direct, unit="req/s", digits=0))
    print(summary(f"P4 wrk -t1 -c8 -d{seconds}s through the ClusterIP (same pod)", via_service, unit="req/s", digits=0))
    print(ratio_line("P4 ratio ClusterIP/pod IP (requests/s)", via_service, direct, 0.95, better="higher"))


# ---------------------------------------------------------------------------------------------------------- 1000 Services

def create_services(node, count=1000):
    def create(chunk):
        a = node.api()
        for i in chunk:
            r = a.post("/api/v1/namespaces/default/services",
                       {"metadata": {"name": f"s{i:04d}"}, "spec": {"ports": [{"port": 80}], "selector": {"app": f"a{i}"}}})
            assert r.status == 201, r
        a.close()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, [range(k, count, 8) for k in range(8)]))
    items = json.loads(node.kubectl("get", "svc", "-o", "json").stdout)["items"]
    addresses = {s["metadata"]["name"]: s["spec"]["clusterIP"] for s in items if re.fullmatch(r"s\d{4}", s["metadata"]["name"])}
    last_ip = addresses[f"s{count - 1:04d}"]
    deadline = time.monotonic() + 120
    while last_ip not in nft_list("table", "ip", "swiftlet"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} services not programmed within 120 s")
        time.sleep(0.1)
    return addresses


def nft_list(*what):
    return subprocess.run(["nft", "list", *what], capture_output=True, text=True).stdout


# Between two runs of B3/P5: the proxy's pacing (a burst of two syncs, then one per 100 ms) refills, so each run
# starts from a quiet proxy instead of inheriting the previous run's pacing.
SETTLE_S = 1.0


def bench_proxy_sync(api, runs):
    lat = []
    for i in range(runs):
        time.sleep(SETTLE_S)
        start = time.perf_counter()
        r = api.post("/api/v1/namespaces/default/services", {"metadata": {"name": f"probe-{i}"}, "spec": {"ports": [{"port": 80}]}})
        ip = r.json()["spec"]["clusterIP"]
        while ip not in nft_list("map", "ip", "swiftlet", "no-endpoint-services"):
            time.sleep(0.002)
        lat.append(elapsed_ms(start))
    print(summary("B3 Service created -> rules in nftables (1000 Services present)", lat))


def bench_first_connection(api, runs):
    """A new Service selecting P4's nginx pod: POST → the first TCP connection to its ClusterIP succeeds (then
    checked to be nginx answering). Each attempt waits at most 20 ms: a SYN sent before the rules exist is lost."""
    require_routes()
    lat = []
    for i in range(runs):
        time.sleep(SETTLE_S)
        start = time.perf_counter()
        r = api.post("/api/v1/namespaces/default/services",
                     {"metadata": {"name": f"p5-{i}"}, "spec": {"selector": {"app": "p4"}, "ports": [{"port": 80}]}})
        assert r.status == 201, r
        ip = r.json()["spec"]["clusterIP"]
        deadline = time.monotonic() + 30
        while not tcp_connects(ip, 80, 0.02):
            if time.monotonic() > deadline:
                raise AssertionError(f"P5: no connection to {ip}:80 within 30 s")
            time.sleep(0.001)  # a rejected attempt returns at once: leave the cores to the server meanwhile
        lat.append(elapsed_ms(start))
        if not http_ok(ip):
            raise AssertionError(f"P5: {ip}:80 accepted a connection but nginx did not answer")
    print(summary("P5 Service created -> first connection through its ClusterIP (1000 Services present)", lat))
    m = statistics.median(lat)
    print(f"P5 target <= 50 ms ({m:.1f}, {'met' if m <= 50 else 'MISSED'})")


# ---------------------------------------------------------------------------------------------------------- P7

def dnsperf(server, queries, seconds):
    out = subprocess.run(["dnsperf", "-s", server, "-d", str(queries), "-l", str(seconds)], capture_output=True,
                         text=True, check=True).stdout
    qps = re.search(r"Queries per second:\s+([\d.]+)", out)
    noerror = re.search(r"Response codes:\s+NOERROR \d+ \(100\.00%\)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    sent = re.search(r"Queries sent:\s+(\d+)", out)
    # A lost query (no answer within dnsperf's 5 s) costs its server the throughput; more than 1 % is a fault.
    if not qps or not noerror or not sent or int(lost.group(1)) > int(sent.group(1)) // 100:
        raise AssertionError(f"dnsperf against {server}: {out}")
    return float(qps.group(1))


def bench_dns(addresses, bridge_ip, runs, seconds=5):
    """The 1000 Services' A records from the cluster DNS (through kube-dns's ClusterIP, as pods ask it) and from
    dnsmasq on a loopback address with the same records as an addn-hosts file, forwarding nowhere."""
    ensure_debs("dnsperf", "dnsmasq-base")
    require_routes()
    # dnsmasq reads its hosts file after dropping to `nobody`: a directory of its own that nobody may read.
    tmp = Path(tempfile.mkdtemp(prefix="bench-dnsmasq-"))
    tmp.chmod(0o755)
    names = {f"{name}.default.svc.cluster.local": ip for name, ip in sorted(addresses.items())}
    (tmp / "queries").write_text("".join(f"{n} A\n" for n in names))
    (tmp / "hosts").write_text("".join(f"{ip} {n}\n" for n, ip in names.items()))
    (tmp / "hosts").chmod(0o644)
    dnsmasq = subprocess.Popen(["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-poll", "--no-hosts",
                                f"--addn-hosts={tmp / 'hosts'}", f"--listen-address={DNSMASQ_ADDRESS}",
                                "--bind-interfaces", "--port=53", "--pid-file=", "--user=nobody", "--group=nogroup",
                                "--log-facility=-"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["dig", "+short", "+time=1", "+tries=1", f"@{DNSMASQ_ADDRESS}", "s0000.default.svc.cluster.local"],
                             capture_output=True, text=True).stdout.strip() != addresses["s0000"]:
            if dnsmasq.poll() is not None or time.monotonic() > deadline:
                dnsmasq.terminate()
                raise AssertionError(f"dnsmasq did not answer for s0000: {dnsmasq.communicate(timeout=10)[1]}")
            time.sleep(0.1)
        dnsperf(DNS_CLUSTER_IP, tmp / "queries", 1)  # warm-up
        dnsperf(DNSMASQ_ADDRESS, tmp / "queries", 1)
        ours, direct, peer = [], [], []
        for _ in range(runs):
            ours.append(dnsperf(DNS_CLUSTER_IP, tmp / "queries", seconds))
            direct.append(dnsperf(bridge_ip, tmp / "queries", seconds))
            peer.append(dnsperf(DNSMASQ_ADDRESS, tmp / "queries", seconds))
    finally:
        if dnsmasq.poll() is None:
            dnsmasq.terminate()
            dnsmasq.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(summary(f"P7 dnsperf {seconds}s, 1000 Service names, cluster DNS via {DNS_CLUSTER_IP}", ours, unit="q/s", digits=0))
    print(summary(f"P7 dnsperf {seconds}s, 1000 Service names, cluster DNS on {bridge_ip} (no DNAT)", direct, unit="q/s", digits=0))
    print(summary(f"P7 dnsperf {seconds}s, 1000 Service names, dnsmasq on {DNSMASQ_ADDRESS}", peer, unit="q/s", digits=0))
    print(ratio_line("P7 ratio cluster DNS/dnsmasq (queries/s)", ours, peer, 1, better="higher"))
    print(f"P7 ratio cluster DNS without DNAT/dnsmasq: {median_ratio(direct, peer):.2f}")


# ---------------------------------------------------------------------------------------------------------- the node

def run_node_benches(only, runs, images, sandbox_factory):
    """One node for every real-node figure; torn down (pods deleted, server stopped, `swiftlet reset`) even when a
    benchmark fails."""
    from conftest import start_node, stop_node
    with tempfile.TemporaryDirectory(prefix="bench-node-") as tmp:
        node = start_node(tmp, images)
        api = node.api()
        try:
            if "P1" in only:
                with sandbox_factory() as sandbox:
                    bench_tutorial_deployment(node, api, sandbox, runs, tmp)
            if "P3" in only:
                bench_hundred_pods(node, api, runs, tmp)
            if only & {"P4", "P5"}:
                pod_ip, cluster_ip = start_p4_backend(node, api, tmp)
                if "P4" in only:
                    bench_cluster_ip_throughput(pod_ip, cluster_ip, runs)
            if only & {"B3", "P5", "P7"}:
                addresses = create_services(node)
                if "B3" in only:
                    bench_proxy_sync(api, runs)
                if "P5" in only:
                    bench_first_connection(api, runs)
                if "P7" in only:
                    bench_dns(addresses, node_bridge_ip(), runs)
        finally:
            api.close()
            # Deployments first, or their ReplicaSets would replace the pods stop_node deletes.
            node.kubectl("delete", "deployments", "--all", "--wait=false", check=False)
            stop_node(node)
            check_host_clean()


def check_host_clean():
    """What a node makes must be gone after `swiftlet reset`: the bridge, the nftables table, the monitors."""
    left = []
    if subprocess.run(["ip", "link", "show", "swiftlet0"], capture_output=True).returncode == 0:
        left.append("bridge swiftlet0")
    if subprocess.run(["nft", "list", "table", "ip", "swiftlet"], capture_output=True).returncode == 0:
        left.append("nft table ip swiftlet")
    shims = processes_named("swiftlet-shim")
    if shims:
        left.append(f"swiftlet-shim processes {shims}")
    if left:
        raise RuntimeError(f"after swiftlet reset the host still has: {', '.join(left)}")


def node_bridge_ip():
    out = subprocess.run(["ip", "-4", "-br", "addr", "show", "swiftlet0"], capture_output=True, text=True).stdout.split()
    return out[2].split("/")[0]
