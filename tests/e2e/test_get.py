"""kubectl get: server-side tables, output formats, selectors, all namespaces, watch, built-in objects."""

import ipaddress
import json
import subprocess
import threading

import yaml

from conftest import ALL_KUBECTLS
from e2e_lib import MANIFESTS, create_namespace, lines, parse_table, parse_tables, row_named, unique, wait_until

KUBECTL_VERSIONS = ALL_KUBECTLS  # every test runs with each kubectl (issue 2's acceptance)

POD_COLUMNS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
POD_WIDE_COLUMNS = POD_COLUMNS + ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]


def pod_manifest(name, labels):
    label_lines = "".join(f"    {k}: {v}\n" for k, v in labels.items())
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n{label_lines}"
            f"spec:\n  containers:\n  - name: web\n    image: nginx\n")


def create_pods(server, ns, pods):
    """pods: {name: {label: value}}; one multi-document apply."""
    doc = "---\n".join(pod_manifest(n, l) for n, l in pods.items())
    r = server.kubectl("apply", "-n", ns, "-f", "-", input=doc)
    assert lines(r.stdout) == [f"pod/{n} created" for n in pods]


def two_pods(server, ns):
    create_pods(server, ns, {"p-alpha": {"app": "alpha", "tier": "web"}, "p-beta": {"app": "beta"}})


def test_the_kubectl_of_this_group_is_the_one_running(server, kubectl_version):
    """The version groups really run different kubectls (the dispatcher reports its own 1.32)."""
    info = json.loads(server.kubectl("version", "-o", "json").stdout)
    assert info["clientVersion"]["minor"].rstrip("+") == kubectl_version.minor, info["clientVersion"]
    assert info["serverVersion"]["minor"] == "32", info["serverVersion"]


def test_get_pods_table_and_wide(server, ns):
    two_pods(server, ns)
    headers, rows = parse_table(server.kubectl("get", "pods", "-n", ns).stdout)
    assert headers == POD_COLUMNS
    assert [r["NAME"] for r in rows] == ["p-alpha", "p-beta"]
    for r in rows:
        # No node agent runs: the pods are never started.
        assert r["READY"] == "0/1" and r["STATUS"] == "Pending" and r["RESTARTS"] == "0", r
        assert r["AGE"], r

    headers, rows = parse_table(server.kubectl("get", "pods", "-n", ns, "-o", "wide").stdout)
    assert headers == POD_WIDE_COLUMNS
    row = row_named(rows, "p-alpha")
    assert row["IP"] == "<none>" and row["NOMINATED NODE"] == "<none>" and row["READINESS GATES"] == "<none>"


def test_get_deployments_and_services_wide(server, ns):
    server.kubectl("create", "-f", str(MANIFESTS / "nginx-app.yaml"), "-n", ns)

    headers, rows = parse_table(server.kubectl("get", "deployments", "-n", ns, "-o", "wide").stdout)
    assert headers == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    row = row_named(rows, "my-nginx")
    assert row["READY"].endswith("/2"), row
    assert row["CONTAINERS"] == "my-nginx" and row["IMAGES"] == "nginx" and row["SELECTOR"] == "run=my-nginx"

    headers, rows = parse_table(server.kubectl("get", "svc", "-n", ns, "-o", "wide").stdout)
    assert headers == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    row = row_named(rows, "my-nginx")
    assert row["TYPE"] == "ClusterIP" and row["EXTERNAL-IP"] == "<none>" and row["PORT(S)"] == "80/TCP"
    assert ipaddress.ip_address(row["CLUSTER-IP"]) in ipaddress.ip_network("10.96.0.0/12")
    assert row["SELECTOR"] == "run=my-nginx"

    r = server.kubectl("get", "deploy,svc", "-n", ns, "-o", "name")
    assert lines(r.stdout) == ["deployment.apps/my-nginx", "service/my-nginx"]


