"""kubectl apply / create -f with the tutorial's manifests (client-side apply, strategic merge patch)."""

import ipaddress
import json

from conftest import ALL_KUBECTLS
from e2e_lib import MANIFESTS, lines

KUBECTL_VERSIONS = ALL_KUBECTLS  # every test runs with each kubectl (issue 2's acceptance)

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def get_json(server, kind, name, ns):
    return json.loads(server.kubectl("get", kind, name, "-n", ns, "-o", "json").stdout)


def test_apply_created_then_unchanged_then_configured(server, ns, tmp_path):
    manifest = MANIFESTS / "run-my-nginx.yaml"

    r = server.kubectl("apply", "-f", str(manifest), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx created"
    dep = get_json(server, "deployment", "my-nginx", ns)
    assert dep["kind"] == "Deployment" and dep["apiVersion"] == "apps/v1"
    assert dep["metadata"]["namespace"] == ns
    assert dep["metadata"]["generation"] == 1
    assert dep["spec"]["replicas"] == 2
    # Deployment defaults the API server fills in.
    assert dep["spec"]["strategy"]["type"] == "RollingUpdate"
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert dep["spec"]["revisionHistoryLimit"] == 10
    assert dep["spec"]["progressDeadlineSeconds"] == 600
    last = json.loads(dep["metadata"]["annotations"][LAST_APPLIED])
    assert last["metadata"]["name"] == "my-nginx" and last["spec"]["replicas"] == 2

    r = server.kubectl("apply", "-f", str(manifest), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx unchanged"
    assert get_json(server, "deployment", "my-nginx", ns)["metadata"]["generation"] == 1

    changed = tmp_path / "run-my-nginx.yaml"
    text = manifest.read_text()
    assert "replicas: 2" in text
    changed.write_text(text.replace("replicas: 2", "replicas: 3"))
    r = server.kubectl("apply", "-f", str(changed), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx configured"
    dep = get_json(server, "deployment", "my-nginx", ns)
    assert dep["spec"]["replicas"] == 3
    assert dep["metadata"]["generation"] == 2, "a spec change bumps metadata.generation"
    assert json.loads(dep["metadata"]["annotations"][LAST_APPLIED])["spec"]["replicas"] == 3

    # Applying the same changed file again is a no-op once more.
    r = server.kubectl("apply", "-f", str(changed), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx unchanged"


def test_apply_three_way_merge_of_lists(server, ns, tmp_path):
    """The patches from kubectl-wire.md §3: merge by container name, $setElementOrder, $patch: delete."""
    original = MANIFESTS / "run-my-nginx.yaml"
    r = server.kubectl("apply", "-f", str(original), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx created"

    modified = tmp_path / "modified.yaml"
    modified.write_text("""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx
  labels:
    tier: web
spec:
  selector:
    matchLabels:
      run: my-nginx
  replicas: 2
  template:
    metadata:
      labels:
        run: my-nginx
    spec:
      containers:
      - name: my-nginx
        image: nginx:1.27
        env:
        - name: A
          value: "1"
      - name: sidecar
        image: busybox
""")
    r = server.kubectl("apply", "-f", str(modified), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx configured"
    dep = get_json(server, "deployment", "my-nginx", ns)
    assert dep["metadata"]["labels"] == {"tier": "web"}
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["my-nginx", "sidecar"]
    assert containers[0]["image"] == "nginx:1.27"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]
    assert "ports" not in containers[0], containers[0]
    assert containers[1]["image"] == "busybox"

    r = server.kubectl("apply", "-f", str(original), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/my-nginx configured"
    dep = get_json(server, "deployment", "my-nginx", ns)
    assert "tier" not in (dep["metadata"].get("labels") or {})
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["my-nginx"]
    assert containers[0]["image"] == "nginx"
    assert "env" not in containers[0], containers[0]
    assert containers[0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert dep["metadata"]["generation"] == 3


def test_create_two_document_file_then_already_exists(server, ns):
    manifest = MANIFESTS / "nginx-app.yaml"  # nginx-svc.yaml + run-my-nginx.yaml

    r = server.kubectl("create", "-f", str(manifest), "-n", ns)
    assert lines(r.stdout) == ["service/my-nginx created", "deployment.apps/my-nginx created"]
    svc = get_json(server, "service", "my-nginx", ns)
    dep = get_json(server, "deployment", "my-nginx", ns)
    assert ipaddress.ip_address(svc["spec"]["clusterIP"]) in SERVICE_CIDR
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert LAST_APPLIED not in (svc["metadata"].get("annotations") or {}), "create does not record last-applied"

    r = server.kubectl("create", "-f", str(manifest), "-n", ns, check=False)
    assert r.returncode == 1, r
    assert r.stdout.strip() == ""
    assert (f'Error from server (AlreadyExists): error when creating "{manifest}": '
            f'services "my-nginx" already exists') in r.stderr
    assert (f'Error from server (AlreadyExists): error when creating "{manifest}": '
            f'deployments.apps "my-nginx" already exists') in r.stderr
    # The failed creates changed nothing.
    assert get_json(server, "service", "my-nginx", ns)["metadata"]["uid"] == svc["metadata"]["uid"]
    assert get_json(server, "deployment", "my-nginx", ns)["metadata"]["uid"] == dep["metadata"]["uid"]


def test_create_nodeport_service_with_two_ports(server, ns):
    """The tutorial's nginx-secure-app.yaml: NodePort Service (8080→80, 443) + Deployment."""
    r = server.kubectl("create", "-f", str(MANIFESTS / "nginx-secure-app.yaml"), "-n", ns)
    assert lines(r.stdout) == ["service/my-nginx created", "deployment.apps/my-nginx created"]
    svc = get_json(server, "service", "my-nginx", ns)
    assert svc["spec"]["type"] == "NodePort"
    ports = {p["name"]: p for p in svc["spec"]["ports"]}
    assert ports["http"]["port"] == 8080 and ports["http"]["targetPort"] == 80
    assert ports["https"]["port"] == 443 and ports["https"]["targetPort"] == 443, "targetPort defaults to port"
    node_ports = [ports["http"]["nodePort"], ports["https"]["nodePort"]]
    assert all(30000 <= p <= 32767 for p in node_ports), node_ports
    assert node_ports[0] != node_ports[1]
