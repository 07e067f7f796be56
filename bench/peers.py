"""The peer side of the comparisons, run from bench/run.py: podman and crun in peer_sandbox.py's namespaces, and the
checks that they left nothing on the host."""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import ensure_debs

HERE = Path(__file__).resolve().parent


def host_leftovers():
    """What podman or netavark could leave in the host's namespaces: links, nftables tables/chains, mounts."""
    found = []
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    found += [f"link {ln.split()[0]}" for ln in links.splitlines() if ln.startswith(("podman", "cni-", "pbench"))]
    ruleset = subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True).stdout
    found += [f"nftables: {ln.strip()}" for ln in ruleset.splitlines() if "NETAVARK" in ln or "netavark" in ln]
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    found += [f"mount {m.split()[1]}" for m in mounts if "peer-sandbox" in m or "/containers/storage" in m]
    found += [f"cgroup {p}" for p in Path("/sys/fs/cgroup").glob("*/swiftlet-bench-crun")]
    return found


class PeerSandbox:
    """`peer_sandbox.py` under unshare, driven line by line. Use as a context manager: on exit it asks the sandbox
    to clean up, waits for it (killing it if it hangs: its PID namespace then takes podman's processes with it),
    removes its state directory and fails if anything is left on the host."""

    def __init__(self, images):
        self.images = Path(images)
        self.proc = None
        self.state = None

    def __enter__(self):
        ensure_debs("podman", "crun")
        before = host_leftovers()
        if before:
            raise RuntimeError(f"the host already has podman leftovers, refusing to benchmark: {before}")
        self.state = Path(tempfile.mkdtemp(prefix="peer-sandbox-", dir="/var/tmp"))
        argv = ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
                sys.executable, str(HERE / "peer_sandbox.py"), str(self.state), str(self.images)]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        if not first or not json.loads(first).get("ready"):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the peer sandbox did not start: {first!r}")
        return self

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the peer sandbox ended while asked {cmd}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"peer sandbox, {cmd}: {answer['error']}")
        return answer

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=120)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.state:
            # podman's overlay layers were mounted only in the sandbox's mount namespace, which is gone now.
            shutil.rmtree(self.state, ignore_errors=True)
        for cg in Path("/sys/fs/cgroup").glob("*/swiftlet-bench-crun"):
            cg.rmdir()
        left = host_leftovers()
        if left:
            raise RuntimeError(f"the peer sandbox left these on the host: {left}")