def check_pod_object(pod, ns, name):
    assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod"
    meta = pod["metadata"]
    assert meta["name"] == name and meta["namespace"] == ns
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        assert meta.get(key), f"metadata.{key} missing: {meta}"
    spec = pod["spec"]
    # Pod defaults from the API server's admission.
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["enableServiceLinks"] is True
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Always", "image without tag means :latest → Always"
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert pod["status"]["phase"] == "Pending"


def test_get_yaml_and_json(server, ns):
    two_pods(server, ns)
    pod = yaml.safe_load(server.kubectl("get", "pod", "p-alpha", "-n", ns, "-o", "yaml").stdout)
    check_pod_object(pod, ns, "p-alpha")
    assert pod["metadata"]["labels"] == {"app": "alpha", "tier": "web"}

    pod = json.loads(server.kubectl("get", "pod", "p-beta", "-n", ns, "-o", "json").stdout)
    check_pod_object(pod, ns, "p-beta")

    lst = yaml.safe_load(server.kubectl("get", "pods", "-n", ns, "-o", "yaml").stdout)
    assert lst["apiVersion"] == "v1" and lst["kind"] == "List"
    assert [p["metadata"]["name"] for p in lst["items"]] == ["p-alpha", "p-beta"]
    for p in lst["items"]:
        check_pod_object(p, ns, p["metadata"]["name"])

    lst = json.loads(server.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)
    assert lst["kind"] == "List" and len(lst["items"]) == 2


def test_get_name_and_custom_columns(server, ns):
    two_pods(server, ns)
    r = server.kubectl("get", "pods", "-n", ns, "-o", "name")
    assert lines(r.stdout) == ["pod/p-alpha", "pod/p-beta"]

    server.kubectl("apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"), "-n", ns)
    r = server.kubectl("get", "deployments", "-n", ns, "-o", "name")
    assert lines(r.stdout) == ["deployment.apps/my-nginx"]

    r = server.kubectl("get", "pods", "-n", ns, "-l", "app", "-o", "custom-columns=NAME:.metadata.name")
    assert lines(r.stdout) == ["NAME", "p-alpha", "p-beta"]

    r = server.kubectl("get", "pods", "-n", ns, "-l", "app",
                       "-o", "custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,PHASE:.status.phase")
    headers, rows = parse_table(r.stdout)
    assert headers == ["NAME", "APP", "PHASE"]
    assert rows == [{"NAME": "p-alpha", "APP": "alpha", "PHASE": "Pending"},
                    {"NAME": "p-beta", "APP": "beta", "PHASE": "Pending"}]

    r = server.kubectl("get", "pod", "p-alpha", "-n", ns, "-o", "jsonpath={.metadata.labels.tier}")
    assert r.stdout == "web"


def test_get_label_selectors(server, ns):
    two_pods(server, ns)

    def names(selector):
        return lines(server.kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "name").stdout)

    assert names("app=alpha") == ["pod/p-alpha"]
    assert names("app==beta") == ["pod/p-beta"]
    assert names("app!=alpha") == ["pod/p-beta"]
    assert names("app in (alpha,beta)") == ["pod/p-alpha", "pod/p-beta"]
    assert names("app notin (alpha)") == ["pod/p-beta"]
    assert names("tier") == ["pod/p-alpha"]
    assert names("!tier") == ["pod/p-beta"]
    assert names("app=alpha,tier=web") == ["pod/p-alpha"]

    headers, rows = parse_table(server.kubectl("get", "pods", "-n", ns, "-l", "app=beta").stdout)
    assert headers == POD_COLUMNS and [r["NAME"] for r in rows] == ["p-beta"]

    r = server.kubectl("get", "pods", "-n", ns, "-l", "app=nobody")
    assert r.stdout == ""
    assert r.stderr.strip() == f"No resources found in {ns} namespace."


