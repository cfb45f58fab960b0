"""Large values through a 3-member cluster whose raft log keeps only a small tail in memory
(--experimental-raft-log-tail-bytes, DESIGN.md §7): every member's peak RSS stays far
below the data written, and a follower stopped during the load catches up, through the
entries read back from the WAL or, once the WAL no longer has them, through a snapshot.
Members on 127.0.14.10-12."""
import hashlib
import json
import re
import subprocess

import pytest

from etcdpp_e2e import cluster_member_args, peak_rss_kb, wait_until

HOSTS = {"big0": "127.0.14.10", "big1": "127.0.14.11", "big2": "127.0.14.12"}
CLUSTER = ",".join(f"{n}=http://{ip}:2380" for n, ip in HOSTS.items())
TAIL_BYTES = 8 << 20
# Generous bounds (members peak at a quarter to a half of them); etcd 3.4 would hold
# every value written in memory, more than the bound.
PEAK_RSS_MAX_KB = 200 * 1024
READ_BACK_LINE = "read raft entries back from the WAL"
SNAPSHOT_SENT_LINE = "sent out successfully"


def endpoint(name):
    return f"http://{HOSTS[name]}:2379"


def ctl(name, *args, check=True):
    out = subprocess.run(["etcdctl", "--endpoints", endpoint(name), "--command-timeout=10s", *args],
                         capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out


def value(n, size):
    # Distinct, incompressible-looking bytes per key (a repeated block keeps it cheap).
    block = hashlib.sha256(str(n).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


class BigCluster:
    def __init__(self, procs, binary, tmp, extra):
        self.procs, self.binary, self.tmp, self.extra = procs, binary, tmp, extra
        self.proc = {}

    def start(self, name):
        ip = HOSTS[name]
        args = [*cluster_member_args(self.binary, name, ip, self.tmp / f"{name}.etcd", CLUSTER, "bigval"),
                "--experimental-raft-log-tail-bytes", str(TAIL_BYTES), *self.extra]
        # Appends: a restarted member's log follows its first run's.
        log = self.tmp / f"{name}.log"
        self.proc[name] = self.procs.start(args, log_path=str(log) + f".{len(self.procs.procs)}",
                                           cwd=str(self.tmp))

    def log(self, name):
        return "".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob(f"{name}.log.*")))

    def healthy(self, name):
        return ctl(name, "endpoint", "health", check=False).returncode == 0

    def wait_healthy(self, names):
        for n in names:
            wait_until(lambda: self.proc[n].poll() is not None or self.healthy(n), timeout=30,
                       what=f"{n} healthy")
            assert self.proc[n].poll() is None, self.log(n)

    def leader(self):
        for n in self.proc:
            if self.proc[n].poll() is not None:
                continue
            out = ctl(n, "endpoint", "status", "-w", "json", check=False)
            if out.returncode == 0:
                status = json.loads(out.stdout)[0]["Status"]
                if status.get("leader", 0) == status["header"]["member_id"]:
                    return n
        return None

    def revision(self, name):
        out = ctl(name, "endpoint", "status", "-w", "json", check=False)
        return json.loads(out.stdout)[0]["Status"]["header"]["revision"] if out.returncode == 0 else None

    def peak_rss_kb(self):
        """VmHWM of every running member, in KiB."""
        out = {}
        for name, p in self.proc.items():
            assert p.poll() is None, self.log(name)
            out[name] = peak_rss_kb(p.pid)
        return out

    def hashkv(self, name):
        out = ctl(name, "endpoint", "hashkv", "-w", "json", check=False)
        if out.returncode != 0:
            return None
        return json.loads(out.stdout)[0]["HashKV"]["hash"]


@pytest.fixture
def start_cluster(procs, etcd_bin, tmp_path):
    def start(*extra):
        c = BigCluster(procs, etcd_bin, tmp_path, extra)
        for name in HOSTS:
            c.start(name)
        c.wait_healthy(HOSTS)
        return c
    return start


def put_values(name, count, size):
    import etcd3
    client = etcd3.client(host=HOSTS[name], port=2379, timeout=30)
    try:
        for n in range(count):
            client.put(f"big/{n:04d}", value(n, size))
    finally:
        client.close()


