"""Services on a real node beyond the tutorial: hairpin, fast refusal without endpoints, rule removal on delete,
UDP, dropped unallocated service addresses, session affinity, the traffic policies, terminating endpoints, rules
reconciled at start, and the cluster DNS answering a real resolver (dig) run inside a pod's network namespace."""

import json
import re
import secrets
import time
from pathlib import Path

import pytest

from conftest import start_node, stop_node
from e2e_lib import wait_until
from services_lib import (UDPEcho, apply, bridge_address, cluster_ip, dig, dig_short, dig_status, endpoint_slice,
                          in_pod_netns, node_address, running_pods, served_by, service, sleeper_pod, slice_endpoints,
                          udp_ask, wait_ready_endpoints, who, who_from_pod, who_pod)
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
    return pods, cluster_ip(server, ns, "web")


def proxy_table():
    return run("nft", "list", "table", "ip", "swiftlet").stdout


def test_hairpin_a_pod_reaches_itself_through_its_service(server, ns):
    """A Service whose only endpoint is the pod itself: the request comes back to that pod, masqueraded (kube-proxy's
    hairpin rule) so that the pod sees it from the node's bridge address and its reply returns through the proxy."""
    pods, _ = nginx(server, ns)
    me, other = pods[0]["metadata"]["name"], pods[1]["metadata"]["name"]
    server.kubectl("label", "pod", me, "-n", ns, "hairpin=self")
    apply(server, ns, service("self", {"hairpin": "self"}, [{"port": 80, "targetPort": 80}]))
    wait_ready_endpoints(server, ns, "self", [pods[0]["status"]["podIP"]])
    ip = cluster_ip(server, ns, "self")
    path = f"/?hairpin={secrets.token_hex(4)}"
    r = server.kubectl("exec", me, "-n", ns, "--", "sh", "-c", f"wget -qO- 'http://{ip}{path}' 2>&1 || echo FAIL")
    assert "Welcome to nginx!" in r.stdout, r.stdout
    line = wait_until(lambda: next((ln for ln in server.kubectl("logs", me, "-n", ns).stdout.splitlines() if path in ln), None),
                      timeout=10, message=f"{me}'s log shows {path}")
    assert line.split()[0] == bridge_address(), line
    assert path not in server.kubectl("logs", other, "-n", ns).stdout


def test_service_without_endpoints_refuses_at_once(server, ns):
    server.kubectl("create", "service", "clusterip", "empty", "-n", ns, "--tcp=80:80")
    ip = cluster_ip(server, ns, "empty")

    # Until the proxy has the Service, its address counts as unallocated and is dropped: a connection started then
    # is refused only on a retransmission. So first wait for a refusal, then time a new connection.
    wait_until(lambda: curl(f"http://{ip}/", timeout=3).returncode == 7, timeout=20,   # 7: connection refused
               message="connection refused by the proxy")
    start = time.monotonic()
    r = curl(f"http://{ip}/", timeout=3)
    elapsed = time.monotonic() - start
    assert r.returncode == 7 and elapsed < 0.1, f"{r} after {elapsed * 1000:.0f} ms"


def test_deleting_a_service_removes_its_rules_within_a_second(server, ns):
    _, ip = nginx(server, ns)
    assert ip in proxy_table()
    start = time.monotonic()
    server.kubectl("delete", "svc", "web", "-n", ns, "--wait=false")
    wait_until(lambda: ip not in proxy_table(), timeout=5, interval=0.02, message="rules gone")
    elapsed = time.monotonic() - start
    assert elapsed < 1.0, f"rules removed {elapsed * 1000:.0f} ms after `kubectl delete` started"


def test_dns_answers_a_srv_and_ptr(server, ns):
    pods, ip = nginx(server, ns)
    server.kubectl("patch", "svc", "web", "-n", ns, "--type=json",
                   "-p", '[{"op":"add","path":"/spec/ports/0/name","value":"http"}]')
    pod = pods[0]
    assert wait_until(lambda: dig_short(server, pod, f"web.{ns}.svc.cluster.local", "A") == ip, timeout=20, message="A record")
    # The port's new name reaches DNS a moment after the patch.
    wait_until(lambda: dig_short(server, pod, f"_http._tcp.web.{ns}.svc.cluster.local", "SRV") == f"0 100 80 web.{ns}.svc.cluster.local.",
               timeout=10, message="SRV record for the port named by the patch")
    assert dig_short(server, pod, "-x", ip) == f"web.{ns}.svc.cluster.local."
    pod_ip = pod["status"]["podIP"]
    dashed = pod_ip.replace(".", "-")
    assert dig_short(server, pod, f"{dashed}.{ns}.pod.cluster.local", "A") == pod_ip
    # A pod IP behind a Service is named as its endpoint (CoreDNS's reverse lookup through the endpoints).
    assert dig_short(server, pod, "-x", pod_ip) == f"{dashed}.web.{ns}.svc.cluster.local."
    assert dig_status(dig(server, pod, f"nope.{ns}.svc.cluster.local"))[0] == "NXDOMAIN"
    assert dig_short(server, pod, "+tcp", f"web.{ns}.svc.cluster.local") == ip


