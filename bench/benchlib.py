"""What every benchmark shares: the summary and ratio lines, timing, the HTTP probe, Debian tools, the node lock.

Standard library only: peer_sandbox.py imports it too, inside its own namespaces."""

import fcntl
import http.client
import os
import socket
import statistics
import subprocess
import time
from pathlib import Path

NODE_LOCK = "/tmp/swiftlet-node.lock"


def summary(name, values, unit="ms", digits=1):
    values = sorted(values)
    f = f"{{:.{digits}f}}"
    return (f"{name}: median {f.format(statistics.median(values))} {unit} "
            f"(min {f.format(values[0])}, max {f.format(values[-1])}, n={len(values)})")


def median_ratio(ours, peer):
    return statistics.median(ours) / statistics.median(peer)


def ratio_line(name, ours, peer, target, better="lower"):
    """`name: R (target …, met|MISSED)` with R = median(ours) / median(peer). `better` says which way R should go."""
    r = median_ratio(ours, peer)
    met = r <= target if better == "lower" else r >= target
    sign = "<=" if better == "lower" else ">="
    return f"{name}: {r:.2f} (target {sign} {target:g}, {'met' if met else 'MISSED'})"


def elapsed_ms(start):
    return (time.perf_counter() - start) * 1000


def timed(argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return elapsed_ms(start)


def http_ok(ip, port=80, timeout=0.5):
    """True once `GET /` on ip:port answers 200. Refused, reset, timed out or any other status: False."""
    conn = http.client.HTTPConnection(ip, port, timeout=timeout)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_http(ips, deadline_s=120, interval=0.002):
    """Polls every address until each has answered once (an address that answered is not asked again). Each try
    waits at most 100 ms, so that one silent address does not hold up noticing the others."""
    pending = set(ips)
    deadline = time.monotonic() + deadline_s
    while pending:
        pending = {ip for ip in pending if not http_ok(ip, timeout=0.1)}
        if not pending:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no HTTP answer from {sorted(pending)} within {deadline_s} s")
        time.sleep(interval)


def tcp_connects(ip, port, timeout):
    try:
        with socket.create_connection((ip, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_debs(*packages):
    """Installs the Debian packages the peers need (once; nothing is started: policy-rc.d refuses services)."""
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    print(f"installing {' '.join(missing)} (apt-get)", flush=True)
    policy = Path("/usr/sbin/policy-rc.d")
    had_policy = policy.exists()
    if not had_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, env=env)
        r = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"apt-get install {' '.join(missing)} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    finally:
        if not had_policy:
            policy.unlink(missing_ok=True)


def rss_kb(pid):
    """(VmRSS, Pss) of a process in kB; Pss splits shared pages (libc, the binary) among the processes mapping them."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def processes_named(comm):
    """Live processes (zombies left out: this machine's PID 1 reaps orphans only now and then) with this name."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
            if name == comm and not rest.startswith("Z"):
                pids.append(int(d.name))
    return pids


class NodeLock:
    """The machine's one real node: holds /tmp/swiftlet-node.lock while the benchmarks that start one run.

    Started as `flock /tmp/swiftlet-node.lock bench/run.py`, an ancestor already holds it (flock locks belong to an
    open file, so taking it again here would wait for ever): /proc/locks names the holder, and an ancestor's lock
    is ours."""

    def __init__(self, path=NODE_LOCK):
        self.path = path
        self.fd = None

    def __enter__(self):
        if self._held_by_ancestor():
            return self
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for {self.path} (another real node is running)", flush=True)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _held_by_ancestor(self):
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            return False
        holders = set()
        for line in Path("/proc/locks").read_text().splitlines():
            f = line.split()
            # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
            if len(f) >= 6 and f[1] == "FLOCK" and f[4].isdigit() and f[5].rsplit(":", 1)[-1] == str(inode):
                holders.add(int(f[4]))
        pid = os.getpid()
        while pid > 1:
            if pid in holders:
                return True
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        return False
