"""The tutorial "Connecting Applications with Services", command by command with the real kubectl, each output
checked against what the tutorial shows (its shape, not the generated names). Interactive commands run under a
pseudo-terminal. Runs on a real node (as root): pods, bridge, nftables proxy, cluster DNS, secret volumes."""

import base64
import json
import os
import re
import subprocess
import time
from pathlib import Path
from secrets import token_hex

import pexpect
import pytest

from conftest import attach_node, start_node, stop_node
from e2e_lib import parse_table, wait_until
from test_node_agent import IMAGES_DIR, curl, routes_in_place, run

MANIFESTS = Path(__file__).parent / "manifests"
SERVICE_VARS = {"MY_NGINX_SERVICE_HOST", "MY_NGINX_SERVICE_PORT", "MY_NGINX_PORT", "MY_NGINX_PORT_80_TCP",
                "MY_NGINX_PORT_80_TCP_PROTO", "MY_NGINX_PORT_80_TCP_PORT", "MY_NGINX_PORT_80_TCP_ADDR"}


# What the tutorial creates in the default namespace, removed after it (and before it, on an existing node).
TUTORIAL_OBJECTS = [("deployments", "my-nginx"), ("deployments", "curl-deployment"), ("services", "my-nginx"),
                    ("secrets", "nginxsecret"), ("configmaps", "nginxconfigmap"), ("pods", "curl")]


def remove_tutorial_objects(srv, wait):
    # Waiting means waiting for the pods too (foreground deletion): a curl pod of an earlier run, still terminating,
    # would otherwise be picked as this run's, with the earlier run's certificate in its secret volume.
    cascade = ["--cascade=foreground"] if wait else []
    for kind, name in TUTORIAL_OBJECTS:
        srv.kubectl("delete", kind, name, "--ignore-not-found", f"--wait={str(wait).lower()}", *cascade, check=False,
                    timeout=120)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A node of its own; or, with SWIFTLET_KUBECONFIG set, the node already running there (the one `make up`
    started), so that the README's first command can be checked with this test."""
    existing = os.environ.get("SWIFTLET_KUBECONFIG")
    if existing:
        srv = attach_node(tmp_path_factory.mktemp("tutorial"), existing)
        assert routes_in_place(), "the running node's routes are not in place"
        remove_tutorial_objects(srv, wait=True)
        try:
            yield srv
        finally:
            remove_tutorial_objects(srv, wait=False)
        return
    srv = start_node(tmp_path_factory.mktemp("tutorial"), IMAGES_DIR)
    try:
        yield srv
    finally:
        remove_tutorial_objects(srv, wait=False)
        stop_node(srv)


def k(node, *args, **kw):
    """kubectl in the default namespace, as the tutorial types it."""
    return node.kubectl(*args, **kw)


def nginx_pods(node, n):
    def check():
        items = json.loads(k(node, "get", "pods", "-l", "run=my-nginx", "-o", "json").stdout)["items"]
        live = [p for p in items if not p["metadata"].get("deletionTimestamp")]
        ok = [p for p in live if p["status"].get("phase") == "Running"
              and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]
        return ok if len(live) == n and len(ok) == n else None
    return wait_until(check, timeout=90, message=f"{n} my-nginx pods running")


def env_of(node, pod):
    out = k(node, "exec", pod, "--", "printenv").stdout
    return {line.split("=", 1)[0]: line.split("=", 1)[1] for line in out.splitlines() if "=" in line}


