"""kubectl describe, edit (with a scripted KUBE_EDITOR), scale, expose, delete."""

import ipaddress
import json
import os
import re
import stat

from conftest import ALL_KUBECTLS
from e2e_lib import MANIFESTS, field_lines, lines, parse_table, row_named

KUBECTL_VERSIONS = ALL_KUBECTLS  # every test runs with each kubectl (issue 2's acceptance)

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


def get_json(server, kind, name, ns):
    return json.loads(server.kubectl("get", kind, name, "-n", ns, "-o", "json").stdout)


def assert_line(text, pattern):
    assert re.search(pattern, text, re.M), f"no line matching {pattern!r} in:\n{text}"


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: described
  labels:
    app: desc
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
"""


def test_describe_pod(server, ns):
    r = server.kubectl("apply", "-n", ns, "-f", "-", input=POD)
    assert r.stdout.strip() == "pod/described created"
    out = server.kubectl("describe", "pod", "described", "-n", ns).stdout
    fields = field_lines(out)
    assert fields["Name"] == "described"
    assert fields["Namespace"] == ns
    assert fields["Labels"] == "app=desc"
    assert fields["Status"] == "Pending"
    assert fields["QoS Class"] == "BestEffort"
    assert_line(out, r"^Containers:$")
    assert_line(out, r"^  web:$")
    assert_line(out, r"^\s+Image:\s+nginx$")
    assert_line(out, r"^\s+Port:\s+80/TCP$")
    assert_line(out, r"^Events:")


def test_describe_service(server, ns, kubectl_version):
    server.kubectl("create", "-f", str(MANIFESTS / "nginx-svc.yaml"), "-n", ns)
    ip = server.kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").stdout
    assert ipaddress.ip_address(ip) in SERVICE_CIDR
    out = server.kubectl("describe", "svc", "my-nginx", "-n", ns).stdout
    fields = field_lines(out)
    assert fields["Name"] == "my-nginx"
    assert fields["Namespace"] == ns
    assert fields["Labels"] == "run=my-nginx"
    assert fields["Selector"] == "run=my-nginx"
    assert fields["Type"] == "ClusterIP"
    assert fields["IP Families"] == "IPv4"
    assert fields["IP"] == ip
    assert fields["Session Affinity"] == "None"
    assert_line(out, r"^Port:\s+<unset>\s+80/TCP$")
    assert_line(out, r"^TargetPort:\s+80/TCP$")
    # The same Service prints differently per kubectl version, as it does against Kubernetes: from 1.31
    # kubectl reads the endpoints from the EndpointSlices (ours has no endpoints yet: an empty cell, not
    # <none>) and shows the defaulted internalTrafficPolicy; 1.28 reads the Endpoints object, omits that line.
    if int(kubectl_version.minor) >= 31:
        assert_line(out, r"^Endpoints:\s*$")
        assert fields["Internal Traffic Policy"] == "Cluster"
    else:
        assert fields["Endpoints"] == "<none>"
        assert "Internal Traffic Policy" not in fields, out
    assert_line(out, r"^Events:")


def test_describe_deployment(server, ns, kubectl_version):
    server.kubectl("apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"), "-n", ns)
    out = server.kubectl("describe", "deploy", "my-nginx", "-n", ns).stdout
    fields = field_lines(out)
    assert fields["Name"] == "my-nginx"
    assert fields["Namespace"] == ns
    assert fields["Selector"] == "run=my-nginx"
    assert fields["Replicas"].startswith("2 desired |"), fields["Replicas"]
    assert fields["StrategyType"] == "RollingUpdate"
    assert fields["MinReadySeconds"] == "0"
    assert fields["RollingUpdateStrategy"] == "25% max unavailable, 25% max surge"
    assert_line(out, r"^Pod Template:$")
    assert_line(out, r"^\s+Labels:\s+run=my-nginx$")
    assert_line(out, r"^\s+Image:\s+nginx$")
    # kubectl 1.30 and later also list the pod template's node selector and tolerations; 1.28 does not.
    template_extras = [r"^  Node-Selectors:\s+<none>$", r"^  Tolerations:\s+<none>$"]
    for pattern in template_extras:
        if int(kubectl_version.minor) >= 30:
            assert_line(out, pattern)
        else:
            assert not re.search(pattern, out, re.M), out
    assert_line(out, r"^Events:")


def editor_script(tmp_path, body):
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def test_edit_service_to_nodeport(server, ns, tmp_path):
    server.kubectl("create", "-f", str(MANIFESTS / "nginx-svc.yaml"), "-n", ns)
    before = get_json(server, "svc", "my-nginx", ns)
    assert before["spec"]["type"] == "ClusterIP"

    editor = editor_script(tmp_path, "exec sed -i -e 's/^\\( *\\)type: ClusterIP$/\\1type: NodePort/' \"$1\"\n")
    r = server.kubectl("edit", "svc", "my-nginx", "-n", ns, env={"KUBE_EDITOR": editor, "EDITOR": editor})
    assert r.stdout.strip() == "service/my-nginx edited"

    after = get_json(server, "svc", "my-nginx", ns)
    assert after["spec"]["type"] == "NodePort"
    node_port = after["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767, node_port
    assert after["spec"]["clusterIP"] == before["spec"]["clusterIP"], "clusterIP is kept"
    assert after["metadata"]["uid"] == before["metadata"]["uid"]

    headers, rows = parse_table(server.kubectl("get", "svc", "my-nginx", "-n", ns).stdout)
    row = row_named(rows, "my-nginx")
    assert row["TYPE"] == "NodePort" and row["PORT(S)"] == f"80:{node_port}/TCP"

    # An editor that changes nothing: no PATCH, kubectl says so.
    r = server.kubectl("edit", "svc", "my-nginx", "-n", ns, env={"KUBE_EDITOR": editor_script(tmp_path, "exit 0\n")})
    assert "Edit cancelled, no changes made." in r.stdout + r.stderr
    assert get_json(server, "svc", "my-nginx", ns)["spec"]["ports"][0]["nodePort"] == node_port


def test_scale_deployment(server, ns):
    server.kubectl("apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"), "-n", ns)
    r = server.kubectl("scale", "deployment/my-nginx", "--replicas=3", "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx scaled"
    assert get_json(server, "deployment", "my-nginx", ns)["spec"]["replicas"] == 3

    # The tutorial's spelling, down to zero.
    r = server.kubectl("scale", "deployment", "my-nginx", "--replicas=0", "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx scaled"
    assert get_json(server, "deployment", "my-nginx", ns)["spec"]["replicas"] == 0


def test_expose_deployment(server, ns):
    server.kubectl("apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"), "-n", ns)
    r = server.kubectl("expose", "deployment/my-nginx", "--port=80", "-n", ns)
    assert r.stdout.strip() == "service/my-nginx exposed"
    svc = get_json(server, "svc", "my-nginx", ns)
    ip = ipaddress.ip_address(svc["spec"]["clusterIP"])
    assert ip in SERVICE_CIDR, ip
    assert str(ip) not in ("10.96.0.1", "10.96.0.10"), "kubernetes and kube-dns hold these"
    assert svc["spec"]["clusterIPs"] == [str(ip)]
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == {"run": "my-nginx"}
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert svc["spec"]["sessionAffinity"] == "None"

    headers, rows = parse_table(server.kubectl("get", "svc", "my-nginx", "-n", ns).stdout)
    row = row_named(rows, "my-nginx")
    assert row["CLUSTER-IP"] == str(ip) and row["PORT(S)"] == "80/TCP"


def test_delete_deployments_and_services(server, ns):
    server.kubectl("apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"), "-n", ns)
    server.kubectl("expose", "deployment/my-nginx", "--port=80", "-n", ns)

    r = server.kubectl("delete", "deployments,svc", "my-nginx", "-n", ns)
    out = lines(r.stdout)
    assert len(out) == 2, out
    assert out[0].startswith('deployment.apps "my-nginx" deleted'), out
    assert out[1].startswith('service "my-nginx" deleted'), out

    r = server.kubectl("get", "deployments", "my-nginx", "-n", ns, check=False)
    assert r.returncode == 1
    assert 'Error from server (NotFound): deployments.apps "my-nginx" not found' in r.stderr
    r = server.kubectl("get", "svc", "my-nginx", "-n", ns, check=False)
    assert r.returncode == 1
    assert 'Error from server (NotFound): services "my-nginx" not found' in r.stderr

    r = server.kubectl("delete", "pod", "nonexistent", "-n", ns, check=False)
    assert r.returncode == 1
    assert 'Error from server (NotFound): pods "nonexistent" not found' in r.stderr


def test_kubeconfig_is_private(server):
    mode = stat.S_IMODE(os.stat(server.kubeconfig).st_mode)
    assert mode == 0o600, oct(mode)
