"""Secrets and ConfigMaps as the tutorial makes them, including its mis-indented nginxsecrets.yaml.

`kubectl create secret|configmap` POSTs a protobuf body (kubectl-wire.md §6); `apply` POSTs JSON
with fieldValidation=Strict, so the server's strict decoding and Secret validation decide.
"""

import base64
import json
import subprocess

import pytest

from conftest import ALL_KUBECTLS
from e2e_lib import MANIFESTS, parse_table, row_named

KUBECTL_VERSIONS = ALL_KUBECTLS  # every test runs with each kubectl (issue 2's acceptance)

DEFAULT_CONF = """\
server {
    listen 80 default_server;
    listen [::]:80 default_server ipv6only=on;

    listen 443 ssl;

    root /usr/share/nginx/html;
    index index.html;

    server_name localhost;
    ssl_certificate /etc/nginx/ssl/tls.crt;
    ssl_certificate_key /etc/nginx/ssl/tls.key;

    location / {
        try_files $uri $uri/ =404;
    }
}
"""


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for CN=my-nginx, made the tutorial's way."""
    d = tmp_path_factory.mktemp("cert")
    key, crt = d / "nginx.key", d / "nginx.crt"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "365", "-newkey", "rsa:2048",
                    "-keyout", str(key), "-out", str(crt), "-subj", "/CN=my-nginx/O=my-nginx"],
                   check=True, capture_output=True)
    return {"key": key, "crt": crt}


def b64(data):
    return base64.b64encode(data).decode()


def get_json(server, kind, name, ns):
    return json.loads(server.kubectl("get", kind, name, "-n", ns, "-o", "json").stdout)


def assert_absent(server, kind, name, ns):
    r = server.kubectl("get", kind, name, "-n", ns, check=False)
    assert r.returncode == 1, r.stdout
    assert f'Error from server (NotFound): {kind}s "{name}" not found' in r.stderr, r.stderr


def test_create_secret_tls(server, ns, cert):
    r = server.kubectl("create", "secret", "tls", "nginxsecret", "--key", str(cert["key"]),
                       "--cert", str(cert["crt"]), "-n", ns)
    assert r.stdout.strip() == "secret/nginxsecret created"

    headers, rows = parse_table(server.kubectl("get", "secrets", "-n", ns).stdout)
    assert headers == ["NAME", "TYPE", "DATA", "AGE"]
    row = row_named(rows, "nginxsecret")
    assert (row["TYPE"], row["DATA"]) == ("kubernetes.io/tls", "2")

    secret = get_json(server, "secret", "nginxsecret", ns)
    assert secret["type"] == "kubernetes.io/tls"
    assert set(secret["data"]) == {"tls.crt", "tls.key"}
    assert base64.b64decode(secret["data"]["tls.crt"]) == cert["crt"].read_bytes()
    assert base64.b64decode(secret["data"]["tls.key"]) == cert["key"].read_bytes()


def test_create_secret_generic(server, ns):
    r = server.kubectl("create", "secret", "generic", "s", "--from-literal=a=b", "-n", ns)
    assert r.stdout.strip() == "secret/s created"
    secret = get_json(server, "secret", "s", ns)
    assert secret["type"] == "Opaque"
    assert secret["data"] == {"a": b64(b"b")}
    row = row_named(parse_table(server.kubectl("get", "secrets", "-n", ns).stdout)[1], "s")
    assert (row["TYPE"], row["DATA"]) == ("Opaque", "1")

    r = server.kubectl("create", "secret", "generic", "s", "--from-literal=a=c", "-n", ns, check=False)
    assert r.returncode == 1
    assert 'secrets "s" already exists' in r.stderr
    assert get_json(server, "secret", "s", ns)["data"] == {"a": b64(b"b")}


def test_create_configmap_from_file(server, ns, tmp_path):
    (tmp_path / "default.conf").write_text(DEFAULT_CONF)
    r = server.kubectl("create", "configmap", "nginxconfigmap", "--from-file=default.conf", "-n", ns,
                       cwd=str(tmp_path))
    assert r.stdout.strip() == "configmap/nginxconfigmap created"

    headers, rows = parse_table(server.kubectl("get", "configmaps", "-n", ns).stdout)
    assert headers == ["NAME", "DATA", "AGE"]
    assert row_named(rows, "nginxconfigmap")["DATA"] == "1"
    cm = get_json(server, "configmap", "nginxconfigmap", ns)
    assert cm["data"] == {"default.conf": DEFAULT_CONF}


def tutorial_secret_yaml(ns, cert, transform=None):
    """nginxsecrets.yaml as the tutorial prints it, with the base64 filled in and our namespace."""
    text = (MANIFESTS / "nginxsecrets.yaml").read_text()
    assert '  namespace: "default"\n  type: kubernetes.io/tls\n' in text, "the manifest is the tutorial's"
    text = text.replace('namespace: "default"', f'namespace: "{ns}"')
    text = text.replace("REPLACE_WITH_BASE64_OF_nginx.crt", b64(cert["crt"].read_bytes()))
    text = text.replace("REPLACE_WITH_BASE64_OF_nginx.key", b64(cert["key"].read_bytes()))
    return transform(text) if transform else text


def test_tutorial_secret_with_type_under_metadata_is_rejected(server, ns, cert, tmp_path):
    path = tmp_path / "nginxsecrets.yaml"
    path.write_text(tutorial_secret_yaml(ns, cert))
    r = server.kubectl("apply", "-f", str(path), check=False)
    assert r.returncode == 1, r
    assert "Error from server (BadRequest)" in r.stderr, r.stderr
    assert 'strict decoding error: unknown field "metadata.type"' in r.stderr, r.stderr
    assert r.stdout.strip() == ""
    assert_absent(server, "secret", "nginxsecret", ns)


def test_tutorial_secret_with_tls_type_lacks_tls_keys(server, ns, cert, tmp_path):
    def move_type_to_top(text):
        text = text.replace("  type: kubernetes.io/tls\n", "")
        return text.replace('kind: "Secret"\n', 'kind: "Secret"\ntype: kubernetes.io/tls\n')

    path = tmp_path / "nginxsecrets.yaml"
    path.write_text(tutorial_secret_yaml(ns, cert, move_type_to_top))
    r = server.kubectl("apply", "-f", str(path), check=False)
    assert r.returncode == 1, r
    assert "is invalid" in r.stderr, r.stderr
    assert "data[tls.crt]: Required value" in r.stderr, r.stderr
    assert "data[tls.key]: Required value" in r.stderr, r.stderr
    assert_absent(server, "secret", "nginxsecret", ns)


def test_tutorial_secret_without_type_is_opaque(server, ns, cert, tmp_path):
    path = tmp_path / "nginxsecrets.yaml"
    path.write_text(tutorial_secret_yaml(ns, cert, lambda t: t.replace("  type: kubernetes.io/tls\n", "")))
    r = server.kubectl("apply", "-f", str(path))
    assert r.stdout.strip() == "secret/nginxsecret created"
    r = server.kubectl("get", "secret", "nginxsecret", "-n", ns, "-o", "jsonpath={.type}")
    assert r.stdout == "Opaque"
    secret = get_json(server, "secret", "nginxsecret", ns)
    assert base64.b64decode(secret["data"]["nginx.crt"]) == cert["crt"].read_bytes()
    assert base64.b64decode(secret["data"]["nginx.key"]) == cert["key"].read_bytes()
    row = row_named(parse_table(server.kubectl("get", "secrets", "-n", ns).stdout)[1], "nginxsecret")
    assert (row["TYPE"], row["DATA"]) == ("Opaque", "2")
