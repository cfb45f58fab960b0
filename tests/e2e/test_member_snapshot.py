"""Raft snapshots: made every --snapshot-count entries, files retained as --max-snapshots says,
restart from a snapshot, and a follower too far behind catching up through one."""
import json
import signal
import subprocess

import pytest

from etcdpp_e2e import Member, wait_until

# Addresses of our own, so that these members never meet the guide tests' ones.
HOSTS = {"snap0": "127.0.3.10", "snap1": "127.0.3.11", "snap2": "127.0.3.12"}
CLUSTER = ",".join(f"{n}=http://{ip}:2380" for n, ip in HOSTS.items())
# etcd keeps this many entries behind a snapshot for slow followers; a follower further
# behind than that needs the snapshot.
CATCH_UP_ENTRIES = 5000


def put_many(host, port, prefix, count):
    import etcd3
    client = etcd3.client(host=host, port=port)
    for i in range(count):
        client.put(f"{prefix}{i:05d}", str(i))
    client.close()


def snap_files(data_dir):
    return sorted(p.name for p in (data_dir / "member" / "snap").glob("*.snap"))


def test_snapshots_are_made_purged_and_used_at_restart(procs, etcd_bin, tmp_path):
    m = Member(procs, etcd_bin, tmp_path).start(["--snapshot-count", "100", "--max-snapshots", "2"])
    put_many("127.0.0.1", m.client_port, "k", 450)
    data_dir = tmp_path / "default.etcd"
    wait_until(lambda: len(snap_files(data_dir)) == 2, timeout=20, what="two snap files kept")
    assert "saved snapshot at index" in m.log()
    assert m.stop() == -signal.SIGTERM
    m.start(["--snapshot-count", "100", "--max-snapshots", "2"])
    assert "recovered store from snapshot at index" in m.log()
    assert json.loads(m.ctl("get", "k", "--prefix", "--limit", "1", "-w", "json").stdout)["count"] == 450
    assert m.ctl("get", "k00449", "--print-value-only").stdout.strip() == "449"


def ctl(name, *args, check=True):
    out = subprocess.run(["etcdctl", "--endpoints", f"http://{HOSTS[name]}:2379", "--command-timeout=5s",
                          *args], capture_output=True, text=True, timeout=30)
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out


def status(name):
    out = ctl(name, "endpoint", "status", "-w", "json", check=False)
    return json.loads(out.stdout)[0]["Status"] if out.returncode == 0 else None


@pytest.fixture
def cluster(procs, etcd_bin, tmp_path):
    procs_by_name = {}

    def start(name):
        ip = HOSTS[name]
        procs_by_name[name] = procs.start(
            [etcd_bin, "--name", name, "--data-dir", str(tmp_path / f"{name}.etcd"),
             "--initial-advertise-peer-urls", f"http://{ip}:2380", "--listen-peer-urls", f"http://{ip}:2380",
             "--listen-client-urls", f"http://{ip}:2379", "--advertise-client-urls", f"http://{ip}:2379",
             "--initial-cluster-token", "snap-cluster", "--initial-cluster", CLUSTER,
             "--snapshot-count", "1000"],
            log_path=str(tmp_path / f"{name}.log"), cwd=str(tmp_path))

    def log(name):
        return (tmp_path / f"{name}.log").read_text(errors="replace")

    for name in HOSTS:
        start(name)
    for name in HOSTS:
        wait_until(lambda: procs_by_name[name].poll() is not None or status(name) is not None,
                   timeout=30, what=f"{name} serving")
    return start, procs_by_name, log


def test_follower_far_behind_catches_up_through_a_snapshot(cluster, procs):
    start, proc, log = cluster
    wait_until(lambda: all((s := status(n)) and s.get("leader") for n in HOSTS), timeout=30, what="a leader")
    leader_id = status("snap0")["leader"]
    leader = next(n for n in HOSTS if status(n)["header"]["member_id"] == leader_id)
    follower = next(n for n in HOSTS if n != leader)
    procs.stop(proc[follower], sig=signal.SIGKILL)

    count = CATCH_UP_ENTRIES + 1500
    put_many(HOSTS[leader], 2379, "s", count)
    start(follower)
    # Serializable reads on the follower show what it has applied.
    def caught_up():
        out = ctl(follower, "get", "s", "--prefix", "--limit", "1", "--consistency=s", "-w", "json", check=False)
        return out.returncode == 0 and json.loads(out.stdout).get("count") == count
    wait_until(caught_up, timeout=60, what="the follower to catch up")
    assert "received and saved database snapshot" in log(follower)
    assert "finished applying incoming snapshot" in log(follower)
    # Same data everywhere, and the follower keeps applying new writes after the snapshot.
    ctl(leader, "put", "after", "snapshot")
    wait_until(lambda: ctl(follower, "get", "after", "--consistency=s", "--print-value-only").stdout.strip()
               == "snapshot", timeout=20, what="a write after the snapshot")
    rev = status(leader)["header"]["revision"]
    hashes = {n: json.loads(ctl(n, "endpoint", "hashkv", "--rev", str(rev), "-w", "json").stdout)[0]
              ["HashKV"]["hash"] for n in HOSTS}
    assert len(set(hashes.values())) == 1, hashes
