"""Controllers end to end with the real kubectl: Deployment → ReplicaSet → Pods, scheduling, Endpoints and
EndpointSlices, rollouts, garbage collection, LoadBalancer status, node heartbeats, and restart safety.
Pods are reported Running by the test-only FakeNode (no container runtime here)."""

import json
import re
import time

import pytest

from conftest import Server
from e2e_lib import parse_table, wait_until
from fake_node import FakeNode

MANIFESTS = __import__("pathlib").Path(__file__).parent / "manifests"
POD_NAME = re.compile(r"^my-nginx-[a-z0-9]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("swiftlet"), extra_args=["--node-monitor-grace-period", "6"])
    srv.start()
    node = FakeNode(srv).start()
    srv.fake_node = node
    try:
        yield srv
    finally:
        node.stop()
        srv.stop()


def pods(server, ns, selector="run=my-nginx"):
    out = server.kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "json").stdout
    return [p for p in json.loads(out)["items"] if not p["metadata"].get("deletionTimestamp")]


def running_pods(server, ns, n):
    def check():
        ps = pods(server, ns)
        ok = [p for p in ps if p["status"].get("phase") == "Running" and p["status"].get("podIP")]
        return ok if len(ps) == n and len(ok) == n else None
    return wait_until(check, timeout=60, message=f"{n} running pods in {ns}")


def test_deployment_pods_service_endpoints(server, ns):
    r = server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    assert "deployment.apps/my-nginx created" in r.stdout
    ps = running_pods(server, ns, 2)
    for p in ps:
        assert POD_NAME.match(p["metadata"]["name"]), p["metadata"]["name"]
        assert p["spec"]["nodeName"] == "fake-node"
        ref = p["metadata"]["ownerReferences"][0]
        assert ref["kind"] == "ReplicaSet" and ref["controller"] and ref["blockOwnerDeletion"]
    rs = json.loads(server.kubectl("get", "rs", "-n", ns, "-o", "json").stdout)["items"]
    assert len(rs) == 1
    hash_ = rs[0]["metadata"]["labels"]["pod-template-hash"]
    assert rs[0]["metadata"]["name"] == f"my-nginx-{hash_}"
    assert rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"

    assert "service/my-nginx exposed" in server.kubectl("expose", "deployment/my-nginx", "-n", ns).stdout
    ips = sorted(p["status"]["podIP"] for p in ps)

    def described():
        out = server.kubectl("describe", "svc", "my-nginx", "-n", ns).stdout
        m = re.search(r"^Endpoints:\s+(\S+)", out, re.M)
        return m and sorted(m.group(1).split(",")) == sorted(f"{ip}:80" for ip in ips)
    wait_until(described, timeout=30, message="describe svc shows both endpoints")
    ep = server.kubectl("get", "ep", "my-nginx", "-n", ns).stdout
    for ip in ips:
        assert f"{ip}:80" in ep

    # Deployment status is what `kubectl get deploy` and `rollout status` read.
    wait_until(lambda: "2/2" in server.kubectl("get", "deploy", "my-nginx", "-n", ns).stdout, timeout=30,
               message="deployment READY 2/2")
    r = server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns, "--timeout=60s")
    assert "successfully rolled out" in r.stdout

    events = server.kubectl("get", "events", "-n", ns).stdout
    for reason in ("ScalingReplicaSet", "SuccessfulCreate", "Scheduled"):
        assert reason in events, events


