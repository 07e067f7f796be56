"""The node agent for real, as root: pods in their own network namespaces on the swiftlet0 bridge, containers
started through the shim, exec/run/logs through the real kubectl, restarts, crash safety and cleanup.

Images come from rootfs-images/ (built once by `make images`, imported here with `swiftlet image import`)."""

import datetime
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Server, swiftlet_bin
from e2e_lib import REPO, default_route_ipv4, parse_table, wait_until

MANIFESTS = Path(__file__).parent / "manifests"
IMAGES_DIR = Path(os.environ.get("SWIFTLET_IMAGES", REPO / ".build" / "images"))
POD_CIDR = re.compile(r"^10\.244\.0\.\d+$")


def run(*argv, check=True, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check, **kw)


def routes_in_place():
    """Network safety: pod and service traffic may only be sent once swiftlet's routes keep it on this box."""
    svc = run("ip", "route", "show", "10.96.0.0/12").stdout
    unreachable = run("ip", "route", "show", "type", "unreachable").stdout
    return "dev swiftlet0" in svc and "10.244.0.0/16" in unreachable


def curl(url, *extra, timeout=5):
    assert routes_in_place(), "swiftlet's routes are not in place; refusing to send traffic"
    return run("curl", "-sS", "--max-time", str(timeout), *extra, url, check=False)


def host_state(data_dir=None):
    """What the node agent makes on the host, to compare before and after."""
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    cgroups = sum(1 for _ in Path("/sys/fs/cgroup").glob("*/swiftlet/*")) + sum(1 for _ in Path("/sys/fs/cgroup").glob("swiftlet/*"))
    extra = {}
    if data_dir:
        extra = {"netns_files": len(list((Path(data_dir) / "netns").glob("*"))),
                 "ip_leases": len([p for p in (Path(data_dir) / "pod-network" / "ipam").glob("*") if p.name[0].isdigit()])}
    return {**extra, "cgroups": cgroups,
        "veths": len([l for l in run("ip", "-o", "link", "show", "type", "veth").stdout.splitlines() if l.strip()]),
        "overlay": len([m for m in mounts if " overlay " in m]),
        "swiftlet_mounts": len([m for m in mounts if "/swiftlet" in m.split()[1] or "e2e" in m.split()[1]]),
        "shims": len([l for l in run("pgrep", "-f", "swiftlet-shim", check=False).stdout.split() if l]),
    }


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    archives = sorted(IMAGES_DIR.glob("*.tar"))
    assert archives, f"no image archives in {IMAGES_DIR}: run `make images` first"
    base = tmp_path_factory.mktemp("node")
    data = base / "data"
    data.mkdir()
    for a in archives:
        run(swiftlet_bin(), "image", "import", "--data-dir", str(data), str(a))
    manifests = base / "static-pods"
    manifests.mkdir()
    srv = Server(base, agent=True, data_dir=data, extra_args=["--no-dns-upstream", "--pod-manifest-path", str(manifests)])
    srv.static_pods = manifests
    srv.start()
    wait_until(lambda: "Ready" in srv.kubectl("get", "nodes", check=False).stdout and routes_in_place(), timeout=60,
               message="node Ready with its routes")
    try:
        yield srv
    finally:
        srv.kubectl("delete", "pods", "--all", "-A", "--wait=true", "--timeout=60s", check=False)
        srv.stop()
        run(swiftlet_bin(), "reset", "--data-dir", str(data), check=False)


@pytest.fixture(scope="module")
def server(node):
    """The shared fixtures (ns) talk to this module's node."""
    return node


def running(node, ns, selector, n, timeout=60):
    def check():
        items = json.loads(node.kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "json").stdout)["items"]
        live = [p for p in items if not p["metadata"].get("deletionTimestamp")]
        ok = [p for p in live if p["status"].get("phase") == "Running"
              and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]
        return ok if len(live) == n and len(ok) == n else None
    return wait_until(check, timeout=timeout, message=f"{n} pods {selector} running in {ns}")


def meminfo_kib(field="MemTotal"):
    m = re.search(rf"^{field}:\s+(\d+) kB$", Path("/proc/meminfo").read_text(), re.M)
    return int(m.group(1))


