"""P2: one container running busybox `true`, from nothing to removed, three ways, interleaved run by run:

- swiftlet: swiftlet-spawn-bench (a long-lived process, like the agent) plans the container from a pod spec, writes
  the bundle, starts it through `swiftlet-shim start` (the monitor stays the container's parent and records the
  exit), waits for the exit file and removes the container (bundle and cgroup);
- crun: `crun run` of an OCI bundle on the same rootfs (crun creates, starts, waits and deletes);
- the floor: `unshare -fpmiu --mount-proc true` (namespaces and a /proc mount, no rootfs, no monitor).

crun and the floor run in the peer sandbox (crun refuses this machine's empty cgroup2 hierarchy, which is hidden
there); swiftlet's path runs on the host as the agent does. The same busybox rootfs serves both containers, with the
same capabilities (containerd's 14), namespaces (pid, ipc, uts, mount, a new network namespace) and no seccomp."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchlib import median_ratio, ratio_line, summary

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE"]


def busybox_rootfs(root):
    """Debian's busybox-static with its applet links and a minimal /etc/passwd and /etc/group."""
    for d in ["bin", "etc", "tmp", "proc", "sys", "dev", "root"]:
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy2("/bin/busybox", root / "bin" / "busybox")
    subprocess.run(["chroot", str(root), "/bin/busybox", "--install", "-s", "/bin"], check=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\n")


def crun_bundle(bundle, rootfs):
    """`crun spec`'s defaults, made to match swiftlet's container: no tty, the same args, capabilities and a
    writable root."""
    bundle.mkdir(parents=True)
    subprocess.run(["crun", "spec"], cwd=bundle, check=True)
    config = json.loads((bundle / "config.json").read_text())
    config["process"].update(terminal=False, args=["/bin/true"], noNewPrivileges=False,
                             capabilities={"bounding": CAPS, "effective": CAPS, "permitted": CAPS,
                                           "inheritable": [], "ambient": []})
    config["root"] = {"path": str(rootfs), "readonly": False}
    config["hostname"] = "spawn"
    config["linux"]["cgroupsPath"] = "/swiftlet-bench-crun"
    (bundle / "config.json").write_text(json.dumps(config, indent=1))


def bench_spawn(runs, sandbox, release_dir):
    exe = Path(release_dir) / "swiftlet-spawn-bench"
    shim = Path(release_dir) / "swiftlet-shim"
    with tempfile.TemporaryDirectory(prefix="bench-spawn-", dir="/var/tmp") as tmp:
        tmp = Path(tmp)
        rootfs = tmp / "rootfs"
        busybox_rootfs(rootfs)
        crun_bundle(tmp / "crun", rootfs)
        ours_proc = subprocess.Popen([str(exe), "--rootfs", str(rootfs), "--work", str(tmp / "swiftlet"),
                                      "--shim", str(shim), "--", "/bin/true"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ours, ours_exited, crun, floor = [], [], [], []
        try:
            def ours_once():
                ours_proc.stdin.write("run\n")
                ours_proc.stdin.flush()
                answer = ours_proc.stdout.readline().split()
                if len(answer) != 2:
                    raise RuntimeError(f"swiftlet-spawn-bench: {' '.join(answer) or 'no answer'}")
                return float(answer[0]), float(answer[1])

            for i in range(runs + 1):  # run 0 warms caches (dentries, the binaries' pages) and is dropped
                f = sandbox.ask(op="time", argv=["unshare", "-fpmiu", "--mount-proc", "true"])["ms"]
                c = sandbox.ask(op="time", argv=["crun", "run", "--bundle", str(tmp / "crun"), f"bench-{os.getpid()}-{i}"])["ms"]
                total, exited = ours_once()
                if i:
                    floor.append(f)
                    crun.append(c)
                    ours.append(total)
                    ours_exited.append(exited)
        finally:
            ours_proc.stdin.close()
            ours_proc.wait(timeout=60)
    print(summary("P2 busybox true, swiftlet (plan, shim, exit recorded, removed)", ours))
    print(summary("P2 busybox true, swiftlet until the exit is recorded", ours_exited))
    print(summary("P2 busybox true, crun run", crun))
    print(summary("P2 busybox true, unshare -fpmiu --mount-proc (floor)", floor))
    print(ratio_line("P2 ratio swiftlet/crun", ours, crun, 0.5))
    print(f"P2 ratio floor/crun: {median_ratio(floor, crun):.2f} (no runtime gets below the floor)")
