"""pytest harness: one fresh `swiftlet server` per test module, driven by the real kubectl.

A module that sets `KUBECTL_VERSIONS = ALL_KUBECTLS` runs each of its tests once per kubectl
(the dispatcher, which picks 1.32 for our minor "32", then 1.28 and 1.33 directly), all against
the module's one server; a test that asks for the `kubectl_version` fixture learns which one runs.

Environment:
  SWIFTLET_BIN   the swiftlet executable (default <repo>/.build/debug/swiftlet)
  KUBECTL        the kubectl to run (default `kubectl`, the version dispatcher on this machine)
"""

import os
import re
import signal
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from e2e_lib import REPO, Api, Credentials, free_port, unique, versioned_kubectl, wait_until

STARTUP_TIMEOUT = 60.0
KUBECTL_TIMEOUT = 120.0


def swiftlet_bin():
    return os.environ.get("SWIFTLET_BIN", str(REPO / ".build" / "debug" / "swiftlet"))


def default_kubectl():
    return os.environ.get("KUBECTL", "kubectl")


# The kubectls issue 2's acceptance runs with: the dispatcher (it runs its built-in 1.32 for our
# minor "32", kubectl-wire.md §0), and 1.28 and 1.33 run directly.
DISPATCHED_MINOR = "32"
ALL_KUBECTLS = [DISPATCHED_MINOR, "28", "33"]


class Kubectl(NamedTuple):
    minor: str  # the client's minor version, for assertions where kubectl versions print differently
    path: str


class KubectlError(AssertionError):
    pass


