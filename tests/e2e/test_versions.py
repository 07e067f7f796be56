"""The core commands with the older and newer kubectl the machine carries (kubectl-wire.md §0).

The dispatcher would pick 1.32 for this server (minor "32"), so the versioned binaries are
run directly. Each version gets its own namespace and its own discovery cache.
"""

import json

import pytest
import yaml

from e2e_lib import MANIFESTS, field_lines, lines, parse_table, row_named, versioned_kubectl

VERSIONS = ["28", "33"]


@pytest.fixture(params=VERSIONS, ids=[f"kubectl-1.{v}" for v in VERSIONS])
def kubectl_bin(request):
    path = versioned_kubectl(request.param)
    assert path is not None, f"kubectl 1.{request.param} is required (the machine's kubectl dispatcher carries it)"
    return request.param, path


def test_core_commands(server, ns, kubectl_bin, tmp_path):
    minor, binary = kubectl_bin

    def k(*args, **kw):
        return server.kubectl(*args, kubectl_bin=binary, **kw)

    info = json.loads(k("version", "--client", "-o", "json").stdout)
    assert info["clientVersion"]["minor"].rstrip("+") == minor, info

    manifest = MANIFESTS / "run-my-nginx.yaml"
    assert k("apply", "-f", str(manifest), "-n", ns).stdout.strip() == "deployment.apps/my-nginx created"
    assert k("apply", "-f", str(manifest), "-n", ns).stdout.strip() == "deployment.apps/my-nginx unchanged"
    changed = tmp_path / "run-my-nginx.yaml"
    changed.write_text(manifest.read_text().replace("replicas: 2", "replicas: 3"))
    assert k("apply", "-f", str(changed), "-n", ns).stdout.strip() == "deployment.apps/my-nginx configured"

    r = k("create", "-f", str(MANIFESTS / "nginx-svc.yaml"), "-n", ns)
    assert r.stdout.strip() == "service/my-nginx created"

    headers, rows = parse_table(k("get", "deployments", "-n", ns).stdout)
    assert headers == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row_named(rows, "my-nginx")["READY"].endswith("/3")
    headers, rows = parse_table(k("get", "svc", "-n", ns, "-o", "wide").stdout)
    row = row_named(rows, "my-nginx")
    assert row["TYPE"] == "ClusterIP" and row["PORT(S)"] == "80/TCP" and row["SELECTOR"] == "run=my-nginx"
    dep = yaml.safe_load(k("get", "deployment", "my-nginx", "-n", ns, "-o", "yaml").stdout)
    assert dep["spec"]["replicas"] == 3
    assert lines(k("get", "deploy,svc", "-n", ns, "-o", "name").stdout) == \
        ["deployment.apps/my-nginx", "service/my-nginx"]

    fields = field_lines(k("describe", "deployment", "my-nginx", "-n", ns).stdout)
    assert fields["Name"] == "my-nginx" and fields["Replicas"].startswith("3 desired |")
    fields = field_lines(k("describe", "svc", "my-nginx", "-n", ns).stdout)
    assert fields["Name"] == "my-nginx" and fields["Type"] == "ClusterIP" and fields["Selector"] == "run=my-nginx"

    assert k("scale", "deployment", "my-nginx", "--replicas=5", "-n", ns).stdout.strip() == \
        "deployment.apps/my-nginx scaled"
    assert k("get", "deploy", "my-nginx", "-n", ns, "-o", "jsonpath={.spec.replicas}").stdout == "5"

    # Protobuf request bodies (create secret/configmap) as this version encodes them.
    assert k("create", "secret", "generic", "s", "--from-literal=a=b", "-n", ns).stdout.strip() == "secret/s created"
    assert k("create", "configmap", "c", "--from-literal=k=v", "-n", ns).stdout.strip() == "configmap/c created"
    assert k("get", "configmap", "c", "-n", ns, "-o", "jsonpath={.data.k}").stdout == "v"

    out = lines(k("delete", "deployments,svc", "my-nginx", "-n", ns).stdout)
    assert len(out) == 2 and out[0].startswith('deployment.apps "my-nginx" deleted') \
        and out[1].startswith('service "my-nginx" deleted'), out
    r = k("get", "deployment", "my-nginx", "-n", ns, check=False)
    assert r.returncode == 1
    assert 'Error from server (NotFound): deployments.apps "my-nginx" not found' in r.stderr