def test_get_all_namespaces_and_show_labels(server, ns):
    other = create_namespace(server, unique("e2e-get-other"))
    try:
        create_pods(server, ns, {"p-one": {"app": "one"}})
        create_pods(server, other, {"p-two": {"app": "two"}})

        headers, rows = parse_table(server.kubectl("get", "pods", "-A").stdout)
        assert headers == ["NAMESPACE"] + POD_COLUMNS
        got = {(r["NAMESPACE"], r["NAME"]) for r in rows}
        assert {(ns, "p-one"), (other, "p-two")} <= got

        headers, rows = parse_table(server.kubectl("get", "pods", "--all-namespaces", "--show-labels").stdout)
        assert headers == ["NAMESPACE"] + POD_COLUMNS + ["LABELS"]
        row = [r for r in rows if r["NAME"] == "p-two"][0]
        assert row["NAMESPACE"] == other and row["LABELS"] == "app=two"

        r = server.kubectl("get", "pods", "-A", "-o", "name")
        assert {"pod/p-one", "pod/p-two"} <= set(lines(r.stdout))
    finally:
        server.kubectl("delete", "namespace", other, "--wait=false", check=False)


class WatchProcess:
    """`kubectl get ... -w` in the background, its stdout lines collected by a thread."""

    def __init__(self, server, *args):
        self.proc = subprocess.Popen(server.kubectl_argv(*args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for ln in self.proc.stdout:
            self.lines.append(ln.rstrip("\n"))

    def rows_for(self, name, column=0):
        return [ln for ln in self.lines if len(ln.split()) > column and ln.split()[column] == name]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._t.join(timeout=5)
        return self.proc.stderr.read()


def test_get_watch_sees_new_and_changed_objects(server, ns):
    create_pods(server, ns, {"w-first": {"app": "w"}})
    watch = WatchProcess(server, "get", "pods", "-n", ns, "-w")
    try:
        wait_until(lambda: watch.rows_for("w-first"), timeout=30, message="the listed row of w-first")
        assert watch.lines[0].split()[:3] == ["NAME", "READY", "STATUS"], watch.lines

        create_pods(server, ns, {"w-second": {"app": "w"}})
        row = wait_until(lambda: watch.rows_for("w-second"), timeout=30,
                         message="a row for w-second from the watch stream")
        assert "Pending" in row[0].split(), row

        server.kubectl("label", "pod", "w-first", "-n", ns, "changed=yes")
        wait_until(lambda: len(watch.rows_for("w-first")) >= 2, timeout=30,
                   message="a second row for w-first after it was modified")
        assert watch.proc.poll() is None, "kubectl get -w must keep watching"
    finally:
        stderr = watch.stop()
    assert "error" not in stderr.lower(), stderr


def test_get_watch_output_watch_events(server, ns):
    watch = WatchProcess(server, "get", "configmaps", "-n", ns, "-w", "--output-watch-events")
    try:
        # Created before or after the watch starts, the object shows as ADDED either way:
        # kubectl prints the initial list as ADDED events too.
        r = server.kubectl("create", "configmap", "watched", "-n", ns, "--from-literal=k=v")
        assert r.stdout.strip() == "configmap/watched created"
        wait_until(lambda: watch.rows_for("watched", column=1), timeout=30,
                   message="an EVENT row for configmap watched")
        ev = watch.rows_for("watched", column=1)[0].split()
        assert ev[0] == "ADDED" and ev[2] == "1", ev

        server.kubectl("delete", "configmap", "watched", "-n", ns)
        wait_until(lambda: any(ln.split()[0] == "DELETED" for ln in watch.rows_for("watched", column=1)),
                   timeout=30, message="a DELETED row for configmap watched")
    finally:
        watch.stop()


def test_get_all(server, ns):
    server.kubectl("create", "-f", str(MANIFESTS / "nginx-app.yaml"), "-n", ns)
    r = server.kubectl("get", "all", "-n", ns)
    tables = parse_tables(r.stdout)
    names = [row["NAME"] for _, rows in tables for row in rows]
    assert "service/my-nginx" in names, r.stdout
    assert "deployment.apps/my-nginx" in names, r.stdout
    svc_headers = [h for h, rows in tables if any(row["NAME"] == "service/my-nginx" for row in rows)][0]
    assert svc_headers == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]

    r = server.kubectl("get", "all", "-n", ns, "-o", "name")
    assert {"service/my-nginx", "deployment.apps/my-nginx"} <= set(lines(r.stdout))


def test_get_namespaces_shows_the_builtin_ones(server):
    headers, rows = parse_table(server.kubectl("get", "ns").stdout)
    assert headers == ["NAME", "STATUS", "AGE"]
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert row_named(rows, name)["STATUS"] == "Active"
    r = server.kubectl("get", "namespace", "default", "-o", "jsonpath={.status.phase}")
    assert r.stdout == "Active"


def test_create_namespace_command(server):
    """`kubectl create namespace` POSTs a protobuf Namespace (typed client), like create secret."""
    name = unique("e2e-created-ns")
    r = server.kubectl("create", "namespace", name)
    assert r.stdout.strip() == f"namespace/{name} created"
    row = row_named(parse_table(server.kubectl("get", "ns", name).stdout)[1], name)
    assert row["STATUS"] == "Active"
    r = server.kubectl("create", "namespace", name, check=False)
    assert r.returncode == 1 and f'namespaces "{name}" already exists' in r.stderr, r
    r = server.kubectl("delete", "namespace", name, "--wait=false")
    assert r.stdout.strip().startswith(f'namespace "{name}" deleted'), r.stdout


def test_get_svc_kubernetes(server):
    headers, rows = parse_table(server.kubectl("get", "svc", "kubernetes").stdout)
    assert headers == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    row = row_named(rows, "kubernetes")
    assert (row["TYPE"], row["CLUSTER-IP"], row["EXTERNAL-IP"], row["PORT(S)"]) == \
        ("ClusterIP", "10.96.0.1", "<none>", "443/TCP")
    svc = json.loads(server.kubectl("get", "svc", "kubernetes", "-n", "default", "-o", "json").stdout)
    assert svc["spec"]["ports"][0]["name"] == "https"
    assert svc["spec"]["ports"][0]["port"] == 443 and svc["spec"]["ports"][0]["protocol"] == "TCP"


def test_get_svc_kube_dns(server):
    headers, rows = parse_table(server.kubectl("get", "svc", "-n", "kube-system", "kube-dns").stdout)
    row = row_named(rows, "kube-dns")
    assert (row["TYPE"], row["CLUSTER-IP"], row["PORT(S)"]) == \
        ("ClusterIP", "10.96.0.10", "53/UDP,53/TCP,9153/TCP")
    # The tutorial's spelling.
    r = server.kubectl("get", "services", "kube-dns", "--namespace=kube-system")
    assert row_named(parse_table(r.stdout)[1], "kube-dns")["CLUSTER-IP"] == "10.96.0.10"
    svc = json.loads(server.kubectl("get", "svc", "-n", "kube-system", "kube-dns", "-o", "json").stdout)
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == \
        [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def test_get_serviceaccounts(server, ns):
    headers, rows = parse_table(server.kubectl("get", "sa", "-n", "default").stdout)
    assert headers == ["NAME", "SECRETS", "AGE"]
    assert row_named(rows, "default")["SECRETS"] == "0"
    # A new namespace gets its `default` ServiceAccount (from a controller: poll).
    wait_until(lambda: "serviceaccount/default" in
               lines(server.kubectl("get", "sa", "-n", ns, "-o", "name").stdout),
               timeout=30, message=f"serviceaccount default in {ns}")
    headers, rows = parse_table(server.kubectl("get", "sa", "-n", ns).stdout)
    assert row_named(rows, "default")["SECRETS"] == "0"
