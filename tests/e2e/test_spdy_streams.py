"""exec, attach and port-forward over a direct SPDY/3.1 connection, on a real node.

kubectl 1.28 knows nothing else for these commands; kubectl 1.32 uses WebSockets unless told not to with
KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false / KUBECTL_PORT_FORWARD_WEBSOCKETS=false (or falls back to SPDY when the
WebSocket upgrade is refused). Each test checks at -v=8 that the SPDY upgrade is what actually carried the stream.
"""

import os
import subprocess

import pytest

from conftest import start_node, stop_node
from e2e_lib import REPO, assert_status, free_port, versioned_kubectl, wait_until

IMAGES_DIR = os.environ.get("SWIFTLET_IMAGES", str(REPO / ".build" / "images"))
NO_WEBSOCKETS = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false", "KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"}
SPDY_CLIENTS = [("28", {}), ("32", NO_WEBSOCKETS)]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    srv = start_node(tmp_path_factory.mktemp("spdy"), IMAGES_DIR)
    try:
        yield srv
    finally:
        stop_node(srv)


@pytest.fixture(scope="module")
def web(node):
    """An nginx pod in its own namespace, shared by the tests of this module."""
    ns = "spdy-streams"
    node.kubectl("create", "namespace", ns)
    node.kubectl("run", "web", "-n", ns, "--image=nginx")
    wait_until(lambda: node.kubectl("get", "pod", "web", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
               timeout=60, message="web pod running")
    return ns


@pytest.fixture(params=SPDY_CLIENTS, ids=[f"kubectl-1.{v}" + ("-no-websockets" if env else "") for v, env in SPDY_CLIENTS])
def client(request):
    minor, env = request.param
    path = versioned_kubectl(minor)
    assert path is not None, f"kubectl 1.{minor} is required (the machine's kubectl dispatcher carries it)"
    return path, env


def assert_spdy_upgrade(log, protocol):
    """kubectl's -v=8 log shows the SPDY upgrade request and the protocol the 101 agreed on."""
    assert "Upgrade: SPDY/3.1" in log, log[-3000:]
    assert f"X-Stream-Protocol-Version: {protocol}" in log.split("101 Switching Protocols", 1)[-1], log[-3000:]
    assert "Sec-Websocket-Protocol" not in log and "Sec-WebSocket-Protocol" not in log, "a WebSocket was used"


def test_exec_propagates_stdout_stderr_and_exit_code(node, web, client):
    binary, env = client
    r = node.kubectl("exec", "web", "-n", web, "--", "sh", "-c", "echo out; echo err >&2; exit 3",
                     kubectl_bin=binary, env=env, check=False)
    assert r.returncode == 3, r
    assert r.stdout == "out\n", r
    assert "err\n" in r.stderr and "command terminated with exit code 3" in r.stderr, r

    r = node.kubectl("exec", "web", "-n", web, "-v=8", "--", "sh", "-c", "echo fine",
                     kubectl_bin=binary, env=env)
    assert r.stdout == "fine\n"
    assert_spdy_upgrade(r.stderr, "v4.channel.k8s.io")


def test_exec_with_stdin(node, web, client):
    binary, env = client
    text = "hello\n" + "x" * 200_000 + "\nworld\n"   # more than one SPDY frame and one pipe buffer
    r = node.kubectl("exec", "-i", "web", "-n", web, "--", "cat", input=text, kubectl_bin=binary, env=env)
    assert r.stdout == text
    r = node.kubectl("exec", "-i", "web", "-n", web, "--", "sh", "-c", "wc -l; exit 4", input="a\nb\n",
                     kubectl_bin=binary, env=env, check=False)
    assert r.returncode == 4 and r.stdout.strip() == "2", r


def test_exec_under_a_terminal_gets_its_size(node, web, client):
    import pexpect
    binary, env = client
    argv = node.kubectl_argv("exec", "-it", "web", "-n", web, "--", "sh", kubectl_bin=binary)
    child = pexpect.spawn(argv[0], argv[1:], env={**os.environ, **env}, encoding="utf-8", timeout=60,
                          dimensions=(33, 101))
    try:
        child.sendline("stty size; echo done-$((6*7))")
        child.expect("done-42")
        assert "33 101" in child.before, child.before   # the resize stream carried the terminal's size
        child.sendline("exit 5")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 5, (child.exitstatus, child.signalstatus)


def test_exec_refusals_are_explained(node, web, client):
    binary, env = client
    r = node.kubectl("exec", "web", "-n", web, "-c", "nosuch", "--", "true", kubectl_bin=binary, env=env, check=False)
    assert r.returncode != 0 and "container nosuch is not valid for pod web" in r.stderr, r


def test_refused_websocket_falls_back_to_spdy_whose_refusal_is_explained(node, web):
    """kubectl 1.32 as it comes: the WebSocket exec is refused (bare 400), it retries over SPDY, and that refusal
    carries the reason it prints."""
    r = node.kubectl("exec", "web", "-n", web, "-c", "nosuch", "-v=6", "--", "true", kubectl_bin=versioned_kubectl("32"),
                     check=False)
    assert r.returncode == 1, r
    assert "fallback" in r.stderr.lower(), r.stderr[-3000:]
    assert "Error from server (BadRequest): container nosuch is not valid for pod web" in r.stderr, r.stderr[-3000:]


def test_spdy_protocol_handshake_failures_are_explained(node, web):
    """The kubelet's answers when the X-Stream-Protocol-Version handshake fails: 403 without a common protocol,
    400 without the header."""
    upgrade = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}
    exec_path = f"/api/v1/namespaces/{web}/pods/web/exec?command=true&stdout=true"
    cases = [
        (exec_path, {"X-Stream-Protocol-Version": "v9.channel.k8s.io"}, 403, "Forbidden",
         "unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts "
         "[v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]"),
        (exec_path, {}, 400, "BadRequest", "unable to upgrade: X-Stream-Protocol-Version is required"),
        (f"/api/v1/namespaces/{web}/pods/web/portforward", {"X-Stream-Protocol-Version": "v4.channel.k8s.io"}, 403,
         "Forbidden", "client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]"),
    ]
    for path, extra, code, reason, message in cases:
        api = node.api()
        try:
            st = assert_status(api.request("POST", path, headers={**upgrade, **extra}), code, reason)
        finally:
            api.close()
        assert message in st["message"], st


