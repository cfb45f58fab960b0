"""A large Range is sent as it is read from the backend (DESIGN.md §7): a 256 MiB answer
through the real etcdctl arrives whole and in order while the member's peak RSS grows by
a fraction of it (a member building the answer whole would grow by all of it)."""
import os
import subprocess

from etcdpp_e2e import Member, peak_rss_kb

VALUES = 256
VALUE_BYTES = 1 << 20


def key(i):
    return f"big/{i:04d}"


def test_a_range_much_larger_than_memory_held_streams_to_etcdctl(procs, etcd_bin, tmp_path):
    import etcd3
    member = Member(procs, etcd_bin, tmp_path).start()
    client = etcd3.client(host="127.0.0.1", port=member.client_port)
    try:
        for i in range(VALUES):
            client.put(key(i), bytes([65 + i % 26]) * VALUE_BYTES)
    finally:
        client.close()
    before_kb = peak_rss_kb(member.proc.pid)

    out = tmp_path / "range.out"
    with open(out, "wb") as f:
        got = subprocess.run(["etcdctl", "--endpoints", member.client_url, "--command-timeout=120s",
                              "get", "--prefix", "big/"], stdout=f, stderr=subprocess.PIPE, timeout=180,
                             env={**os.environ, "ETCDCTL_API": "3"})
    assert got.returncode == 0, got.stderr
    grown_mib = (peak_rss_kb(member.proc.pid) - before_kb) / 1024

    assert out.stat().st_size == sum(len(key(i)) + 1 + VALUE_BYTES + 1 for i in range(VALUES))
    with open(out, "rb") as f:
        for i in (0, 1, 2):
            assert f.readline() == key(i).encode() + b"\n"
            assert f.readline() == bytes([65 + i % 26]) * VALUE_BYTES + b"\n"
    assert grown_mib < 96, f"peak RSS grew {grown_mib:.0f} MiB sending a {VALUES} MiB range"
