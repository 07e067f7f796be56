"""Services on a real node beyond the tutorial: hairpin, fast refusal without endpoints, rule removal on delete,
and the cluster DNS answering A, SRV and PTR to a real resolver (dig) run inside a pod's network namespace."""

import json
import time
from pathlib import Path

import pytest

from conftest import start_node, stop_node
from e2e_lib import wait_until
from test_node_agent import IMAGES_DIR, curl, routes_in_place, run

MANIFESTS = Path(__file__).parent / "manifests"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_node(tmp_path_factory.mktemp("services"), IMAGES_DIR)
    try:
        yield srv
    finally:
        stop_node(srv)


def nginx(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    server.kubectl("expose", "deployment/my-nginx", "-n", ns, "--port=80", "--name=web")

    def ready():
        items = json.loads(server.kubectl("get", "pods", "-n", ns, "-l", "run=my-nginx", "-o", "json").stdout)["items"]
        ok = [p for p in items if p["status"].get("phase") == "Running" and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]
        ep = json.loads(server.kubectl("get", "ep", "web", "-n", ns, "-o", "json", check=False).stdout or "{}")
        addrs = [a for s in ep.get("subsets") or [] for a in s.get("addresses") or []]
        return ok if len(ok) == 2 and len(addrs) == 2 else None
    pods = wait_until(ready, timeout=90, message="2 nginx pods behind service web")
    ip = server.kubectl("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").stdout
    return pods, ip


def netns_of(server, pod):
    return str(Path(server.data_dir) / "netns" / pod["metadata"]["uid"])


def in_pod_netns(server, pod, *argv):
    assert routes_in_place()
    return run("nsenter", f"--net={netns_of(server, pod)}", *argv, check=False)


def test_hairpin_a_pod_reaches_itself_through_its_service(server, ns):
    pods, ip = nginx(server, ns)
    for p in pods:
        name = p["metadata"]["name"]
        # Enough tries that the random endpoint choice lands on the pod itself.
        for _ in range(8):
            r = server.kubectl("exec", name, "-n", ns, "--", "sh", "-c", f"wget -qO- http://{ip}/ 2>&1 || echo FAIL")
            assert "Welcome to nginx!" in r.stdout, r.stdout


def test_service_without_endpoints_refuses_at_once(server, ns):
    server.kubectl("create", "service", "clusterip", "empty", "-n", ns, "--tcp=80:80")
    ip = server.kubectl("get", "svc", "empty", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").stdout

    def refused_quickly():
        start = time.monotonic()
        r = curl(f"http://{ip}/", timeout=3)
        elapsed = time.monotonic() - start
        return (r.returncode == 7 and elapsed) or None   # 7: connection refused
    elapsed = wait_until(refused_quickly, timeout=20, message="connection refused by the proxy")
    assert elapsed < 0.1, f"refused after {elapsed * 1000:.0f} ms"


def test_deleting_a_service_removes_its_rules_within_a_second(server, ns):
    _, ip = nginx(server, ns)
    assert ip in run("nft", "list", "table", "ip", "swiftlet").stdout
    server.kubectl("delete", "svc", "web", "-n", ns, "--wait=false")
    start = time.monotonic()
    wait_until(lambda: ip not in run("nft", "list", "table", "ip", "swiftlet").stdout, timeout=5, interval=0.02,
               message="rules gone")
    assert time.monotonic() - start < 1.0


def test_dns_answers_a_srv_and_ptr(server, ns):
    pods, ip = nginx(server, ns)
    server.kubectl("patch", "svc", "web", "-n", ns, "--type=json",
                   "-p", '[{"op":"add","path":"/spec/ports/0/name","value":"http"}]')
    pod = pods[0]

    def dig(*args):
        r = in_pod_netns(server, pod, "dig", "@10.96.0.10", "+short", "+time=2", "+tries=1", *args)
        return r.stdout.strip()
    assert wait_until(lambda: dig(f"web.{ns}.svc.cluster.local", "A") == ip, timeout=20, message="A record")
    srv = dig(f"_http._tcp.web.{ns}.svc.cluster.local", "SRV")
    assert srv.endswith(f"80 web.{ns}.svc.cluster.local."), srv
    assert dig("-x", ip) == f"web.{ns}.svc.cluster.local."
    pod_ip = pod["status"]["podIP"]
    assert dig(f"{pod_ip.replace('.', '-')}.{ns}.pod.cluster.local", "A") == pod_ip
    r = in_pod_netns(server, pod, "dig", "@10.96.0.10", "+time=2", "+tries=1", f"nope.{ns}.svc.cluster.local")
    assert "status: NXDOMAIN" in r.stdout
    r = in_pod_netns(server, pod, "dig", "@10.96.0.10", "+tcp", "+short", "+time=2", "+tries=1", f"web.{ns}.svc.cluster.local")
    assert r.stdout.strip() == ip


def conntrack_entries(address, port):
    """The kernel's connection-tracking entries to `address:port` (any protocol), as lines of /proc/net/nf_conntrack."""
    lines = Path("/proc/net/nf_conntrack").read_text().splitlines()
    return [line for line in lines if f"dst={address} " in line and f"dport={port} " in line]


def test_pod_dns_reaches_the_local_dns_without_nat_or_conntrack(server, ns):
    """kube-dns's ClusterIP is a local address of the node, its DNS traffic untracked: no DNAT, no conntrack entry."""
    pods, _ = nginx(server, ns)
    pod = pods[0]
    bridge = run("ip", "-4", "-o", "addr", "show", "dev", "swiftlet0").stdout
    assert " 10.96.0.10/32 " in bridge, bridge
    for transport in ([], ["+tcp"]):
        r = in_pod_netns(server, pod, "dig", "@10.96.0.10", *transport, "+short", "+time=2", "+tries=1",
                         "kubernetes.default.svc.cluster.local", "A")
        assert r.stdout.strip() == "10.96.0.1", (transport, r.stdout, r.stderr)
    # Replies come from the address that was asked: dig checks that too, and NAT would have had to rewrite it.
    assert conntrack_entries("10.96.0.10", 53) == []
    # The bridge address, the endpoint kube-dns publishes, still answers (tracked, as any other pod traffic).
    r = in_pod_netns(server, pod, "dig", "@10.244.0.1", "+short", "+time=2", "+tries=1", "kubernetes.default.svc.cluster.local")
    assert r.stdout.strip() == "10.96.0.1"


def test_a_pod_reaches_the_api_with_its_service_account_token(server, ns):
    """The kube-api-access volume on a real node: token, CA and namespace files, read-only; the API reached by name
    through the `kubernetes` Service, the server certificate verified with the mounted CA, the token accepted, and
    the default account allowed discovery but not pods."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
           "spec": {"containers": [{"name": "c", "image": "radial/busyboxplus:curl", "command": ["sh", "-c", "sleep 3600"]}]}}
    server.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(pod))
    wait_until(lambda: server.kubectl("get", "pod", "client", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
               timeout=60, message="client pod running")
    assert routes_in_place()

    def sh(cmd):
        return server.kubectl("exec", "client", "-n", ns, "--", "sh", "-c", cmd, check=False)
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert sh(f"cat {sa}/namespace").stdout == ns
    assert sh(f"cat {sa}/ca.crt").stdout == open(server.creds.ca_file).read()
    assert sh(f"touch {sa}/x").returncode != 0          # read-only
    token = sh(f"cat {sa}/token").stdout
    claims = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[1] + "=" * (-len(token.split(".")[1]) % 4)))
    uid = server.kubectl("get", "pod", "client", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout
    assert claims["kubernetes.io"]["pod"] == {"name": "client", "uid": uid}
    assert claims["exp"] - claims["iat"] == 3607

    curl_api = f'curl -sS --max-time 5 --cacert {sa}/ca.crt -H "Authorization: Bearer $(cat {sa}/token)" https://kubernetes.default.svc'
    r = sh(f"{curl_api}/api")
    assert json.loads(r.stdout)["kind"] == "APIVersions", r
    r = sh(f"{curl_api}/api/v1/namespaces/{ns}/pods")
    st = json.loads(r.stdout)
    assert st["code"] == 403 and st["message"].startswith(f'pods is forbidden: User "system:serviceaccount:{ns}:default"'), st
