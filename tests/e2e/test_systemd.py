"""systemd: the unit is valid for `systemd-analyze verify` (ExecStart pointing at the binary just built), `make
install` puts it and its companions in place, and the server speaks the notify protocol that Type=notify needs."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import swiftlet_bin
from e2e_lib import REPO, free_port


def test_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is required (Debian package systemd)"
    text = (REPO / "systemd" / "swiftlet.service").read_text()
    assert "Type=notify" in text and "Delegate=yes" in text and "KillMode=process" in text and "Restart=always" in text
    unit = tmp_path / "swiftlet.service"
    unit.write_text(text.replace("/usr/local/bin/swiftlet", swiftlet_bin()))
    r = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "swiftlet.service" not in r.stderr, r.stderr


def test_make_install_places_the_unit_the_sysctls_and_the_binaries(tmp_path):
    dest = tmp_path / "root"
    bin_dir = str(Path(swiftlet_bin()).parent)
    r = subprocess.run(["make", "-C", str(REPO), "install", f"DESTDIR={dest}", "PREFIX=/opt/sl", f"BIN_DIR={bin_dir}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    modes = {p: oct((dest / p).stat().st_mode & 0o777) for p in [
        "opt/sl/bin/swiftlet", "opt/sl/bin/swiftlet-shim", "etc/systemd/system/swiftlet.service",
        "etc/sysctl.d/90-swiftlet.conf", "opt/sl/share/doc/swiftlet/README.md"]}
    assert modes == {"opt/sl/bin/swiftlet": "0o755", "opt/sl/bin/swiftlet-shim": "0o755",
                     "etc/systemd/system/swiftlet.service": "0o644", "etc/sysctl.d/90-swiftlet.conf": "0o644",
                     "opt/sl/share/doc/swiftlet/README.md": "0o644"}
    unit = (dest / "etc/systemd/system/swiftlet.service").read_text()
    assert "ExecStart=/opt/sl/bin/swiftlet server --data-dir /var/lib/swiftlet" in unit
    # The installed unit verifies with its ExecStart pointing at the installed binary.
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is required (Debian package systemd)"
    check = tmp_path / "swiftlet.service"
    check.write_text(unit.replace("/opt/sl/bin/swiftlet", str(dest / "opt/sl/bin/swiftlet")))
    r = subprocess.run([analyze, "verify", str(check)], capture_output=True, text=True)
    assert r.returncode == 0 and "swiftlet.service" not in r.stderr, r.stderr

    r = subprocess.run(["make", "-C", str(REPO), "uninstall", f"DESTDIR={dest}", "PREFIX=/opt/sl"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [p for p in dest.rglob("*") if p.is_file()] == []


def test_ready_is_notified_once_the_api_serves(tmp_path):
    """Type=notify: the server sends READY=1 on $NOTIFY_SOCKET, and only when the API already answers."""
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(60)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=str(sock_path))
    proc = subprocess.Popen([swiftlet_bin(), "server", "--no-agent", "--data-dir", str(tmp_path / "data"),
                             "--api-port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        message = sock.recv(4096).decode()
        assert "READY=1" in message.split("\n"), message
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # already listening when READY=1 arrived
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        sock.close()
