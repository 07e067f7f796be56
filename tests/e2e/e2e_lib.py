"""Helpers shared by the end-to-end tests: polling, kubectl output parsing, raw HTTPS.

Everything here is standard library + PyYAML so the suite runs on a bare Debian box.
"""

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MANIFESTS = HERE / "manifests"


# --------------------------------------------------------------------------- polling

def wait_until(fn, timeout=30.0, interval=0.1, message="condition"):
    """Poll `fn` until it returns something truthy; return that value.

    Exceptions raised by `fn` count as "not yet" so callers can poll things that
    fail while a server is still coming up. On timeout the last value or error is
    part of the assertion message, which is what one needs to debug a hang.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except Exception as exc:  # noqa: BLE001 - any failure means "retry"
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}; last: {last!r}")
        time.sleep(interval)


def unique(prefix):
    """A DNS-1123 label that no other test uses."""
    return f"{prefix}-{secrets.token_hex(3)}"


def create_namespace(server, name):
    """Create a namespace from a manifest (a JSON body).

    `kubectl create namespace NAME` would POST protobuf; the fixtures avoid depending on that so
    a protobuf bug fails only the tests about it (test_get.py::test_create_namespace_command).
    """
    r = server.kubectl("create", "-f", "-", input=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
    assert r.stdout.strip() == f"namespace/{name} created", r.stdout
    return name


def default_route_ipv4():
    """This host's address as the kubelet picks a node's InternalIP: the IPv4 address of the default route's interface."""
    route = json.loads(subprocess.run(["ip", "-j", "-4", "route", "show", "default"], capture_output=True, text=True,
                                      check=True).stdout)
    assert route, "this host has no IPv4 default route"
    dev = route[0]["dev"]
    links = json.loads(subprocess.run(["ip", "-j", "-4", "addr", "show", "dev", dev], capture_output=True, text=True,
                                      check=True).stdout)
    addrs = [a["local"] for link in links for a in link.get("addr_info", []) if a.get("family") == "inet"]
    assert addrs, f"the default route's interface {dev} has no IPv4 address"
    return addrs[0]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- kubectl

