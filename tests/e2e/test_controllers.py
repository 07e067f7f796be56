"""Controllers end to end with the real kubectl: Deployment → ReplicaSet → Pods, scheduling, Endpoints and
EndpointSlices, rollouts, garbage collection, LoadBalancer status, node heartbeats, and restart safety.
Pods are reported Running by the test-only FakeNode (no container runtime here)."""

import json
import re
import subprocess

import pytest

from conftest import Server
from e2e_lib import (Api, assert_status, create_namespace, default_route_ipv4, parse_table, row_named, unique,
                     wait_until)
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


# --------------------------------------------------------------------------- helpers of the tests below

def replica_sets(server, ns):
    return json.loads(server.kubectl("get", "rs", "-n", ns, "-o", "json").stdout)["items"]


def all_pods(server, ns, selector="run=my-nginx"):
    """Pods including the ones being deleted."""
    return json.loads(server.kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "json").stdout)["items"]


def not_found(server, *args):
    r = server.kubectl("get", *args, check=False)
    return r.returncode != 0 and "(NotFound)" in r.stderr


def deployed(server, ns, replicas=2):
    """The tutorial's Deployment with `replicas` pods running; returns its one ReplicaSet."""
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    if replicas != 2:
        server.kubectl("scale", "deployment", "my-nginx", "-n", ns, f"--replicas={replicas}")
    running_pods(server, ns, replicas)
    server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns, "--timeout=60s")
    rss = replica_sets(server, ns)
    assert len(rss) == 1, [r["metadata"]["name"] for r in rss]
    return rss[0]


# --------------------------------------------------------------------------- garbage collection