class Server:
    """A `swiftlet server --no-agent` process on a private data dir and port."""

    def __init__(self, base_dir, extra_args=(), agent=False, data_dir=None):
        self.base_dir = Path(base_dir)
        self.extra_args = list(extra_args)
        self.agent = agent
        self.data_dir = Path(data_dir) if data_dir else self.base_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.kubeconfig = self.data_dir / "admin.kubeconfig"
        self.log_path = self.base_dir / "server.log"
        self.proc = None
        self.creds = None
        self.url = None
        # The kubectl that `kubectl()` runs when a call names none (the `kubectl_version` fixture sets it).
        self.kubectl_bin = None

    # ---------------------------------------------------------------- lifecycle

    def argv(self):
        return [swiftlet_bin(), "server", "--data-dir", str(self.data_dir),
                "--api-port", str(self.port)] + ([] if self.agent else ["--no-agent"]) + self.extra_args

    def start(self):
        binary = swiftlet_bin()
        if not os.access(binary, os.X_OK):
            pytest.fail(f"swiftlet binary not found or not executable: {binary} (set SWIFTLET_BIN)")
        log = open(self.log_path, "ab")
        log.write(f"\n===== e2e: starting {' '.join(self.argv())}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.base_dir)
        log.close()
        self._wait_ready()

    def _wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise pytest.fail.Exception(
                    f"swiftlet server exited with {self.proc.returncode} during start-up\n{self.log()}")
            if not self.kubeconfig.exists():
                return False
            r = self.kubectl("get", "--raw", "/readyz", check=False, timeout=10)
            return r.returncode == 0 and r.stdout.strip() == "ok"

        try:
            wait_until(ready, timeout=STARTUP_TIMEOUT, interval=0.2,
                       message=f"{self.kubeconfig} and `kubectl get --raw /readyz` = ok")
        except AssertionError as exc:
            pytest.fail(f"{exc}\n--- server log tail ---\n{self.log()}")
        self.creds = Credentials(self.kubeconfig, self.base_dir / "creds")
        self.url = self.creds.server

    def kill9(self):
        """SIGKILL, as a crash or power cut would; waits until the process is gone."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def restart(self):
        """Start again on the same data dir and port (after kill9 or stop)."""
        if self.proc and self.proc.poll() is None:
            self.stop()
        self.start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self, tail_lines=80):
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-tail_lines:])

    # ---------------------------------------------------------------- clients

    def cache_dir(self, binary):
        # One discovery/HTTP cache per server and per kubectl binary: the dispatcher
        # caches /version there, and different kubectl versions should not share one.
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(binary).name)
        return str(self.base_dir / "kubectl-cache" / name)

    def kubectl_argv(self, *args, kubectl_bin=None):
        binary = kubectl_bin or self.kubectl_bin or default_kubectl()
        return [binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", self.cache_dir(binary), *args]

    def kubectl(self, *args, input=None, check=True, env=None, cwd=None, kubectl_bin=None,
                timeout=KUBECTL_TIMEOUT):
        argv = self.kubectl_argv(*args, kubectl_bin=kubectl_bin)
        full_env = dict(os.environ)
        full_env.pop("KUBECONFIG", None)
        full_env.update(env or {})
        try:
            r = subprocess.run(argv, input=input, capture_output=True, text=True, env=full_env,
                               cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise KubectlError(f"kubectl timed out after {timeout}s: {' '.join(argv)}\n"
                               f"stdout: {exc.stdout}\nstderr: {exc.stderr}") from None
        if check and r.returncode != 0:
            raise KubectlError(f"kubectl failed (exit {r.returncode}): {' '.join(argv)}\n"
                               f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def api(self, client_cert=True):
        return Api(self.creds, client_cert=client_cert)


def pytest_generate_tests(metafunc):
    """Modules that set KUBECTL_VERSIONS run every test once per listed kubectl minor.

    Module scope groups a module's tests by version, so `server_process` (not parametrized)
    starts once per module and only the kubectl changes between the groups."""
    versions = getattr(metafunc.module, "KUBECTL_VERSIONS", None)
    if versions and "kubectl_version" in metafunc.fixturenames:
        metafunc.parametrize("kubectl_version", versions, ids=[f"kubectl-1.{v}" for v in versions],
                             indirect=True, scope="module")


@pytest.fixture(scope="module")
def kubectl_version(request):
    """The kubectl this module's tests run now: the dispatcher unless parametrized with another minor."""
    minor = getattr(request, "param", DISPATCHED_MINOR)
    if minor == DISPATCHED_MINOR:
        return Kubectl(minor, default_kubectl())
    path = versioned_kubectl(minor)
    # Fail, not skip: the machine's kubectl dispatcher carries these versions (kubectl-wire.md §0).
    assert path is not None, f"kubectl 1.{minor} is required (the machine's kubectl dispatcher carries it)"
    return Kubectl(minor, path)


@pytest.fixture(scope="module")
def server_process(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("swiftlet"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server(server_process, kubectl_version):
    """The module's server, its `kubectl()` running the kubectl of the current version group."""
    server_process.kubectl_bin = kubectl_version.path
    yield server_process
    server_process.kubectl_bin = None


@pytest.fixture
def api(server):
    client = server.api()
    yield client
    client.close()


def namespace_request(server, method, path, body=None):
    client = server.api()
    try:
        return client.request(method, path, body=body)
    finally:
        client.close()


@pytest.fixture
def ns(server, request):
    """A fresh namespace for one test, deleted (without waiting) afterwards.

    Made and removed over plain HTTPS, not with kubectl: two kubectl runs per test (0.4-0.7 s each on a
    busy machine) were a large share of the time once every acceptance test ran with three kubectls.
    `create -f` of a Namespace is still covered, by `create_namespace` where a test makes a second one."""
    base = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = unique(f"e2e-{base}")
    r = namespace_request(server, "POST", "/api/v1/namespaces",
                          {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert r.status == 201, f"creating namespace {name}: {r!r}"
    yield name
    if server.proc and server.proc.poll() is None:
        namespace_request(server, "DELETE", f"/api/v1/namespaces/{name}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of the server's log to the test report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        srv = getattr(item, "funcargs", {}).get("server")
        if isinstance(srv, Server):
            report.sections.append(("swiftlet server log (tail)", srv.log()))


def start_node(base, images_dir, extra_args=()):
    """A real node (with the agent) on a private data dir, the tutorial's images imported, Ready with its routes.
    Callers stop it with `stop_node`."""
    from test_node_agent import routes_in_place, run
    data = Path(base) / "data"
    data.mkdir(exist_ok=True)
    for archive in sorted(Path(images_dir).glob("*.tar")):
        run(swiftlet_bin(), "image", "import", "--data-dir", str(data), str(archive))
    srv = Server(base, agent=True, data_dir=data, extra_args=["--no-dns-upstream", *extra_args])
    srv.start()
    wait_until(lambda: " Ready " in srv.kubectl("get", "nodes", check=False).stdout and routes_in_place(), timeout=60,
               message="node Ready with its routes")
    return srv


def attach_node(base, kubeconfig):
    """A node that is already running (e.g. brought up by `make up`), reached through its admin kubeconfig.
    Nothing is started; nothing but what a test creates is removed."""
    srv = Server(base)
    srv.kubeconfig = Path(kubeconfig)
    srv.creds = Credentials(srv.kubeconfig, srv.base_dir / "creds")
    srv.url = srv.creds.server
    return srv


def stop_node(srv):
    """Deletes every pod (so the agent tears them down), stops the server and resets the host, checking that the
    reset removed the proxy table and the bridge."""
    from test_node_agent import run
    srv.kubectl("delete", "pods", "--all", "-A", "--wait=true", "--timeout=60s", check=False)
    srv.stop()
    r = run(swiftlet_bin(), "reset", "--data-dir", str(srv.data_dir), check=False)
    assert r.returncode == 0, f"swiftlet reset failed: {r.stdout}{r.stderr}"
    # Uninstall leaves nothing behind: no proxy table, no bridge.
    assert run("nft", "list", "table", "ip", "swiftlet", check=False).returncode != 0, "swiftlet reset left the nftables table"
    assert run("ip", "link", "show", "swiftlet0", check=False).returncode != 0, "swiftlet reset left the bridge"