def test_the_tutorial(node, tmp_path):
    # --- Exposing pods to the cluster
    r = k(node, "apply", "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    assert "deployment.apps/my-nginx created" in r.stdout
    pods = nginx_pods(node, 2)
    wide = parse_table(k(node, "get", "pods", "-l", "run=my-nginx", "-o", "wide").stdout)[1]
    assert len(wide) == 2 and all(re.match(r"10\.244\.0\.\d+$", row["IP"]) for row in wide), wide
    podips = k(node, "get", "pods", "-l", "run=my-nginx", "-o", "custom-columns=POD_IP:.status.podIPs").stdout
    assert re.search(r"\[map\[ip:10\.244\.0\.\d+\]\]", podips), podips
    yaml_ips = re.findall(r"podIP: (10\.244\.0\.\d+)", k(node, "get", "pods", "-l", "run=my-nginx", "-o", "yaml").stdout)
    assert len(yaml_ips) == 2
    for ip in yaml_ips:
        assert "<h1>Welcome to nginx!</h1>" in curl(f"http://{ip}/").stdout

    # Pods created before the Service: no MY_NGINX_* variables, only KUBERNETES_*.
    before = env_of(node, pods[0]["metadata"]["name"])
    assert "KUBERNETES_SERVICE_HOST" in before and not (SERVICE_VARS & before.keys())

    # --- Creating a Service
    assert "service/my-nginx exposed" in k(node, "expose", "deployment/my-nginx").stdout
    svc = parse_table(k(node, "get", "svc", "my-nginx").stdout)[1][0]
    assert svc["TYPE"] == "ClusterIP" and svc["PORT(S)"] == "80/TCP" and svc["EXTERNAL-IP"] == "<none>"
    cluster_ip = svc["CLUSTER-IP"]
    assert re.match(r"10\.(9[6-9]|1[01][0-9])\.\d+\.\d+$", cluster_ip)
    ips = sorted(p["status"]["podIP"] for p in pods)

    def described():
        out = k(node, "describe", "svc", "my-nginx").stdout
        m = re.search(r"^Endpoints:\s+(\S+)", out, re.M)
        return m and sorted(m.group(1).split(",")) == [f"{ip}:80" for ip in ips] and out
    out = wait_until(described, timeout=30, message="describe svc shows both endpoints")
    assert re.search(r"^Selector:\s+run=my-nginx$", out, re.M) and re.search(r"^TargetPort:\s+80/TCP$", out, re.M)
    ep = parse_table(k(node, "get", "ep", "my-nginx").stdout)[1][0]
    assert sorted(ep["ENDPOINTS"].split(",")) == [f"{ip}:80" for ip in ips]
    # The ClusterIP answers from the node, spread over both pods: 20 requests, each with a path of its own, all
    # in the pods' logs together, each pod with some of them.
    run_id = token_hex(3)
    paths = {f"/?hit={run_id}-{n}" for n in range(20)}
    for path in sorted(paths):
        assert "Welcome to nginx!" in curl(f"http://{cluster_ip}{path}").stdout

    def hits_by_pod():
        found = {p["metadata"]["name"]: set(re.findall(r'"GET (/\?hit=' + run_id + r'-\d+) HTTP/1\.1" 200',
                                                       k(node, "logs", p["metadata"]["name"]).stdout)) for p in pods}
        return found if set().union(*found.values()) == paths else None
    hits = wait_until(hits_by_pod, timeout=20, message="the 20 ClusterIP requests in the pods' logs")
    assert all(hits.values()), {name: len(h) for name, h in hits.items()}

    # --- Accessing the Service: environment variables only in pods started after the Service.
    late = k(node, "get", "events", "--field-selector", f"involvedObject.name={pods[0]['metadata']['name']}").stdout
    assert "ServiceEnvironmentNotInjected" in late
    k(node, "scale", "deployment", "my-nginx", "--replicas=0")
    wait_until(lambda: not json.loads(k(node, "get", "pods", "-l", "run=my-nginx", "-o", "json").stdout)["items"],
               timeout=60, message="no pods after scale to 0")
    k(node, "scale", "deployment", "my-nginx", "--replicas=2")
    pods = nginx_pods(node, 2)
    env = env_of(node, pods[0]["metadata"]["name"])
    assert SERVICE_VARS <= env.keys()
    assert {k_ for k_ in env if k_.startswith("MY_NGINX")} == SERVICE_VARS
    assert env["MY_NGINX_SERVICE_HOST"] == cluster_ip and env["MY_NGINX_SERVICE_PORT"] == "80"
    assert env["MY_NGINX_PORT"] == env["MY_NGINX_PORT_80_TCP"] == f"tcp://{cluster_ip}:80"
    assert (env["MY_NGINX_PORT_80_TCP_PROTO"], env["MY_NGINX_PORT_80_TCP_PORT"], env["MY_NGINX_PORT_80_TCP_ADDR"]) == ("tcp", "80", cluster_ip)
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1" and env["KUBERNETES_SERVICE_PORT"] == "443"

    # --- DNS
    dns = parse_table(k(node, "get", "services", "kube-dns", "--namespace=kube-system").stdout)[1][0]
    assert dns["CLUSTER-IP"] == "10.96.0.10" and dns["PORT(S)"] == "53/UDP,53/TCP,9153/TCP"
    child = pexpect.spawn(node.kubectl_argv("run", "curl", "--image=radial/busyboxplus:curl", "-i", "--tty", "--rm")[0],
                          node.kubectl_argv("run", "curl", "--image=radial/busyboxplus:curl", "-i", "--tty", "--rm")[1:],
                          encoding="utf-8", timeout=90)
    try:
        child.expect("If you don't see a command prompt, try pressing enter.")
        child.sendline("")
        child.sendline("nslookup my-nginx; echo lookup-$((40+2))")
        child.expect("lookup-42")
        lookup = child.before.replace("\r", "")
        # busybox's nslookup: the kube-dns Server line, then the Service's name and its ClusterIP (older busybox
        # prints "Address 1: <ip> <name>", newer "Address: <ip>").
        assert re.search(r"^Server:\s+10\.96\.0\.10$", lookup, re.M), lookup
        assert re.search(r"^Name:\s+my-nginx(\.default\.svc\.cluster\.local)?$", lookup, re.M), lookup
        assert re.search(r"^Address( 1)?:\s+" + re.escape(cluster_ip) + r"(\s+my-nginx\.default\.svc\.cluster\.local)?$", lookup, re.M), lookup
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    # --- Securing the Service
    key, crt = tmp_path / "nginx.key", tmp_path / "nginx.crt"
    run("openssl", "req", "-x509", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-keyout", str(key), "-out", str(crt),
        "-subj", "/CN=my-nginx/O=my-nginx")
    assert "secret/nginxsecret created" in k(node, "create", "secret", "tls", "nginxsecret", "--key", str(key), "--cert", str(crt)).stdout
    secrets = parse_table(k(node, "get", "secrets").stdout)[1]
    assert any(s["NAME"] == "nginxsecret" and s["TYPE"] == "kubernetes.io/tls" and s["DATA"] == "2" for s in secrets)
    conf = tmp_path / "default.conf"
    conf.write_text("server {\n  listen 80;\n  listen 443 ssl;\n  root /usr/share/nginx/html;\n  index index.html;\n"
                    "  ssl_certificate /etc/nginx/ssl/tls.crt;\n  ssl_certificate_key /etc/nginx/ssl/tls.key;\n}\n")
    assert "configmap/nginxconfigmap created" in k(node, "create", "configmap", "nginxconfigmap", f"--from-file={conf}").stdout
    cms = parse_table(k(node, "get", "configmaps").stdout)[1]
    assert any(c["NAME"] == "nginxconfigmap" and c["DATA"] == "1" for c in cms)
    # The manual Secret path (the tutorial's YAML with the type under metadata is rejected by Kubernetes' strict
    # decoding; with real base64 and the type removed, it is created).
    manual = (MANIFESTS / "nginxsecrets.yaml").read_text()
    manual = manual.replace('"REPLACE_WITH_BASE64_OF_nginx.crt"', base64.b64encode(crt.read_bytes()).decode())
    manual = manual.replace('"REPLACE_WITH_BASE64_OF_nginx.key"', base64.b64encode(key.read_bytes()).decode())
    r = k(node, "apply", "-f", "-", input=manual, check=False)
    assert r.returncode != 0 and 'unknown field "metadata.type"' in r.stderr

    r = k(node, "delete", "deployments,svc", "my-nginx")
    assert 'deployment.apps "my-nginx" deleted' in r.stdout and 'service "my-nginx" deleted' in r.stdout
    r = k(node, "create", "-f", str(MANIFESTS / "nginx-secure-app.yaml"))
    assert "service/my-nginx created" in r.stdout and "deployment.apps/my-nginx created" in r.stdout
    pods = nginx_pods(node, 1)
    pod_ip = pods[0]["status"]["podIP"]
    assert "<h1>Welcome to nginx!</h1>" in curl(f"https://{pod_ip}", "-k").stdout

    r = k(node, "apply", "-f", str(MANIFESTS / "curlpod.yaml"))
    assert "deployment.apps/curl-deployment created" in r.stdout
    curlpod = wait_until(lambda: next((p["metadata"]["name"] for p in json.loads(k(node, "get", "pods", "-l", "app=curlpod", "-o", "json").stdout)["items"]
                                       if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")), None), timeout=90, message="curl pod running")
    out = wait_until(lambda: (lambda r: r.returncode == 0 and r.stdout)(
        k(node, "exec", curlpod, "--", "curl", "https://my-nginx", "--cacert", "/etc/nginx/ssl/tls.crt", check=False)),
        timeout=30, message="curl https://my-nginx with the secret's certificate")
    assert "<title>Welcome to nginx!</title>" in out

    # --- Exposing the Service: NodePort on the node's address, then LoadBalancer.
    svc = json.loads(k(node, "get", "svc", "my-nginx", "-o", "json").stdout)
    ports = {p["name"]: p["nodePort"] for p in svc["spec"]["ports"]}
    assert set(ports) == {"http", "https"} and all(30000 <= v <= 32767 for v in ports.values())
    addresses = json.loads(k(node, "get", "nodes", "-o", "json").stdout)["items"][0]["status"]["addresses"]
    node_ip = next(a["address"] for a in addresses if a["type"] == "InternalIP")
    wait_until(lambda: "<h1>Welcome to nginx!</h1>" in curl(f"https://{node_ip}:{ports['https']}", "-k").stdout,
               timeout=10, message="the NodePort answers on the node address")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/type: NodePort/type: LoadBalancer/' \"$1\"\n")
    editor.chmod(0o755)
    assert "service/my-nginx edited" in k(node, "edit", "svc", "my-nginx", env={"KUBE_EDITOR": str(editor)}).stdout

    def external_ip():
        row = parse_table(k(node, "get", "svc", "my-nginx").stdout)[1][0]
        return row["EXTERNAL-IP"] if row["EXTERNAL-IP"] not in ("<pending>", "<none>") else None
    ext = wait_until(external_ip, timeout=30, message="EXTERNAL-IP")
    assert ext == node_ip
    # The proxy programs the ingress address a moment after the status shows it (as kube-proxy does).
    wait_until(lambda: "<h1>Welcome to nginx!</h1>" in curl(f"https://{ext}", "-k").stdout, timeout=10,
               message="the LoadBalancer address answers")
    assert re.search(r"^LoadBalancer Ingress:\s+" + re.escape(ext), k(node, "describe", "service", "my-nginx").stdout, re.M)

    # --- /metrics tells the story too.
    metrics = k(node, "get", "--raw", "/metrics").stdout
    assert re.search(r'^apiserver_request_total\{code="201",resource="pods",verb="POST"\} \d+', metrics, re.M)
    assert int(re.search(r"^kubelet_pod_start_duration_seconds_count (\d+)", metrics, re.M).group(1)) >= 2
    assert int(re.search(r"^kubelet_running_pods (\d+)", metrics, re.M).group(1)) >= 2
    assert re.search(r'^coredns_dns_requests_total\{proto="udp",type="A"\} [1-9]', metrics, re.M)
    assert re.search(r"^kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]", metrics, re.M)
    assert re.search(r'^apiserver_request_duration_seconds_count\{resource="pods",verb="POST"\} [1-9]', metrics, re.M)