def versioned_kubectl(minor):
    """Path of the kubectl 1.<minor> binary that the dispatcher carries, or None.

    The dispatcher at /usr/bin/kubectl is a link into the Google Cloud SDK; the
    versioned binaries sit next to its target (`kubectl.1.28`), not in /usr/bin.
    """
    name = f"kubectl.1.{minor}"
    candidates = []
    base = shutil.which(os.environ.get("KUBECTL", "kubectl"))
    if base:
        candidates.append(Path(os.path.realpath(base)).parent / name)
        candidates.append(Path(base).parent / name)
    candidates += [Path("/usr/bin") / name, Path("/usr/lib/google-cloud-sdk/bin") / name]
    found = shutil.which(name)
    if found:
        candidates.insert(0, Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


def lines(text):
    return [ln for ln in text.splitlines() if ln.strip()]


_HEADER_CELL = re.compile(r"\S+(?: \S+)*")  # "NOMINATED NODE" is one header; columns are 3+ spaces apart


def parse_tables(text):
    """Parse kubectl's column output into [(headers, [row dict, ...]), ...].

    Blocks are separated by blank lines (`kubectl get all` prints one per kind).
    Cells are cut at the header columns' start offsets, because tabwriter pads every
    column of a block to the same width; this also copes with empty cells.
    """
    blocks, current = [], []
    for ln in text.splitlines():
        if ln.strip():
            current.append(ln)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    tables = []
    for block in blocks:
        header = block[0]
        spans = [(m.group(0), m.start()) for m in _HEADER_CELL.finditer(header)]
        names = [n for n, _ in spans]
        rows = []
        for ln in block[1:]:
            row = {}
            for i, (name, start) in enumerate(spans):
                end = spans[i + 1][1] if i + 1 < len(spans) else None
                row[name] = (ln[start:end] if end is not None else ln[start:]).strip()
            rows.append(row)
        tables.append((names, rows))
    return tables


def parse_table(text):
    """The single table of a plain `kubectl get` output: (headers, rows)."""
    tables = parse_tables(text)
    assert len(tables) == 1, f"expected one table, got {len(tables)}:\n{text}"
    return tables[0]


def row_named(rows, name, column="NAME"):
    matches = [r for r in rows if r.get(column) == name]
    assert len(matches) == 1, f"expected exactly one row with {column}={name!r}, got {rows!r}"
    return matches[0]


def field_lines(text):
    """`describe` output as {"Key": "value"} for the top-level `Key:   value` lines."""
    out = {}
    for ln in text.splitlines():
        m = re.match(r"^([A-Za-z][A-Za-z ]*?):\s+(.*)$", ln)
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(2).strip()
    return out


# --------------------------------------------------------------------------- kubeconfig & raw HTTPS

class Credentials:
    """CA + admin client certificate from a kubeconfig, materialised as files for `ssl`."""

    def __init__(self, kubeconfig_path, out_dir):
        cfg = yaml.safe_load(Path(kubeconfig_path).read_text())
        ctx_name = cfg.get("current-context")
        contexts = {c["name"]: c["context"] for c in cfg.get("contexts", [])}
        ctx = contexts.get(ctx_name) if ctx_name else None
        if ctx is None:
            ctx = cfg["contexts"][0]["context"]
        cluster = {c["name"]: c["cluster"] for c in cfg["clusters"]}[ctx["cluster"]]
        user = {u["name"]: u["user"] for u in cfg["users"]}[ctx["user"]]
        self.server = cluster["server"]
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        base = Path(kubeconfig_path).parent

        def material(section, data_key, file_key, filename):
            if section.get(data_key):
                raw = base64.b64decode(section[data_key])
            else:
                p = Path(section[file_key])
                raw = (p if p.is_absolute() else base / p).read_bytes()
            path = out_dir / filename
            path.write_bytes(raw)
            os.chmod(path, 0o600)
            return str(path)

        self.ca_file = material(cluster, "certificate-authority-data", "certificate-authority", "ca.crt")
        self.cert_file = material(user, "client-certificate-data", "client-certificate", "admin.crt")
        self.key_file = material(user, "client-key-data", "client-key", "admin.key")
        m = re.match(r"^https://(\[[^\]]+\]|[^:/]+)(?::(\d+))?", self.server)
        assert m, f"kubeconfig server is not an https URL: {self.server}"
        self.host = m.group(1).strip("[]")
        self.port = int(m.group(2) or 443)

    def ssl_context(self, client_cert=True):
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if client_cert:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


class Response:
    """Status, case-insensitive headers (an `http.client.HTTPMessage`) and body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return f"<Response {self.status} {self.body[:600]!r}>"


class Api:
    """A tiny Kubernetes REST client over `http.client`, with the admin client certificate.

    Not thread-safe per instance: a thread pool creates one `Api` (one keep-alive
    connection) per worker.
    """

    def __init__(self, creds, client_cert=True, timeout=30):
        self.creds = creds
        self.client_cert = client_cert
        self.timeout = timeout
        self._conn = None

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPSConnection(
                self.creds.host, self.creds.port, timeout=self.timeout,
                context=self.creds.ssl_context(self.client_cert))
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, content_type="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        hdrs = {"Accept": "application/json"}
        if body is not None:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(resp.status, resp.msg, data)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def send_large(self, method, path, body, content_type="application/json"):
        """Send a body that the server may refuse before reading it all.

        A server that answers 413 early and closes would make a plain `request`
        die with EPIPE/ECONNRESET before the answer is read; here write errors are
        tolerated and the response is read anyway.
        """
        conn = http.client.HTTPSConnection(self.creds.host, self.creds.port, timeout=self.timeout,
                                           context=self.creds.ssl_context(self.client_cert))
        try:
            conn.putrequest(method, path)
            conn.putheader("Content-Type", content_type)
            conn.putheader("Accept", "application/json")
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            step = 64 * 1024
            try:
                for i in range(0, len(body), step):
                    conn.send(body[i:i + step])
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            resp = conn.getresponse()
            return Response(resp.status, resp.msg, resp.read())
        finally:
            conn.close()


def assert_status(resp, code, reason):
    """The response is a Kubernetes `Status` failure with this code and reason."""
    assert resp.status == code, f"expected HTTP {code}, got {resp!r}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"Status must be JSON, got Content-Type {ctype!r}: {resp!r}"
    st = resp.json()
    assert st.get("kind") == "Status", st
    assert st.get("apiVersion") == "v1", st
    assert st.get("status") == "Failure", st
    assert st.get("code") == code, st
    assert st.get("reason") == reason, st
    assert isinstance(st.get("message"), str) and st["message"], st
    return st
