"""What `etcd` logs before the member starts matches etcd 3.4: env lines, deprecation
warnings, the version banner, derived defaults. Both binaries run on loopback ports in
the test's own directory and are stopped by PID."""
from etcdpp_e2e import free_port, wait_until
from test_cli_flags import REAL_ETCD, needs_real, normalized

# etcd repeats this warning as the member starts; everything before the repeat is the
# command line's own output.
WARNING = "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead"


def start(procs, binary, work):
    client, peer = free_port(), free_port()
    args = [binary, "--name", "infra1",
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}"]
    log = work / "etcd.log"
    p = procs.start(args, env={"ETCD_SNAPSHOT_COUNT": "50", "ETCD_FOO": "1"}, log_path=str(log), cwd=str(work))
    wait_until(lambda: log.read_text().count(WARNING) >= 2 or p.poll() is not None,
               timeout=15, what=f"{binary} to reach the member start")
    procs.stop(p)
    return log.read_text()


def lines_before_member(text):
    lines = []
    for line in normalized(text).splitlines():
        if "Git SHA" not in line:
            lines.append(line)
        if lines.count(WARNING) == 2:
            break
    return lines


@needs_real
def test_start_up_lines_match_etcd(etcd_bin, procs, tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "real").mkdir()
    ours = lines_before_member(start(procs, etcd_bin, tmp_path / "ours"))
    real = lines_before_member(start(procs, REAL_ETCD, tmp_path / "real"))
    assert "TS I | pkg/flags: recognized and used environment variable ETCD_SNAPSHOT_COUNT=50" in ours
    assert "TS W | pkg/flags: unrecognized environment variable ETCD_FOO=1" in ours
    assert "TS W | etcdmain: no data-dir provided, using default data-dir ./infra1.etcd" in ours
    assert ours.count(WARNING) == 2
    assert ours == real