def test_dns_headless_service_answers_its_ready_endpoints_and_hostnames(server, ns):
    """A headless Service: its name resolves to the ready endpoints only; a pod with hostname and subdomain gets
    `<hostname>.<service>.<ns>.svc` (A and PTR), one without gets its dashed IP; SRV lists both."""
    labels = {"dns": "hl"}
    # A pod that never turns ready: its endpoint is listed not ready, and DNS leaves it out.
    never_ready = sleeper_pod("unready", labels)
    never_ready["spec"]["containers"][0]["readinessProbe"] = {"exec": {"command": ["false"]}, "periodSeconds": 1}
    apply(server, ns, service("hl", labels, [{"name": "http", "port": 80}], clusterIP="None"),
          sleeper_pod("box", labels, hostname="box", subdomain="hl"), sleeper_pod("plain", labels), never_ready)
    pods = running_pods(server, ns, {"box", "plain"})
    box, plain = pods["box"]["status"]["podIP"], pods["plain"]["status"]["podIP"]
    unready_ip = wait_until(lambda: next((ip for ip, c in slice_endpoints(server, ns, "hl").items() if c.get("ready") is False), None),
                            timeout=30, message="the unready pod listed as a not-ready endpoint")
    client = pods["plain"]
    name = f"hl.{ns}.svc.cluster.local"
    wait_until(lambda: sorted(dig_short(server, client, name, "A").split()) == sorted([box, plain]), timeout=20,
               message="the headless Service resolves to its two ready endpoints")
    assert unready_ip not in dig_short(server, client, name, "A")
    assert dig_short(server, client, f"box.{name}", "A") == box
    assert dig_short(server, client, "-x", box) == f"box.{name}."
    srv = sorted(dig_short(server, client, f"_http._tcp.{name}", "SRV").splitlines())
    assert srv == sorted([f"0 50 80 box.{name}.", f"0 50 80 {plain.replace('.', '-')}.{name}."]), srv


def test_dns_nodata_nxdomain_edns_truncation_and_version(server, ns):
    apply(server, ns, sleeper_pod("client"),
          # A headless Service with more addresses than a plain 512-byte UDP reply holds (hand-made endpoints,
          # never contacted: only DNS reads them).
          service("many", None, [{"port": 80}], clusterIP="None"),
          endpoint_slice("many-1", "many", [{"addresses": [f"10.244.255.{i}"], "conditions": {"ready": True}} for i in range(1, 41)],
                         [{"name": "", "port": 80, "protocol": "TCP"}]))
    client = running_pods(server, ns, {"client"})["client"]
    kubernetes = "kubernetes.default.svc.cluster.local"

    # An IPv4-only Service has no AAAA: NOERROR without answers (NODATA), the zone's SOA as authority; a name that
    # does not exist is NXDOMAIN.
    out = dig(server, client, kubernetes, "AAAA")
    assert dig_status(out)[0] == "NOERROR" and dig_status(out)[2] == 0, out
    assert re.search(r"^cluster\.local\.\s+\d+\s+IN\s+SOA\s", out, re.M), out
    out = dig(server, client, f"nothing-here.{ns}.svc.cluster.local", "AAAA")
    assert dig_status(out)[0] == "NXDOMAIN", out

    # EDNS0: the reply carries an OPT record with the UDP size, the client's up to the server's 4096 ceiling.
    assert re.search(r"^; EDNS: version: 0, flags:; udp: 1400$", dig(server, client, "+bufsize=1400", kubernetes), re.M)
    assert re.search(r"^; EDNS: version: 0, flags:; udp: 4096$", dig(server, client, "+bufsize=8000", kubernetes), re.M)
    assert "OPT PSEUDOSECTION" not in dig(server, client, "+noedns", kubernetes)

    # Truncation: without EDNS the 40 records do not fit in 512 bytes; the reply says so (TC) and dig, unless told
    # to ignore it, asks again over TCP and gets them all.
    name = f"many.{ns}.svc.cluster.local"
    wait_until(lambda: dig_status(dig(server, client, name))[2] == 40, timeout=20, message="40 A records (EDNS, UDP)")
    truncated = dig(server, client, "+noedns", "+ignore", name)
    rcode, flags, count = dig_status(truncated)
    assert "tc" in flags and count < 40, truncated
    retried = dig(server, client, "+noedns", name)
    assert ";; Truncated, retrying in TCP mode." in retried, retried
    rcode, flags, count = dig_status(retried)
    assert rcode == "NOERROR" and "tc" not in flags and count == 40, retried
    assert sorted(re.findall(r"\sA\s+(10\.244\.255\.\d+)$", retried, re.M)) == sorted(f"10.244.255.{i}" for i in range(1, 41))
    assert re.search(r"^;; SERVER: 10\.96\.0\.10#53\(10\.96\.0\.10\) \(TCP\)$", retried, re.M), retried

    assert dig_short(server, client, "dns-version.cluster.local", "TXT") == '"1.1.0"'