def test_foreground_deletion_keeps_the_deployment_until_its_replicaset_and_pods_are_gone(server, ns):
    rs = deployed(server, ns)
    server.fake_node.hold_deletions = True   # pods stay Terminating until released
    proc = subprocess.Popen(server.kubectl_argv("delete", "deployment", "my-nginx", "-n", ns, "--cascade=foreground"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def pods_terminating():
            ps = all_pods(server, ns)
            return ps if len(ps) == 2 and all(p["metadata"].get("deletionTimestamp") for p in ps) else None
        wait_until(pods_terminating, timeout=30, message="both pods Terminating")
        # The pods are deleted only once their ReplicaSet is itself deleted in the foreground, so the chain is
        # visible now: the Deployment and the ReplicaSet wait, each with the foregroundDeletion finalizer.
        d = json.loads(server.kubectl("get", "deployment", "my-nginx", "-n", ns, "-o", "json").stdout)
        assert d["metadata"].get("deletionTimestamp") and d["metadata"]["finalizers"] == ["foregroundDeletion"], d["metadata"]
        waiting = replica_sets(server, ns)
        assert [r["metadata"]["name"] for r in waiting] == [rs["metadata"]["name"]]
        assert waiting[0]["metadata"].get("deletionTimestamp"), waiting[0]["metadata"]
        assert waiting[0]["metadata"]["finalizers"] == ["foregroundDeletion"], waiting[0]["metadata"]
        assert len(all_pods(server, ns)) == 2, "nothing replaces pods of a ReplicaSet being deleted"
        assert proc.poll() is None, "kubectl delete returned while the Deployment still exists"
    finally:
        server.fake_node.hold_deletions = False
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0 and out.strip() == 'deployment.apps "my-nginx" deleted', (out, err)
    # The Deployment went last: nothing it owned is left once it is gone.
    assert not_found(server, "deployment", "my-nginx", "-n", ns)
    assert server.kubectl("get", "rs,pods", "-n", ns, "-o", "name").stdout.strip() == ""


def test_a_background_delete_ends_the_wait_of_a_foreground_deletion(server, ns):
    rs = deployed(server, ns)
    server.fake_node.hold_deletions = True
    try:
        server.kubectl("delete", "deployment", "my-nginx", "-n", ns, "--cascade=foreground", "--wait=false")
        wait_until(lambda: all(p["metadata"].get("deletionTimestamp") for p in all_pods(server, ns)), timeout=30,
                   message="pods Terminating")
        # A second DELETE with an explicit policy replaces the garbage collector's finalizer: with Background the
        # Deployment has nothing left to wait for and goes at once, while its ReplicaSet still waits for the pods.
        r = server.kubectl("delete", "deployment", "my-nginx", "-n", ns, "--cascade=background", "--timeout=20s")
        assert r.stdout.strip() == 'deployment.apps "my-nginx" deleted'
        assert not_found(server, "deployment", "my-nginx", "-n", ns)
        [waiting] = replica_sets(server, ns)
        assert waiting["metadata"]["uid"] == rs["metadata"]["uid"]
        assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"], waiting["metadata"]
        assert len(all_pods(server, ns)) == 2
    finally:
        server.fake_node.hold_deletions = False
    wait_until(lambda: server.kubectl("get", "rs,pods", "-n", ns, "-o", "name").stdout.strip() == "", timeout=60,
               message="the ReplicaSet gone after its pods")


def test_orphan_deletion_leaves_replicasets_and_pods_without_the_owner(server, ns):
    rs = deployed(server, ns)
    names = {p["metadata"]["name"] for p in pods(server, ns)}
    r = server.kubectl("delete", "deployment", "my-nginx", "-n", ns, "--cascade=orphan")
    assert r.stdout.strip() == 'deployment.apps "my-nginx" deleted'
    assert not_found(server, "deployment", "my-nginx", "-n", ns)
    [kept] = replica_sets(server, ns)
    assert kept["metadata"]["uid"] == rs["metadata"]["uid"]
    assert not kept["metadata"].get("ownerReferences"), kept["metadata"]
    assert not kept["metadata"].get("deletionTimestamp")
    assert kept["spec"]["replicas"] == 2
    for p in pods(server, ns):
        assert p["metadata"]["name"] in names
        assert [(o["kind"], o["uid"]) for o in p["metadata"]["ownerReferences"]] == [("ReplicaSet", rs["metadata"]["uid"])]
    # The orphans are whole: the same Deployment applied again adopts the ReplicaSet and its pods as they are.
    server.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    uid = server.kubectl("get", "deployment", "my-nginx", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout

    def adopted():
        [r] = replica_sets(server, ns)
        refs = r["metadata"].get("ownerReferences") or []
        return r if [(o["kind"], o["uid"], o.get("controller")) for o in refs] == [("Deployment", uid, True)] else None
    assert wait_until(adopted, timeout=30, message="the ReplicaSet adopted")["metadata"]["uid"] == rs["metadata"]["uid"]
    server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns, "--timeout=60s")
    assert {p["metadata"]["name"] for p in running_pods(server, ns, 2)} == names


# --------------------------------------------------------------------------- rollouts

def test_rollout_restart_and_history(server, ns):
    first = deployed(server, ns)
    before = {p["metadata"]["name"] for p in pods(server, ns)}
    server.kubectl("annotate", "deployment/my-nginx", "-n", ns, "kubernetes.io/change-cause=first version")
    wait_until(lambda: replica_sets(server, ns)[0]["metadata"]["annotations"].get("kubernetes.io/change-cause")
               == "first version", timeout=30, message="change-cause copied to the ReplicaSet")

    r = server.kubectl("rollout", "restart", "deployment/my-nginx", "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx restarted"
    assert "successfully rolled out" in server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns,
                                                       "--timeout=90s").stdout
    d = json.loads(server.kubectl("get", "deployment", "my-nginx", "-n", ns, "-o", "json").stdout)
    restarted_at = d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", restarted_at), restarted_at
    rss = {x["metadata"]["name"]: x for x in replica_sets(server, ns)}
    assert len(rss) == 2 and first["metadata"]["name"] in rss, list(rss)
    old = rss.pop(first["metadata"]["name"])
    [new] = rss.values()
    assert new["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == restarted_at
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert new["spec"]["replicas"] == 2 and old["spec"]["replicas"] == 0
    new_hash = new["metadata"]["labels"]["pod-template-hash"]
    assert new_hash != first["metadata"]["labels"]["pod-template-hash"]

    def new_pods():
        ps = running_pods(server, ns, 2)
        return ps if all(p["metadata"]["labels"]["pod-template-hash"] == new_hash for p in ps) else None
    after = wait_until(new_pods, timeout=60, message="pods of the new ReplicaSet")
    assert not ({p["metadata"]["name"] for p in after} & before), "a restart replaces every pod"

    server.kubectl("annotate", "deployment/my-nginx", "-n", ns, "--overwrite", "kubernetes.io/change-cause=restarted")
    wait_until(lambda: {x["metadata"]["name"]: x for x in replica_sets(server, ns)}[new["metadata"]["name"]]
               ["metadata"]["annotations"].get("kubernetes.io/change-cause") == "restarted", timeout=30,
               message="the new change-cause copied to the new ReplicaSet")
    history = server.kubectl("rollout", "history", "deployment/my-nginx", "-n", ns).stdout
    assert history.splitlines()[0].strip() == "deployment.apps/my-nginx"
    rows = parse_table("\n".join(history.splitlines()[1:]))[1]
    assert [(row["REVISION"], row["CHANGE-CAUSE"]) for row in rows] == [("1", "first version"), ("2", "restarted")], history
    detail = server.kubectl("rollout", "history", "deployment/my-nginx", "-n", ns, "--revision=2").stdout
    assert "deployment.apps/my-nginx with revision #2" in detail
    assert f"pod-template-hash={new_hash}" in detail and f"kubectl.kubernetes.io/restartedAt: {restarted_at}" in detail, detail


# --------------------------------------------------------------------------- namespaces

def test_namespace_deletion_empties_it_then_removes_it(server):
    name = create_namespace(server, unique("e2e-nsdel"))
    server.kubectl("apply", "-n", name, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    running_pods(server, name, 2)
    server.kubectl("expose", "deployment/my-nginx", "-n", name)
    server.kubectl("create", "configmap", "settings", "-n", name, "--from-literal=mode=test")
    server.kubectl("create", "secret", "generic", "token", "-n", name, "--from-literal=value=s3cr3t")
    wait_until(lambda: server.kubectl("get", "endpointslices", "-n", name, "-o", "name").stdout.strip(), timeout=30,
               message="endpoint slices exist")
    content = "deployments,replicasets,services,configmaps,secrets,endpoints,endpointslices"

    server.fake_node.hold_deletions = True   # the pods stay Terminating: the namespace cannot finish before them
    proc = subprocess.Popen(server.kubectl_argv("delete", "namespace", name), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        def status():
            rows = parse_table(server.kubectl("get", "namespace", name).stdout)[1]
            return rows[0]["STATUS"]
        assert wait_until(lambda: status() == "Terminating", timeout=30, message="namespace Terminating")
        wait_until(lambda: server.kubectl("get", content, "-n", name, "-o", "name").stdout.strip() == "", timeout=60,
                   message="everything but the held pods deleted")
        held = all_pods(server, name)
        assert len(held) == 2 and all(p["metadata"].get("deletionTimestamp") for p in held)

        def remaining():
            ns_obj = json.loads(server.kubectl("get", "namespace", name, "-o", "json").stdout)
            c = {x["type"]: x for x in ns_obj["status"].get("conditions", [])}.get("NamespaceContentRemaining", {})
            return c if c.get("status") == "True" else None
        c = wait_until(remaining, timeout=30, message="NamespaceContentRemaining")
        assert c["reason"] == "SomeResourcesRemain" and c["message"] == "Some resources are remaining: pods. has 2 resource instances", c
        r = server.kubectl("create", "configmap", "late", "-n", name, "--from-literal=a=b", check=False)
        assert r.returncode != 0 and (f"unable to create new content in namespace {name} because it is being terminated"
                                      in r.stderr), r.stderr
        assert proc.poll() is None, "kubectl delete returned while the namespace still exists"
    finally:
        server.fake_node.hold_deletions = False
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0 and out.strip() == f'namespace "{name}" deleted', (out, err)
    r = server.kubectl("get", "namespace", name, check=False)
    assert r.returncode != 0 and f'namespaces "{name}" not found' in r.stderr, r.stderr


# --------------------------------------------------------------------------- service addresses

def node_port_service(name, cluster_ip=None, node_port=None):
    port = {"port": 80, "targetPort": 80, "protocol": "TCP"}
    if node_port:
        port["nodePort"] = node_port
    spec = {"type": "NodePort", "selector": {"app": name}, "ports": [port]}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def unused_cluster_ip_and_node_port(server):
    svcs = json.loads(server.kubectl("get", "svc", "-A", "-o", "json").stdout)["items"]
    ips = {s["spec"].get("clusterIP") for s in svcs}
    ports = {p.get("nodePort") for s in svcs for p in s["spec"].get("ports", [])}
    ip = next(f"10.96.0.{i}" for i in range(200, 250) if f"10.96.0.{i}" not in ips)
    port = next(p for p in range(30500, 32767) if p not in ports)
    return ip, port


def test_cluster_ip_and_node_port_are_exclusive_and_freed_on_delete(server, ns, api):
    ip, port = unused_cluster_ip_and_node_port(server)
    r = server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(node_port_service("first", ip, port)))
    assert r.stdout.strip() == "service/first created"
    path = f"/api/v1/namespaces/{ns}/services"

    st = assert_status(api.post(path, node_port_service("same-ip", cluster_ip=ip)), 422, "Invalid")
    assert st["message"] == (f'Service "same-ip" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
                             f"failed to allocate IP {ip}: provided IP is already allocated"), st
    st = assert_status(api.post(path, node_port_service("same-port", node_port=port)), 422, "Invalid")
    assert st["message"] == (f'Service "same-port" is invalid: spec.ports[0].nodePort: Invalid value: {port}: '
                             "provided port is already allocated"), st
    r = server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(node_port_service("same-both", ip, port)), check=False)
    # kubectl words it from the Status' details and causes.
    assert r.returncode != 0 and r.stderr.strip() == (f'The Service "same-both" is invalid: spec.clusterIPs: Invalid value: '
                                                      f'[]string{{"{ip}"}}: failed to allocate IP {ip}: provided IP is already allocated'), r.stderr
    assert server.kubectl("get", "svc", "-n", ns, "-o", "name").stdout.split() == ["service/first"]

    assert server.kubectl("delete", "svc", "first", "-n", ns).stdout.strip() == 'service "first" deleted'
    r = server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(node_port_service("second", ip, port)))
    assert r.stdout.strip() == "service/second created"
    second = json.loads(server.kubectl("get", "svc", "second", "-n", ns, "-o", "json").stdout)
    assert second["spec"]["clusterIP"] == ip and second["spec"]["ports"][0]["nodePort"] == port


def test_kubernetes_endpoints_are_the_advertised_api_address(server):
    advertised = json.loads(server.kubectl("get", "--raw", "/api").stdout)["serverAddressByClientCIDRs"][0]["serverAddress"]
    assert advertised == f"{default_route_ipv4()}:{server.port}"
    rows = parse_table(server.kubectl("get", "ep", "kubernetes", "-n", "default").stdout)[1]
    assert [(r["NAME"], r["ENDPOINTS"]) for r in rows] == [("kubernetes", advertised)], rows
    ep = json.loads(server.kubectl("get", "ep", "kubernetes", "-n", "default", "-o", "json").stdout)
    assert ep["subsets"] == [{"addresses": [{"ip": default_route_ipv4()}],
                              "ports": [{"name": "https", "port": server.port, "protocol": "TCP"}]}], ep["subsets"]


# --------------------------------------------------------------------------- events

def event_line(reason, source, message):
    """A row of describe's Events table (Type, Reason, Age, From, Message)."""
    return re.compile(rf"^\s+Normal\s+{reason}\s+\S.*?\s+{re.escape(source)}\s+{re.escape(message)}$", re.M)


def test_events_tell_the_story_in_kubernetes_words(server, ns):
    rs = deployed(server, ns)["metadata"]["name"]
    started = {p["metadata"]["name"] for p in pods(server, ns)}
    server.kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=1")
    wait_until(lambda: len(pods(server, ns)) == 1, timeout=60, message="one pod left")
    [deleted] = started - {p["metadata"]["name"] for p in pods(server, ns)}

    def described(kind, name, *patterns):
        def check():
            out = server.kubectl("describe", kind, name, "-n", ns).stdout
            return out if all(p.search(out) for p in patterns) else None
        return wait_until(check, timeout=30, message=f"events in describe {kind} {name}: {[p.pattern for p in patterns]}")

    described("deployment", "my-nginx",
              event_line("ScalingReplicaSet", "deployment-controller", f"Scaled up replica set {rs} from 0 to 2"),
              event_line("ScalingReplicaSet", "deployment-controller", f"Scaled down replica set {rs} from 2 to 1"))
    described("rs", rs, *[event_line("SuccessfulCreate", "replicaset-controller", f"Created pod: {p}") for p in started],
              event_line("SuccessfulDelete", "replicaset-controller", f"Deleted pod: {deleted}"))

    def listed():
        rows = parse_table(server.kubectl("get", "events", "-n", ns).stdout)[1]
        return {(r["TYPE"], r["REASON"], r["OBJECT"], r["MESSAGE"]) for r in rows}
    expected = {("Normal", "Scheduled", f"pod/{p}", f"Successfully assigned {ns}/{p} to fake-node") for p in started}
    expected |= {("Normal", "SuccessfulCreate", f"replicaset/{rs}", f"Created pod: {p}") for p in started}
    expected |= {("Normal", "SuccessfulDelete", f"replicaset/{rs}", f"Deleted pod: {deleted}"),
                 ("Normal", "ScalingReplicaSet", "deployment/my-nginx", f"Scaled up replica set {rs} from 0 to 2"),
                 ("Normal", "ScalingReplicaSet", "deployment/my-nginx", f"Scaled down replica set {rs} from 2 to 1")}
    wait_until(lambda: expected <= listed(), timeout=30, message=f"kubectl get events lists {expected}")


# --------------------------------------------------------------------------- scheduling and nodes

def test_pods_binding_subresource(server, ns, api):
    # A pod for another scheduler: only these bindings place it.
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "manual", "labels": {"app": "manual"}},
           "spec": {"schedulerName": "manual-scheduler", "containers": [{"name": "c", "image": "nginx"}]}}
    server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(pod))
    uid = server.kubectl("get", "pod", "manual", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout
    path = f"/api/v1/namespaces/{ns}/pods/manual/binding"

    def binding(name="manual", node="fake-node", pod_uid=None):
        meta = {"name": name}
        if pod_uid:
            meta["uid"] = pod_uid
        target = {"kind": "Node", "name": node} if node else {"kind": "Node"}
        return {"apiVersion": "v1", "kind": "Binding", "metadata": meta, "target": target}

    st = assert_status(api.post(path, binding(name="other")), 400, "BadRequest")
    assert st["message"] == "name in URL does not match name in Binding object"
    st = assert_status(api.post(path, binding(node=None)), 422, "Invalid")
    assert st["message"] == 'Binding "manual" is invalid: target.name: Required value', st
    st = assert_status(api.post(path, binding(pod_uid="0d4f1f0e-0000-4000-8000-000000000000")), 409, "Conflict")
    assert st["message"] == (f'Operation cannot be fulfilled on pods "manual": Precondition failed: UID in precondition: '
                             f"0d4f1f0e-0000-4000-8000-000000000000, UID in object meta: {uid}"), st
    assert server.kubectl("get", "pod", "manual", "-n", ns, "-o", "jsonpath={.spec.nodeName}").stdout == ""

    r = api.post(path, binding(pod_uid=uid))
    assert r.status == 201 and r.json()["status"] == "Success", r
    p = json.loads(server.kubectl("get", "pod", "manual", "-n", ns, "-o", "json").stdout)
    assert p["spec"]["nodeName"] == "fake-node"
    assert {c["type"]: c["status"] for c in p["status"]["conditions"]}["PodScheduled"] == "True"
    st = assert_status(api.post(path, binding(node="elsewhere")), 409, "Conflict")
    assert st["message"] == ('Operation cannot be fulfilled on pods/binding "manual": '
                             'pod manual is already assigned to node "fake-node"'), st


def test_pods_of_a_node_that_stops_heartbeating_turn_not_ready(server, ns):
    lost = FakeNode(server, name="lost-node", ip="192.0.2.79").start()
    try:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stranded", "labels": {"app": "stranded"}},
               "spec": {"nodeSelector": {"kubernetes.io/hostname": "lost-node"},
                        "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}
        server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(pod))
        server.kubectl("expose", "pod", "stranded", "-n", ns, "--port=80")

        def pod_ready():
            p = json.loads(server.kubectl("get", "pod", "stranded", "-n", ns, "-o", "json").stdout)
            return {c["type"]: c["status"] for c in p["status"].get("conditions", [])}.get("Ready")

        def endpoint_ips(field):
            ep = json.loads(server.kubectl("get", "ep", "stranded", "-n", ns, "-o", "json").stdout)
            return {a["ip"] for s in ep.get("subsets") or [] for a in s.get(field) or []}
        wait_until(lambda: pod_ready() == "True", timeout=30, message="pod Ready on lost-node")
        p = json.loads(server.kubectl("get", "pod", "stranded", "-n", ns, "-o", "json").stdout)
        assert p["spec"]["nodeName"] == "lost-node"
        ip = p["status"]["podIP"]
        wait_until(lambda: endpoint_ips("addresses") == {ip}, timeout=30, message="pod in the endpoints")

        lost.stop()   # the node's agent goes silent; this server's grace period is 6 s
        wait_until(lambda: row_named(parse_table(server.kubectl("get", "nodes").stdout)[1], "lost-node")["STATUS"]
                   == "NotReady", timeout=30, message="lost-node NotReady")
        wait_until(lambda: pod_ready() == "False", timeout=30, message="its pod's Ready condition False")
        wait_until(lambda: endpoint_ips("notReadyAddresses") == {ip} and not endpoint_ips("addresses"),
                   timeout=30, message="the pod moved to notReadyAddresses")
        assert row_named(parse_table(server.kubectl("get", "nodes").stdout)[1], "fake-node")["STATUS"] == "Ready"
    finally:
        lost.stop()
        # No agent is left to confirm the pod's deletion.
        server.kubectl("delete", "pod", "stranded", "-n", ns, "--grace-period=0", "--force", check=False)
        api = Api(server.creds)
        api.request("DELETE", "/api/v1/nodes/lost-node")
        api.close()


# --------------------------------------------------------------------------- restart safety

def test_rollout_interrupted_by_kill9_completes_after_restart(server, ns):
    old = deployed(server, ns, replicas=4)   # maxSurge 25% → 1, maxUnavailable 25% → 1
    server.fake_node.not_ready_images.add("nginx:1.27")   # new pods never turn ready until released
    try:
        server.kubectl("set", "image", "deployment/my-nginx", "my-nginx=nginx:1.27", "-n", ns)
        server.kill9()
        server.restart()

        # With its pods not ready the rollout stops where Kubernetes' stops: old 3 + new 2 = 4 + maxSurge.
        def stalled():
            rss = replica_sets(server, ns)
            new = [r for r in rss if r["metadata"]["uid"] != old["metadata"]["uid"]]
            sizes = sorted((r["metadata"]["uid"] == old["metadata"]["uid"], r["spec"]["replicas"]) for r in rss)
            return new if sizes == [(False, 2), (True, 3)] and len(pods(server, ns)) == 5 else None
        [new] = wait_until(stalled, timeout=60, message="rollout at old 3 / new 2")
    finally:
        server.fake_node.not_ready_images.discard("nginx:1.27")

    peak = 0

    def done():
        nonlocal peak
        live = pods(server, ns)
        peak = max(peak, len(live))
        d = json.loads(server.kubectl("get", "deployment", "my-nginx", "-n", ns, "-o", "json").stdout)
        s = d["status"]
        return (s.get("updatedReplicas") == 4 and s.get("availableReplicas") == 4 and s.get("replicas") == 4
                and d["status"].get("observedGeneration") == d["metadata"]["generation"]
                and len(live) == 4 and all(p["spec"]["containers"][0]["image"] == "nginx:1.27" for p in live))
    wait_until(done, timeout=90, interval=0.2, message="rollout complete")
    assert peak <= 5, f"{peak} pods at once: more than replicas + maxSurge"
    assert "successfully rolled out" in server.kubectl("rollout", "status", "deployment/my-nginx", "-n", ns,
                                                       "--timeout=30s").stdout
    rss = {r["metadata"]["uid"]: r for r in replica_sets(server, ns)}
    assert set(rss) == {old["metadata"]["uid"], new["metadata"]["uid"]}, "no duplicate ReplicaSet"
    assert rss[old["metadata"]["uid"]]["spec"]["replicas"] == 0
    assert rss[new["metadata"]["uid"]]["spec"]["replicas"] == 4
    assert rss[new["metadata"]["uid"]]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    new_hash = new["metadata"]["labels"]["pod-template-hash"]
    assert all(p["metadata"]["labels"]["pod-template-hash"] == new_hash for p in running_pods(server, ns, 4))
