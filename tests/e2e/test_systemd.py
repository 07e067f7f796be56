"""The systemd unit is valid for `systemd-analyze verify` (with ExecStart pointing at the binary just built)."""

import shutil
import subprocess

import pytest

from conftest import swiftlet_bin
from e2e_lib import REPO


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