def test_udp_through_a_cluster_ip(server, ns):
    """A UDP Service port: datagrams to the ClusterIP reach the endpoint (DNAT), the reply comes back from the
    ClusterIP, the sender is seen as itself (pod to pod, no masquerade); a UDP Service without endpoints refuses
    (ICMP port unreachable) at once."""
    apply(server, ns, sleeper_pod("echo", {"udp": "echo"}), sleeper_pod("client"),
          service("udp", {"udp": "echo"}, [{"name": "echo", "protocol": "UDP", "port": 5353, "targetPort": 9053}]),
          service("udp-empty", {"udp": "nobody"}, [{"protocol": "UDP", "port": 5353}]))
    pods = running_pods(server, ns, {"echo", "client"})
    client = pods["client"]
    # The refusal first: once the client talks to a pod through a ClusterIP, the node's ICMP redirects to it use up
    # the rate limit that ICMP errors share (for a second or so), with swiftlet as with kube-proxy on a bridge.
    empty = cluster_ip(server, ns, "udp-empty")
    refused = wait_until(lambda: (lambda start, r: r == "refused" and time.monotonic() - start)(
        time.monotonic(), udp_ask(server, client, empty, 5353, "anyone?")), timeout=10, message="the empty UDP Service refuses")
    assert refused < 1.0, f"refused after {refused:.2f} s"

    wait_ready_endpoints(server, ns, "udp", [pods["echo"]["status"]["podIP"]])
    ip = cluster_ip(server, ns, "udp")
    echo = UDPEcho(server, pods["echo"], 9053)
    try:
        token = secrets.token_hex(4)
        reply = wait_until(lambda: (lambda r: r != "timeout" and r)(udp_ask(server, client, ip, 5353, token)),
                           timeout=10, message="an answer through the UDP ClusterIP")
        assert reply == f"{token} from {client['status']['podIP']}"
    finally:
        echo.stop()


def test_unallocated_service_addresses_are_dropped_and_unknown_ports_rejected(server, ns):
    """kube-proxy's nftables rules: an address of the service CIDR that no Service holds is dropped (never routed
    on); an allocated ClusterIP on a port it does not serve is rejected at once. A probe table of the test's own
    counts packets to the unallocated address where they are sent and where they would leave the node (and drops
    them there, so nothing ever leaves even if the proxy failed)."""
    apply(server, ns, sleeper_pod("client"))
    client = running_pods(server, ns, {"client"})["client"]
    allocated = {s["spec"].get("clusterIP") for s in json.loads(server.kubectl("get", "svc", "-A", "-o", "json").stdout)["items"]}
    target = "10.111.254.254"
    assert target not in allocated
    probe = f"""table ip e2e_probe {{
  chain probe_pre {{ type filter hook prerouting priority -300; ip daddr {target} counter comment "from-pod"; }}
  chain probe_out {{ type filter hook output priority -300; ip daddr {target} counter comment "from-host"; }}
  chain probe_post {{ type filter hook postrouting priority 300; ip daddr {target} counter drop comment "leaving"; }}
}}
"""
    run("nft", "-f", "-", input=probe)
    try:
        r = in_pod_netns(server, client, "curl", "-sS", "--max-time", "1", f"http://{target}/")
        assert r.returncode == 28, r          # no answer at all: dropped, not refused
        r = curl(f"http://{target}/", timeout=1)
        assert r.returncode == 28, r
        counters = {m.group(2): int(m.group(1)) for m in re.finditer(r"counter packets (\d+) bytes \d+ (?:drop )?comment \"([a-z-]+)\"",
                                                                       run("nft", "list", "table", "ip", "e2e_probe").stdout)}
        assert counters["from-pod"] >= 1 and counters["from-host"] >= 1 and counters["leaving"] == 0, counters
    finally:
        run("nft", "delete", "table", "ip", "e2e_probe", check=False)
    # The kubernetes Service's ClusterIP serves 443 only; port 81 is refused by the proxy, not left to time out.
    start = time.monotonic()
    r = in_pod_netns(server, client, "curl", "-sS", "--max-time", "2", "http://10.96.0.1:81/")
    assert r.returncode == 7 and time.monotonic() - start < 1.0, r