def stop_follower_write_restart(c, count, size):
    """Stops a follower, writes count values of size bytes through the leader, restarts
    the follower and waits until it holds exactly what the others hold. Returns the
    leader, the follower and every member's peak RSS once the follower caught up."""
    leader = wait_until(c.leader, timeout=30, what="a leader")
    follower = next(n for n in HOSTS if n != leader)
    c.procs.stop(c.proc[follower])
    put_values(leader, count, size)
    c.start(follower)
    c.wait_healthy([follower])
    # Caught up once it applied the leader's revision (nothing is written meanwhile).
    want_rev = wait_until(lambda: c.revision(leader), timeout=30, what="the leader's revision")
    wait_until(lambda: c.revision(follower) == want_rev, timeout=60, what=f"{follower} to catch up")
    # Peaks before the checks below: hashing reads the whole database through the
    # backend's memory map, which brings every page of the file into the RSS.
    peaks = c.peak_rss_kb()
    want = wait_until(lambda: c.hashkv(leader), timeout=30, what="the leader's hash")
    assert c.hashkv(follower) == want
    # Every value is there, served by the follower itself.
    out = ctl(follower, "get", "big/", "--prefix", "--keys-only", "--consistency=s", "-w", "json")
    assert json.loads(out.stdout)["count"] == count
    import etcd3
    client = etcd3.client(host=HOSTS[follower], port=2379, timeout=30)
    try:
        for n in (0, count // 2, count - 1):
            got, _ = client.get(f"big/{n:04d}", serializable=True)
            assert got == value(n, size), f"big/{n:04d} differs on {follower}"
    finally:
        client.close()
    return leader, follower, peaks


def assert_peak_rss_bounded(peaks, max_kb=PEAK_RSS_MAX_KB):
    for name, peak in peaks.items():
        assert peak < max_kb, f"{name} peaked at {peak} KiB of RSS"


def test_follower_catches_up_from_entries_read_back_from_the_wal(start_cluster):
    # No snapshot during the run: everything the follower missed is still in the WAL, and
    # most of it (100 MiB written, an 8 MiB tail) only there. Nothing bigger than a value
    # crosses the network at once here, so the bound is below the data written.
    c = start_cluster("--snapshot-count", "100000")
    leader, _, peaks = stop_follower_write_restart(c, count=200, size=512 * 1024)
    assert READ_BACK_LINE in c.log(leader)
    assert SNAPSHOT_SENT_LINE not in c.log(leader)
    assert_peak_rss_bounded(peaks, max_kb=96 * 1024)


def test_follower_behind_the_purged_wal_catches_up_from_a_snapshot(start_cluster):
    # Frequent snapshots and one WAL segment kept: the entries the follower missed are
    # purged from the leader's WAL, so it needs the backend snapshot.
    c = start_cluster("--snapshot-count", "20", "--max-wals", "1")
    # The snapshot (the whole database) is received in one request body: kept smaller
    # than the memory bound, unlike the values written overall.
    leader, _, peaks = stop_follower_write_restart(c, count=150, size=512 * 1024)
    assert SNAPSHOT_SENT_LINE in c.log(leader)
    assert_peak_rss_bounded(peaks)


def test_follower_receives_a_snapshot_larger_than_its_memory_bound(start_cluster):
    # As above, with a database (~260 MiB) larger than the bound: the follower streams the
    # snapshot to a file as it arrives and rebuilds its index without keeping the file's
    # pages mapped. The leader is left out: copying its database for the snapshot reads
    # the whole file through the memory map (a known gap on the sending side).
    c = start_cluster("--snapshot-count", "20", "--max-wals", "1")
    leader, follower, peaks = stop_follower_write_restart(c, count=260, size=1024 * 1024)
    assert SNAPSHOT_SENT_LINE in c.log(leader)
    saved = re.search(r"received and saved database snapshot \[.*db size: (\d+) bytes\]", c.log(follower))
    assert saved, "the follower logged no received snapshot"
    assert int(saved.group(1)) > PEAK_RSS_MAX_KB * 1024
    assert_peak_rss_bounded({n: kb for n, kb in peaks.items() if n != leader})