def micro_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_node_object_describes_this_machine(node):
    items = json.loads(node.kubectl("get", "node", "-o", "json").stdout)["items"]
    assert len(items) == 1, [n["metadata"]["name"] for n in items]
    n = items[0]
    name = n["metadata"]["name"]
    assert name == socket.gethostname().lower()
    addresses = [(a["type"], a["address"]) for a in n["status"]["addresses"]]
    assert addresses == [("InternalIP", default_route_ipv4()), ("Hostname", name)], addresses
    capacity, allocatable = n["status"]["capacity"], n["status"]["allocatable"]
    assert capacity["cpu"] == str(os.cpu_count()), capacity
    assert capacity["memory"] == f"{meminfo_kib()}Ki", capacity
    assert capacity["pods"] == "110"
    for resource in ("cpu", "memory", "pods"):
        assert allocatable[resource] == capacity[resource], (resource, allocatable, capacity)
    conditions = {c["type"]: (c["status"], c["reason"]) for c in n["status"]["conditions"]}
    assert conditions == {"Ready": ("True", "KubeletReady"), "MemoryPressure": ("False", "KubeletHasSufficientMemory"),
                          "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
                          "PIDPressure": ("False", "KubeletHasSufficientPID")}, conditions
    assert n["spec"]["podCIDR"] == "10.244.0.0/24" and n["spec"]["podCIDRs"] == ["10.244.0.0/24"], n["spec"]
    assert n["metadata"]["labels"]["kubernetes.io/hostname"] == name
    wide = parse_table(node.kubectl("get", "nodes", "-o", "wide").stdout)[1]
    assert [(r["NAME"], r["STATUS"], r["INTERNAL-IP"], r["EXTERNAL-IP"]) for r in wide] == \
        [(name, "Ready", default_route_ipv4(), "<none>")], wide

    # The heartbeat Lease, owned by the Node, renewed every 10 s.
    def lease():
        return json.loads(node.kubectl("get", "lease", name, "-n", "kube-node-lease", "-o", "json").stdout)
    first = lease()
    assert first["spec"]["holderIdentity"] == name and first["spec"]["leaseDurationSeconds"] == 40, first["spec"]
    assert [(o["kind"], o["name"], o["uid"]) for o in first["metadata"]["ownerReferences"]] == \
        [("Node", name, n["metadata"]["uid"])]

    def renewed():
        current = lease()
        return current if micro_time(current["spec"]["renewTime"]) > micro_time(first["spec"]["renewTime"]) else None
    later = wait_until(renewed, timeout=30, message="the node Lease renewed")
    assert int(later["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])


def test_tutorial_pods_run_with_their_own_ips(node, ns):
    node.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    pods = running(node, ns, "run=my-nginx", 2)
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == 2 and all(POD_CIDR.match(ip) for ip in ips), ips
    table = parse_table(node.kubectl("get", "pods", "-n", ns, "-l", "run=my-nginx", "-o", "wide").stdout)[1]
    assert all(r["READY"] == "1/1" and r["STATUS"] == "Running" for r in table), table
    for ip in ips:
        page = curl(f"http://{ip}/")
        assert "<title>Welcome to nginx!</title>" in page.stdout and "<h1>Welcome to nginx!</h1>" in page.stdout, page
    # The access log of the request reaches `kubectl logs`.
    name = pods[0]["metadata"]["name"]
    wait_until(lambda: '"GET / HTTP/1.1" 200' in node.kubectl("logs", name, "-n", ns).stdout, timeout=20,
               message="nginx access log line in kubectl logs")
    env = node.kubectl("exec", name, "-n", ns, "--", "printenv").stdout
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1" in env
    ps = node.kubectl("exec", name, "-n", ns, "--", "sh", "-c", "ls -d /proc/[0-9]*").stdout.split()
    assert "/proc/1" in ps and len(ps) < 10, ps   # only the pod's own processes (nginx, its workers, the shell)
    r = node.kubectl("exec", name, "-n", ns, "--", "sh", "-c", "exit 7", check=False)
    assert r.returncode == 7 and "command terminated with exit code 7" in r.stderr


def test_container_isolation(node, ns):
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
        "spec": {"containers": [{"name": "c", "image": "radial/busyboxplus:curl",
                                 "command": ["sh", "-c", "sleep 3600"]}]},
    }
    node.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(pod))
    wait_until(
        lambda: node.kubectl("get", "pod", "probe", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
        timeout=60, message="probe pod running")

    def sh(cmd):
        return node.kubectl("exec", "probe", "-n", ns, "--", "sh", "-c", cmd, check=False)
    status = sh("cat /proc/self/status").stdout
    assert re.search(r"^CapEff:\s+00000000a80425fb$", status, re.M), status
    assert re.search(r"^CapBnd:\s+00000000a80425fb$", status, re.M), status
    assert sh("hostname").stdout.strip() == "probe"
    assert sh("mount -t tmpfs none /mnt").returncode != 0
    assert sh("cat /proc/kcore | head -c 1 | wc -c").stdout.strip() == "0"
    assert sh("echo 1 > /proc/sys/kernel/panic").returncode != 0
    assert len(sh("ls -d /proc/[0-9]*").stdout.split()) < 6
    assert "nameserver 10.96.0.10" in sh("cat /etc/resolv.conf").stdout


def test_crashing_container_backs_off(node, ns):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crasher"},
           "spec": {"containers": [{"name": "c", "image": "radial/busyboxplus:curl", "command": ["sh", "-c", "exit 3"]}]}}
    node.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(pod))

    def crashed():
        p = json.loads(node.kubectl("get", "pod", "crasher", "-n", ns, "-o", "json").stdout)
        cs = (p["status"].get("containerStatuses") or [{}])[0]
        waiting = cs.get("state", {}).get("waiting", {}).get("reason")
        last = cs.get("lastState", {}).get("terminated", {}).get("exitCode")
        return cs if cs.get("restartCount", 0) >= 1 and waiting == "CrashLoopBackOff" and last == 3 else None
    wait_until(crashed, timeout=90, message="CrashLoopBackOff with lastState exit code 3")
    assert "CrashLoopBackOff" in node.kubectl("get", "pod", "crasher", "-n", ns).stdout