def test_session_affinity_client_ip_keeps_a_client_on_one_pod(server, ns):
    labels = {"app": "sticky"}
    apply(server, ns, who_pod("a", labels), who_pod("b", labels),
          service("sticky", labels, [{"port": 80}], sessionAffinity="ClientIP"))
    pods = running_pods(server, ns, {"a", "b"})
    wait_ready_endpoints(server, ns, "sticky", [p["status"]["podIP"] for p in pods.values()])
    url = f"http://{cluster_ip(server, ns, 'sticky')}/cgi-bin/who"
    first = wait_until(lambda: who(url), timeout=10, message="the Service answers")
    served = set(served_by(url, 16))
    assert served == {first[0]}, served
    # Without affinity the same client is spread over both pods: both endpoints were there all along.
    server.kubectl("patch", "svc", "sticky", "-n", ns, "-p", '{"spec":{"sessionAffinity":"None","sessionAffinityConfig":null}}')
    seen = set()
    wait_until(lambda: seen.update(served_by(url, 1)) or seen == {"a", "b"}, timeout=10, interval=0.01,
               message="both pods serve once affinity is off")


def test_external_traffic_policy_decides_whether_node_port_traffic_is_masqueraded(server, ns):
    """A pod reaching a NodePort on the node's address: with externalTrafficPolicy Cluster the server sees the node
    (masqueraded, the endpoint might have been on another node); with Local the source is kept, as kube-proxy does
    for pod traffic to external destinations (it short-circuits to the cluster-wide endpoints, unmasqueraded)."""
    apply(server, ns, who_pod("web", {"app": "etp"}), sleeper_pod("client"),
          service("etp", {"app": "etp"}, [{"port": 80}], type="NodePort", externalTrafficPolicy="Cluster"))
    pods = running_pods(server, ns, {"web", "client"})
    wait_ready_endpoints(server, ns, "etp", [pods["web"]["status"]["podIP"]])
    node_port = json.loads(server.kubectl("get", "svc", "etp", "-n", ns, "-o", "json").stdout)["spec"]["ports"][0]["nodePort"]
    node_ip, _ = node_address(server)
    url = f"http://{node_ip}:{node_port}/cgi-bin/who"
    client_ip = pods["client"]["status"]["podIP"]
    assert routes_in_place()
    served = wait_until(lambda: who_from_pod(server, ns, "client", url), timeout=10, message="the NodePort answers the pod")
    assert served == ("web", bridge_address()), served
    server.kubectl("patch", "svc", "etp", "-n", ns, "-p", '{"spec":{"externalTrafficPolicy":"Local"}}')
    wait_until(lambda: who_from_pod(server, ns, "client", url) == ("web", client_ip), timeout=10,
               message="the server sees the client pod's own address")
    # The host itself still reaches a Local NodePort (its traffic masqueraded, as kube-proxy does).
    assert who(url) == ("web", bridge_address())


def test_internal_traffic_policy_local_uses_only_this_nodes_endpoints(server, ns):
    """Two endpoints, one on this node and one said to be on another (hand-made EndpointSlice; both are pods here so
    that nothing leaves the box): with internalTrafficPolicy Local the ClusterIP only reaches the local one."""
    apply(server, ns, who_pod("here", {}), who_pod("there", {}))
    pods = running_pods(server, ns, {"here", "there"})
    _, node_name = node_address(server)
    endpoints = [{"addresses": [pods["here"]["status"]["podIP"]], "conditions": {"ready": True}, "nodeName": node_name},
                 {"addresses": [pods["there"]["status"]["podIP"]], "conditions": {"ready": True}, "nodeName": "another-node"}]
    apply(server, ns, service("itp", None, [{"port": 80}], internalTrafficPolicy="Local"),
          endpoint_slice("itp-1", "itp", endpoints, [{"name": "", "port": 80, "protocol": "TCP"}]))
    url = f"http://{cluster_ip(server, ns, 'itp')}/cgi-bin/who"
    wait_until(lambda: who(url), timeout=10, message="the Service answers")
    served = set(served_by(url, 16))
    assert served == {"here"}, served
    server.kubectl("patch", "svc", "itp", "-n", ns, "-p", '{"spec":{"internalTrafficPolicy":"Cluster"}}')
    seen = set()
    wait_until(lambda: seen.update(served_by(url, 1)) or seen == {"here", "there"}, timeout=10, interval=0.01,
               message="both endpoints serve with the Cluster policy")


