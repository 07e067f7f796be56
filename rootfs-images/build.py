#!/usr/bin/env python3
"""Builds the tutorial's images from this machine's Debian packages as OCI image-layout archives, with no Docker
and no registry: each rootfs holds the binaries the image needs, the shared libraries they link (found with
ldd), and the image's own configuration files (in files/). Output: OUTDIR/<name>.tar, one per image.

Packages used: nginx-light (nginx with the SSL module), busybox-static (sh and the usual applets), curl with
ca-certificates, coreutils (printenv, as the real images have it).

Usage: build.py OUTDIR [IMAGE...]"""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
EPOCH = 0  # fixed mtimes: the same inputs give the same layer digest

WELCOME = (FILES / "welcome.html").read_text()


def libraries(binary):
    """The shared objects a binary loads, as absolute paths (ldd's view)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.strip().split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


class Rootfs:
    def __init__(self, root):
        self.root = Path(root)

    def path(self, p):
        return self.root / p.lstrip("/")

    def mkdir(self, p, mode=0o755):
        d = self.path(p)
        d.mkdir(parents=True, exist_ok=True)
        d.chmod(mode)

    def write(self, p, text, mode=0o644):
        f = self.path(p)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
        f.chmod(mode)

    def symlink(self, p, target):
        f = self.path(p)
        f.parent.mkdir(parents=True, exist_ok=True)
        if f.is_symlink() or f.exists():
            f.unlink()
        f.symlink_to(target)

    def copy(self, src, dest=None):
        """Copies a file (following symlinks) to the same path inside the rootfs."""
        dest = self.path(dest or src)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(src), dest)

    def binary(self, src, dest=None):
        """A dynamically linked program and everything it loads."""
        self.copy(src, dest)
        for lib in libraries(src):
            self.copy(lib)

    def busybox(self, applets=None):
        self.copy("/bin/busybox")
        names = applets or subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True).stdout.split()
        for name in names:
            if name in ("busybox",):
                continue
            if not self.path("/bin/" + name).exists():
                self.symlink("/bin/" + name, "busybox")

    def base(self, users):
        for d in ("/etc", "/tmp", "/root", "/var", "/run", "/proc", "/sys", "/dev", "/usr/bin", "/usr/sbin"):
            self.mkdir(d)
        self.path("/tmp").chmod(0o1777)
        passwd = "root:x:0:0:root:/root:/bin/sh\n" + "".join(f"{u}:x:{i}:{i}:{u}:/nonexistent:/usr/sbin/nologin\n" for u, i in users)
        group = "root:x:0:\n" + "".join(f"{u}:x:{i}:\n" for u, i in users)
        self.write("/etc/passwd", passwd)
        self.write("/etc/group", group)
        self.write("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")


def nginx_rootfs(r, https):
    r.base([("www-data", 33), ("nginx", 101)])
    r.busybox()
    r.binary("/usr/bin/printenv")
    r.binary("/usr/sbin/nginx")
    for d in ("/var/log/nginx", "/var/lib/nginx/body", "/var/lib/nginx/proxy", "/var/lib/nginx/fastcgi",
              "/var/lib/nginx/uwsgi", "/var/lib/nginx/scgi", "/var/cache/nginx", "/etc/nginx/conf.d", "/usr/share/nginx/html"):
        r.mkdir(d)
    # As in the official image: logs go to the container's stdout and stderr.
    r.symlink("/var/log/nginx/access.log", "/dev/stdout")
    r.symlink("/var/log/nginx/error.log", "/dev/stderr")
    r.copy("/etc/nginx/mime.types")
    r.write("/etc/nginx/nginx.conf", (FILES / "nginx.conf").read_text())
    r.write("/usr/share/nginx/html/index.html", WELCOME)
    r.write("/usr/share/nginx/html/50x.html", "<html><body><h1>An error occurred.</h1></body></html>\n")
    conf = "default-https.conf" if https else "default.conf"
    r.write("/etc/nginx/conf.d/default.conf", (FILES / conf).read_text())
    if https:
        r.mkdir("/etc/nginx/ssl")


def curl_rootfs(r):
    r.base([])
    r.busybox()
    r.binary("/usr/bin/curl")
    r.copy("/etc/ssl/certs/ca-certificates.crt")
    r.mkdir("/home")


IMAGES = {
    "nginx": ("docker.io/library/nginx:latest", lambda r: nginx_rootfs(r, https=False),
              {"Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}}, "StopSignal": "SIGQUIT"}),
    "nginxhttps": ("docker.io/bprashanth/nginxhttps:1.0", lambda r: nginx_rootfs(r, https=True),
                   {"Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}}),
    "busyboxplus-curl": ("docker.io/radial/busyboxplus:curl", curl_rootfs, {"Cmd": ["/bin/sh"]}),
}


def layer_tar(root):
    """A deterministic tar of the rootfs: sorted entries, fixed times, root ownership."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = sorted(Path(root).rglob("*"), key=lambda p: str(p.relative_to(root)))
        for p in paths:
            info = tar.gettarinfo(str(p), arcname=str(p.relative_to(root)))
            info.mtime = EPOCH
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with open(p, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def oci_archive(path, ref, layer, config_extra):
    compressed = gzip.compress(layer, mtime=EPOCH)
    config = {
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], **config_extra},
        "rootfs": {"type": "layers", "diff_ids": [digest(layer)]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "swiftlet rootfs-images/build.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(compressed), "size": len(compressed)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest_bytes),
                            "size": len(manifest_bytes), "annotations": {"org.opencontainers.image.ref.name": ref}}]}
    with tarfile.open(path, "w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = EPOCH
            tar.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", json.dumps(index, sort_keys=True).encode())
        for blob in (config_bytes, compressed, manifest_bytes):
            add("blobs/sha256/" + digest(blob).split(":")[1], blob)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    names = sys.argv[2:] or list(IMAGES)
    for name in names:
        ref, build, config = IMAGES[name]
        with tempfile.TemporaryDirectory() as tmp:
            build(Rootfs(tmp))
            oci_archive(out / f"{name}.tar", ref, layer_tar(tmp), config)
        print(f"{out / (name + '.tar')}: {ref}")


if __name__ == "__main__":
    main()