def test_attach_with_stdin(node, web, client):
    binary, env = client
    name = "attach-" + os.path.basename(binary).replace(".", "-")
    # A container that waits for one line on stdin, then answers it; attach sends that line.
    node.kubectl("apply", "-n", web, "-f", "-", input=f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: radial/busyboxplus:curl
    stdin: true
    command: ["sh", "-c", "read line; echo got-$line; sleep 2"]
""")
    wait_until(lambda: node.kubectl("get", "pod", name, "-n", web, "-o", "jsonpath={.status.phase}").stdout == "Running",
               timeout=60, message=f"{name} running")
    r = node.kubectl("attach", "-i", name, "-n", web, "-v=8", input="ping\n", kubectl_bin=binary, env=env,
                     check=False, timeout=60)
    assert "got-ping" in r.stdout, r
    assert_spdy_upgrade(r.stderr, "v4.channel.k8s.io")


def test_port_forward(node, web, client):
    binary, env = client
    port = free_port()
    argv = node.kubectl_argv("port-forward", "-n", web, "-v=8", "pod/web", f"{port}:80", kubectl_bin=binary)
    log_path = node.base_dir / f"port-forward-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, **env})
    try:
        assert "Forwarding from 127.0.0.1" in proc.stdout.readline()
        for _ in range(3):   # several connections through one SPDY session
            r = subprocess.run(["curl", "-sS", "--max-time", "5", f"http://127.0.0.1:{port}/"],
                               capture_output=True, text=True)
            assert "<h1>Welcome to nginx!</h1>" in r.stdout, r
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert_spdy_upgrade(log_path.read_text(), "portforward.k8s.io")