def test_scale_to_zero_and_back_gives_new_pods(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    before = {p["metadata"]["name"] for p in running_pods(server, ns, 2)}
    assert "scaled" in server.kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=0").stdout
    wait_until(lambda: not pods(server, ns), timeout=60, message="no pods after scale to 0")
    server.kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=2")
    after = {p["metadata"]["name"] for p in running_pods(server, ns, 2)}
    assert not (before & after)


def test_rollout_and_undo(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    running_pods(server, ns, 2)
    server.kubectl("set", "image", "deployment/my-nginx", "my-nginx=nginx:1.27", "-n", ns)
    r = server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns, "--timeout=90s")
    assert "successfully rolled out" in r.stdout
    rs = {x["metadata"]["name"]: x for x in json.loads(server.kubectl("get", "rs", "-n", ns, "-o", "json").stdout)["items"]}
    assert len(rs) == 2
    new = [x for x in rs.values() if x["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"][0]
    old = [x for x in rs.values() if x is not new][0]
    assert new["spec"]["replicas"] == 2 and old["spec"]["replicas"] == 0
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    wait_until(lambda: all(p["spec"]["containers"][0]["image"] == "nginx:1.27" for p in running_pods(server, ns, 2)),
               timeout=60, message="pods on the new image")
    history = server.kubectl("rollout", "history", "deployment/my-nginx", "-n", ns).stdout
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M)

    server.kubectl("rollout", "undo", "deployment/my-nginx", "-n", ns)
    server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns, "--timeout=90s")
    image = server.kubectl("get", "deploy", "my-nginx", "-n", ns, "-o",
                           "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx"
    wait_until(lambda: all(p["spec"]["containers"][0]["image"] == "nginx" for p in running_pods(server, ns, 2)),
               timeout=60, message="pods back on the old image")


def test_delete_deployment_and_service_leaves_nothing_owned(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    running_pods(server, ns, 2)
    server.kubectl("expose", "deployment/my-nginx", "-n", ns)
    wait_until(lambda: server.kubectl("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=my-nginx",
                                      "-o", "name").stdout.strip(), timeout=30, message="slices exist")
    r = server.kubectl("delete", "deployments,svc", "my-nginx", "-n", ns)
    assert 'deployment.apps "my-nginx" deleted' in r.stdout and 'service "my-nginx" deleted' in r.stdout

    def empty():
        out = server.kubectl("get", "rs,pods,endpoints,endpointslices", "-n", ns, "-o", "name").stdout
        return out.strip() == ""
    wait_until(empty, timeout=60, message="nothing owned left behind")


def test_nodeport_to_loadbalancer_keeps_node_ports(server, ns, tmp_path):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    server.kubectl("expose", "deployment/my-nginx", "-n", ns, "--type=NodePort")
    before = json.loads(server.kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "json").stdout)
    port = before["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/type: NodePort/type: LoadBalancer/' \"$1\"\n")
    editor.chmod(0o755)
    r = server.kubectl("edit", "svc", "my-nginx", "-n", ns, env={"KUBE_EDITOR": str(editor)})
    assert "service/my-nginx edited" in r.stdout

    def external_ip():
        rows = parse_table(server.kubectl("get", "svc", "my-nginx", "-n", ns).stdout)[1]
        return rows[0]["EXTERNAL-IP"] if rows[0]["EXTERNAL-IP"] not in ("<pending>", "<none>") else None
    assert wait_until(external_ip, timeout=30, message="EXTERNAL-IP filled") == server.fake_node.ip
    after = json.loads(server.kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "json").stdout)
    assert after["spec"]["ports"][0]["nodePort"] == port
    assert f"LoadBalancer Ingress:     {server.fake_node.ip}" in server.kubectl("describe", "svc", "my-nginx", "-n", ns).stdout


def test_not_ready_pod_leaves_endpoints_and_returns(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    ps = running_pods(server, ns, 2)
    server.kubectl("expose", "deployment/my-nginx", "-n", ns)
    victim = ps[0]
    ip = victim["status"]["podIP"]

    def endpoint_ips():
        ep = json.loads(server.kubectl("get", "ep", "my-nginx", "-n", ns, "-o", "json").stdout)
        return {a["ip"] for s in ep.get("subsets") or [] for a in s.get("addresses") or []}
    wait_until(lambda: ip in endpoint_ips(), timeout=30, message="pod in endpoints")
    server.fake_node.not_ready.add(victim["metadata"]["name"])
    wait_until(lambda: ip not in endpoint_ips(), timeout=30, message="not-ready pod left endpoints")
    slices = json.loads(server.kubectl("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=my-nginx",
                                       "-o", "json").stdout)["items"]
    conds = {e["addresses"][0]: e["conditions"]["ready"] for s in slices for e in s.get("endpoints") or []}
    assert conds.get(ip) is False
    server.fake_node.not_ready.discard(victim["metadata"]["name"])
    wait_until(lambda: ip in endpoint_ips(), timeout=30, message="pod back in endpoints")


def test_node_without_heartbeat_turns_not_ready(server, ns):
    # A second node that registers once and never renews its lease.
    silent = FakeNode(server, name="silent-node", ip="192.0.2.78")
    silent.register()
    try:
        def status():
            rows = parse_table(server.kubectl("get", "nodes").stdout)[1]
            return [r for r in rows if r["NAME"] == "silent-node"][0]["STATUS"]
        assert wait_until(lambda: status() == "NotReady" and status(), timeout=60, message="silent node NotReady")
        assert [r for r in parse_table(server.kubectl("get", "nodes").stdout)[1] if r["NAME"] == "fake-node"][0]["STATUS"] == "Ready"
    finally:
        silent.api.request("DELETE", "/api/v1/nodes/silent-node")
        silent.api.close()


def test_controllers_resume_after_kill9(server, ns):
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    names = {p["metadata"]["name"] for p in running_pods(server, ns, 2)}
    server.kill9()
    server.restart()
    # Nothing is created twice after the restart.
    assert {p["metadata"]["name"] for p in running_pods(server, ns, 2)} == names
    server.kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=3")
    assert len(running_pods(server, ns, 3)) == 3