def test_terminating_endpoints_serve_only_when_no_endpoint_is_ready(server, ns):
    """kube-proxy's rule: a terminating pod (deleted, still serving in its grace period) gets no new connections
    while a ready endpoint exists; once every endpoint is terminating, the serving ones are used rather than
    refusing (so a rollout does not drop traffic)."""
    labels = {"app": "drain"}
    apply(server, ns, who_pod("old", labels, linger=True), who_pod("new", labels, linger=True),
          service("drain", labels, [{"port": 80}]))
    pods = running_pods(server, ns, {"old", "new"})
    ips = {name: p["status"]["podIP"] for name, p in pods.items()}
    wait_ready_endpoints(server, ns, "drain", list(ips.values()))
    url = f"http://{cluster_ip(server, ns, 'drain')}/cgi-bin/who"
    try:
        server.kubectl("delete", "pod", "old", "-n", ns, "--wait=false")
        wait_until(lambda: slice_endpoints(server, ns, "drain").get(ips["old"]) == {"ready": False, "serving": True, "terminating": True},
                   timeout=20, message="old listed as terminating and still serving")
        wait_until(lambda: f" to {ips['old']}:80" not in proxy_table(), timeout=5, message="old's endpoint rule removed")
        served = set(served_by(url, 16))
        assert served == {"new"}, served

        server.kubectl("delete", "pod", "new", "-n", ns, "--wait=false")
        wait_until(lambda: all(c.get("terminating") and c.get("serving") for c in slice_endpoints(server, ns, "drain").values()),
                   timeout=20, message="both endpoints terminating and serving")
        wait_until(lambda: f" to {ips['old']}:80" in proxy_table(), timeout=5, message="old's endpoint rule back")
        # Every request answered (none refused), by both.
        seen = set(served_by(url, 40))
        assert seen == {"old", "new"}, seen
    finally:
        for name in ("old", "new"):
            server.kubectl("exec", name, "-n", ns, "--", "touch", "/tmp/stop", check=False)
    wait_until(lambda: not json.loads(server.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)["items"], timeout=30,
               message="the draining pods end once told to")


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
    apply(server, ns, sleeper_pod("client"))
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


def proxy_set(name):
    """The elements of one of the proxy table's sets or maps, as text."""
    out = json.loads(run("nft", "-j", "list", "set" if name == "cluster-ips" else "map", "ip", "swiftlet", name).stdout)
    elems = next(o for o in out["nftables"] if "set" in o or "map" in o)
    return elems.get("set", elems.get("map")).get("elem", [])


def test_rules_left_by_a_crashed_run_are_reconciled_at_start(server, ns):
    """Runs last: the server dies (SIGKILL) leaving its table behind, someone's leftovers (a ClusterIP and a chain no
    Service owns) are added to it, and the restarted proxy's first sync makes the table match the API again."""
    apply(server, ns, service("kept", {"app": "nobody"}, [{"port": 80}]))
    kept = cluster_ip(server, ns, "kept")
    wait_until(lambda: kept in proxy_table(), timeout=5, message="kept's rules")
    server.kill9()
    stale = "10.111.250.250"
    run("nft", "-f", "-", input=f"""add chain ip swiftlet stale-from-a-crash
add rule ip swiftlet stale-from-a-crash drop
add element ip swiftlet cluster-ips {{ {stale} }}
add element ip swiftlet service-ips {{ {stale} . tcp . 80 : goto stale-from-a-crash }}
""")
    assert stale in proxy_table() and "stale-from-a-crash" in proxy_table()
    server.restart()
    wait_until(lambda: " Ready " in server.kubectl("get", "nodes", check=False).stdout and routes_in_place(), timeout=60,
               message="node Ready again with its routes")
    def api_cluster_ips():
        return {s["spec"]["clusterIP"] for s in json.loads(server.kubectl("get", "svc", "-A", "-o", "json").stdout)["items"]
                if s["spec"].get("clusterIP") not in (None, "", "None")}
    assert kept in api_cluster_ips()

    def matches_the_api():
        table = proxy_table()
        return "stale-from-a-crash" not in table and stale not in table and set(proxy_set("cluster-ips")) == api_cluster_ips()
    wait_until(matches_the_api, timeout=15, message="the table matches the API after the restart")