def test_run_interactive_shell_under_a_terminal(node, ns):
    import pexpect
    argv = node.kubectl_argv("run", "curl", "-n", ns, "--image=radial/busyboxplus:curl", "-i", "--tty", "--rm")
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", timeout=90)
    try:
        child.expect("If you don't see a command prompt, try pressing enter.")
        child.sendline("")
        child.sendline("hostname; echo done-$((6*7))")
        child.expect("done-42")
        assert "curl" in child.before
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    wait_until(lambda: node.kubectl("get", "pod", "curl", "-n", ns, check=False).returncode != 0, timeout=60,
               message="--rm removed the pod")


def test_restart_of_the_server_keeps_pods_running(node, ns):
    node.kubectl("apply", "-n", ns, "-f", str(MANIFESTS / "run-my-nginx.yaml"))
    node.kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=10")
    pods = running(node, ns, "run=my-nginx", 10, timeout=120)
    before = {p["metadata"]["name"]: (p["status"]["podIP"], p["status"]["containerStatuses"][0]["containerID"]) for p in pods}
    pids = {p["metadata"]["name"]: int((Path(node.data_dir) / "pods" / p["metadata"]["uid"] / "containers" / "my-nginx" / "0" / "pid")
                                       .read_text().split()[0]) for p in pods}
    node.kill9()
    # While the server is down, one container dies; its exit must be reported, the others must be untouched.
    victim = sorted(pids)[0]
    os.kill(pids[victim], 9)
    node.restart()

    def settled():
        items = json.loads(node.kubectl("get", "pods", "-n", ns, "-l", "run=my-nginx", "-o", "json").stdout)["items"]
        by_name = {p["metadata"]["name"]: p for p in items}
        last = by_name[victim]["status"]["containerStatuses"][0].get("lastState", {}).get("terminated", {})
        return by_name if last.get("exitCode") == 137 else None
    after = wait_until(settled, timeout=60, message="the container killed while the server was down is reported")
    assert set(after) == set(before)
    for name, p in after.items():
        assert p["status"]["podIP"] == before[name][0]
        if name != victim:
            assert p["status"]["containerStatuses"][0]["restartCount"] == 0
            assert p["status"]["containerStatuses"][0]["containerID"] == before[name][1]
            os.kill(pids[name], 0)   # the same process still runs


