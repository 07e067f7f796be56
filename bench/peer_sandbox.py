#!/usr/bin/env python3
"""The peers' sandbox: runs podman and crun for bench/run.py inside private mount, network and PID namespaces.

Started by PeerSandbox (below) as `unshare --mount --net --pid --fork --mount-proc peer_sandbox.py STATE IMAGES`.
Inside:
- the empty cgroup2 hierarchy (/sys/fs/cgroup/unified) is unmounted, which crun needs on this machine's hybrid
  cgroups (DESIGN §8); the host's mounts are untouched because this mount namespace is private;
- /run and /var/lib/containers are fresh tmpfs, podman's storage, networks and events live under STATE: podman
  leaves nothing in the host's /run, /var/lib/containers or /etc/containers;
- the network namespace holds only lo and podman's bridge: pods get a default route to that bridge, and the
  namespace has no route anywhere else, so nothing a pod or podman sends can leave the machine (and no image can be
  pulled: nginx comes from IMAGES/nginx.tar through `podman load`). netavark's bridge and its nftables rules exist
  only in this namespace and vanish with it;
- this process is PID 1 of the PID namespace: when it ends, the kernel kills whatever podman left running (conmon,
  containers).

Protocol: one JSON object per line on stdin, one JSON answer per line on stdout.
  {"op": "kube_play", "replicas": N}   → {"ms": …, "play_ms": …}: `podman kube play` of the tutorial Deployment
                                          until HTTP answers on every pod IP; then `podman kube down` (not timed)
  {"op": "time", "argv": [...]}         → {"ms": …}: one run of a command (crun run, the unshare floor)
  {"op": "quit"}                        → removes pods, containers and the network, then exits
Errors answer {"error": "…"}."""

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import elapsed_ms, wait_http  # noqa: E402

TUTORIAL = Path("/work/shared/tutorial/run-my-nginx.yaml")
SUBNET = "10.89.7"  # podman's network inside this namespace; pods get .10, .11, … (kube play --ip)
NETWORK = "benchnet"


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()[-1500:]}")
    return r


class Podman:
    def __init__(self, state):
        self.state = Path(state)
        conf = self.state / "containers.conf"
        # DESIGN §8: podman needs these ulimits here (the hard RLIMIT_NOFILE is 20000 and cannot be raised).
        conf.write_text(f"""[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_backend = "netavark"
network_config_dir = "{self.state}/networks"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.state}/events.log"
runtime = "crun"
""")
        self.env = {"CONTAINERS_CONF": str(conf), "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}

    def argv(self, *args):
        return ["podman", "--root", str(self.state / "storage"), "--runroot", "/run/containers/storage", *args]

    def run(self, *args, check=True):
        r = subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.env)
        if check and r.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()[-1500:]}")
        return r

    def manifest(self, replicas):
        """The tutorial's Deployment without its `ports:` stanza (with it, podman binds host port 80 per pod and
        replicas 2+ fail, DESIGN §8), at `replicas`."""
        lines = [ln for ln in TUTORIAL.read_text().splitlines() if "ports:" not in ln and "containerPort" not in ln]
        text = "\n".join(lines).replace("replicas: 2", f"replicas: {replicas}") + "\n"
        path = self.state / f"run-my-nginx-{replicas}.yaml"
        path.write_text(text)
        return path

    def kube_play(self, replicas):
        path = self.manifest(replicas)
        ips = [f"{SUBNET}.{10 + i}" for i in range(replicas)]
        ip_args = [a for ip in ips for a in ("--ip", ip)]
        start = time.perf_counter()
        self.run("kube", "play", "--network", NETWORK, *ip_args, str(path))
        play_ms = elapsed_ms(start)
        wait_http(ips)
        ms = elapsed_ms(start)
        self.run("kube", "down", str(path))
        left = self.run("pod", "ps", "-q").stdout.split()
        if left:
            raise RuntimeError(f"podman kube down left pods {left}")
        return {"ms": ms, "play_ms": play_ms}

    def clean(self):
        self.run("pod", "rm", "-af", check=False)
        self.run("rm", "-af", check=False)
        self.run("network", "rm", "-f", NETWORK, check=False)


def isolate():
    """The namespace's own mounts and network (see the module comment). Refuses to go on if a route leads out."""
    if Path("/sys/fs/cgroup/unified").is_mount():
        sh("umount", "/sys/fs/cgroup/unified")
    sh("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run")
    sh("mount", "-t", "tmpfs", "-o", "mode=700", "tmpfs", "/var/lib/containers")
    sh("ip", "link", "set", "lo", "up")
    links = [ln.split()[0] for ln in sh("ip", "-br", "link").stdout.splitlines()]
    routes = sh("ip", "route").stdout.strip()
    if links != ["lo"] or routes:
        raise RuntimeError(f"the peer sandbox is not isolated: links {links}, routes {routes!r}")


def check_contained():
    """After podman set up its network: the only routes are its bridge's subnet (no default route, no uplink)."""
    for line in sh("ip", "route").stdout.splitlines():
        if not line.startswith(f"{SUBNET}.0/24 dev "):
            raise RuntimeError(f"unexpected route in the peer sandbox: {line}")


def main():
    state, images = Path(sys.argv[1]), Path(sys.argv[2])
    isolate()
    podman = Podman(state)
    podman.run("load", "-q", "-i", str(images / "nginx.tar"))
    podman.run("network", "create", "--disable-dns", "--subnet", f"{SUBNET}.0/24", NETWORK)
    print(json.dumps({"ready": True}), flush=True)
    try:
        for line in sys.stdin:
            cmd = json.loads(line)
            try:
                if cmd["op"] == "kube_play":
                    answer = podman.kube_play(cmd["replicas"])
                    check_contained()
                elif cmd["op"] == "time":
                    start = time.perf_counter()
                    sh(*cmd["argv"])
                    answer = {"ms": elapsed_ms(start)}
                elif cmd["op"] == "quit":
                    break
                else:
                    answer = {"error": f"unknown op {cmd['op']!r}"}
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the benchmark
                answer = {"error": str(exc)}
            print(json.dumps(answer), flush=True)
    finally:
        podman.clean()


if __name__ == "__main__":
    main()
