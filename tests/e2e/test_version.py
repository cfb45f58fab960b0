"""`etcd --version` keeps the lines scripts parse from etcd 3.4."""
import subprocess


def test_version_lines_match_etcd_34(etcd_bin):
    out = subprocess.run([etcd_bin, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "etcd Version: 3.4.23"
    assert any(line.startswith("Go OS/Arch: ") for line in lines)