def test_create_delete_cycles_leave_nothing_behind(node, ns):
    # Earlier tests' namespaces are still being emptied; count from a quiet node.
    wait_until(lambda: node.kubectl("get", "pods", "-A", "-o", "name").stdout.strip() == "", timeout=120,
               message="no pods left from earlier tests")

    def quiet():
        # The agent may still be tearing down pods the API already forgot; count once nothing moves.
        first = host_state(node.data_dir)
        time.sleep(2)
        return first if first == host_state(node.data_dir) and first["veths"] == 0 else None
    before = wait_until(quiet, timeout=120, message="the node is quiet")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cycle"},
           "spec": {"terminationGracePeriodSeconds": 1,
                    "containers": [{"name": "c", "image": "radial/busyboxplus:curl", "command": ["sleep", "3600"]}]}}
    cycles = int(os.environ.get("SWIFTLET_CYCLES", "200"))
    for _ in range(cycles):
        node.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(pod))
        wait_until(lambda: node.kubectl("get", "pod", "cycle", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
                   timeout=30, message="cycle pod running")
        node.kubectl("delete", "pod", "cycle", "-n", ns, "--wait=true", "--timeout=60s")
    wait_until(lambda: host_state(node.data_dir) == before, timeout=30,
               message=f"host state back to {before} (now {host_state(node.data_dir)})")


@pytest.fixture
def registry(tmp_path):
    """Debian's docker-registry on loopback, holding the nginx image pushed with skopeo."""
    from e2e_lib import free_port
    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
                      f"http:\n  addr: 127.0.0.1:{port}\nlog:\n  level: error\n")
    proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: run("curl", "-sf", f"http://127.0.0.1:{port}/v2/", check=False).returncode == 0, timeout=20,
                   message="registry up")
        run("skopeo", "copy", "--dest-tls-verify=false", f"oci-archive:{IMAGES_DIR / 'nginx.tar'}",
            f"docker://127.0.0.1:{port}/mirror/nginx:1.0")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_image_pull_from_a_registry_on_loopback(node, ns, registry):
    image = f"{registry}/mirror/nginx:1.0"
    node.kubectl("run", "pulled", "-n", ns, f"--image={image}")
    wait_until(lambda: node.kubectl("get", "pod", "pulled", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
               timeout=90, message="pulled image running")
    ip = node.kubectl("get", "pod", "pulled", "-n", ns, "-o", "jsonpath={.status.podIP}").stdout
    assert "<h1>Welcome to nginx!</h1>" in curl(f"http://{ip}/").stdout
    events = node.kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=pulled").stdout
    assert "Pulling" in events and "Successfully pulled image" in events
    assert f"{registry}/mirror/nginx" in run(swiftlet_bin(), "image", "ls", "--data-dir", str(node.data_dir)).stdout


def test_missing_image_reports_errimagepull(node, ns, registry):
    node.kubectl("run", "missing", "-n", ns, f"--image={registry}/mirror/nosuch:1.0")

    def waiting_reason():
        p = json.loads(node.kubectl("get", "pod", "missing", "-n", ns, "-o", "json").stdout)
        cs = (p["status"].get("containerStatuses") or [{}])[0]
        w = cs.get("state", {}).get("waiting", {})
        return w if w.get("reason") in ("ErrImagePull", "ImagePullBackOff") else None
    w = wait_until(waiting_reason, timeout=60, message="ErrImagePull")
    assert "nosuch" in w.get("message", ""), w
    assert re.search(r"ErrImagePull|ImagePullBackOff", node.kubectl("get", "pod", "missing", "-n", ns).stdout)


def test_port_forward(node, ns):
    from e2e_lib import free_port
    node.kubectl("run", "pf", "-n", ns, "--image=nginx")
    wait_until(lambda: node.kubectl("get", "pod", "pf", "-n", ns, "-o", "jsonpath={.status.phase}").stdout == "Running",
               timeout=60, message="pf pod running")
    port = free_port()
    proc = subprocess.Popen(node.kubectl_argv("port-forward", "-n", ns, "pod/pf", f"{port}:80"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "Forwarding from 127.0.0.1" in proc.stdout.readline()
        for _ in range(3):   # several connections through one session
            r = run("curl", "-sS", "--max-time", "5", f"http://127.0.0.1:{port}/", check=False)
            assert "<h1>Welcome to nginx!</h1>" in r.stdout, r
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_static_pods_from_the_manifest_directory(node):
    node_name = node.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout
    mirror = f"static-web-{node_name}"
    manifest = node.static_pods / "static-web.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\nspec:\n  containers:\n"
                        "  - name: web\n    image: nginx\n")

    def pod():
        r = node.kubectl("get", "pod", mirror, "-o", "json", check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def running():
        p = pod()
        return p if p and p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp") else None
    first = wait_until(running, timeout=60, message="static pod running with its mirror")
    assert first["metadata"]["annotations"]["kubernetes.io/config.source"] == "file"
    assert "<h1>Welcome to nginx!</h1>" in curl(f"http://{first['status']['podIP']}/").stdout
    # Deleting the mirror pod through the API does not remove a static pod: it comes back.
    node.kubectl("delete", "pod", mirror, "--wait=true", "--timeout=60s")
    again = wait_until(running, timeout=60, message="static pod recreated")
    assert again["metadata"]["uid"] != first["metadata"]["uid"]
    # Removing the file removes the pod.
    manifest.unlink()
    wait_until(lambda: pod() is None, timeout=60, message="static pod gone with its file")
