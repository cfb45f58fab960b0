"""Maintenance on a member, driven by the real etcdctl and curl: the space quota and its
NOSPACE alarm, snapshot save/status/restore, move-leader in a three-member cluster, and
auto compaction. The quota flow also runs against etcd 3.4 itself to show the same output."""
import base64
import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from etcdpp_e2e import Member, free_port, wait_until

REAL_ETCD = "/usr/bin/etcd"
NOSPACE = "etcdserver: mvcc: database space exceeded"
VALUE = "x" * 20000


def http(url, data=None):
    """(status, body) of a GET, or of a POST when data is given; (0, "") if unreachable."""
    req = urllib.request.Request(url, data=data.encode() if data is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def status_json(member):
    return json.loads(member.ctl("endpoint", "status", "-w", "json").stdout)[0]["Status"]


def fill_until_nospace(member, limit=200):
    """Puts 20 kB values until the quota refuses one; returns that etcdctl result."""
    for i in range(limit):
        out = member.ctl("put", f"k{i:03d}", VALUE, check=False)
        if out.returncode != 0:
            return i, out
    pytest.fail(f"no NOSPACE after {limit} puts of 20 kB")


@pytest.fixture(params=["etcdpp", "etcd-3.4"])
def quota_binary(request, etcd_bin):
    if request.param == "etcd-3.4":
        if not os.path.exists(REAL_ETCD):
            pytest.skip("etcd 3.4 is not installed")
        return REAL_ETCD
    return etcd_bin


def test_quota_raises_nospace_which_survives_restart_until_disarmed(procs, quota_binary, tmp_path):
    m = Member(procs, quota_binary, tmp_path).start(["--quota-backend-bytes=300000"])
    member_id = int(status_json(m)["header"]["member_id"])
    alarm_line = f"memberID:{member_id} alarm:NOSPACE "

    written, refused = fill_until_nospace(m)
    assert written > 0
    assert refused.stderr.strip().endswith(f"Error: {NOSPACE}"), refused.stderr
    assert m.ctl("alarm", "list").stdout == alarm_line + "\n"
    assert alarm_line in status_json(m)["errors"]
    assert http(m.client_url + "/health") == (503, '{"health":"false"}\n')
    assert http(m.client_url + "/health?exclude=NOSPACE") == (200, '{"health":"true"}')

    # Reads and deletes still work; anything that adds data is refused.
    assert m.ctl("get", "k000", "--print-value-only").stdout.strip() == VALUE
    for i in range(3):
        assert m.ctl("del", f"k{i:03d}").stdout.strip() == "1"
    assert NOSPACE in m.ctl("put", "small", "v", check=False).stderr
    txn = m.ctl("txn", input="\n\nput t v\n\n", check=False)
    assert NOSPACE in txn.stderr

    # The alarm is kept in the backend.
    m.stop()
    m.proc = procs.start(m.args(["--quota-backend-bytes=300000"]), log_path=str(m.log_path), cwd=str(m.workdir))
    wait_until(lambda: m.proc.poll() is not None or http(m.client_url + "/health?exclude=NOSPACE")[0] == 200,
               timeout=20, what="the restarted member")
    assert m.proc.poll() is None, m.log()
    assert m.ctl("alarm", "list").stdout == alarm_line + "\n"
    assert NOSPACE in m.ctl("put", "small", "v", check=False).stderr

    rev = json.loads(m.ctl("get", "k003", "-w", "json").stdout)["header"]["revision"]
    assert m.ctl("compaction", str(rev), "--physical").stdout.strip() == f"compacted revision {rev}"
    assert "Finished defragmenting etcd member" in m.ctl("defrag").stdout
    assert m.ctl("alarm", "disarm").stdout == alarm_line + "\n"
    assert m.ctl("alarm", "list").stdout == ""
    assert m.ctl("put", "small", "v").stdout.strip() == "OK"
    assert http(m.client_url + "/health") == (200, '{"health":"true"}')
    assert http(m.client_url + "/v3/maintenance/alarm", "{}") == (200, "{}")


def test_compaction_alone_frees_quota_space_without_defrag(procs, etcd_bin, tmp_path):
    # We count pages in use, not the file size (docs/compatibility.md): after deleting and
    # compacting, disarming is enough for writes to fit again; etcd 3.4 needs a defrag.
    m = Member(procs, etcd_bin, tmp_path).start(["--quota-backend-bytes=300000"])
    written, _ = fill_until_nospace(m)
    assert m.ctl("del", "k", "--prefix").stdout.strip() == str(written)
    rev = status_json(m)["header"]["revision"]
    m.ctl("compaction", str(rev), "--physical")
    m.ctl("alarm", "disarm")
    for i in range(written // 2):
        assert m.ctl("put", f"again{i}", VALUE).stdout.strip() == "OK"
    assert status_json(m)["dbSizeInUse"] < 300000
    assert m.ctl("alarm", "list").stdout == ""


def restore(snap, member):
    """`etcdctl snapshot restore` of `snap` into `member`'s data dir, as a one-member cluster."""
    out = subprocess.run(["etcdctl", "snapshot", "restore", str(snap), "--name", member.name,
                          "--data-dir", str(member.workdir / f"{member.name}.etcd"),
                          "--initial-cluster", f"{member.name}={member.peer_url}",
                          "--initial-advertise-peer-urls", member.peer_url],
                         capture_output=True, text=True, timeout=30, env={**os.environ, "ETCDCTL_API": "3"})
    assert out.returncode == 0, out.stderr


def test_snapshot_save_status_restore_and_serve_restored_dir(procs, etcd_bin, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    m = Member(procs, etcd_bin, tmp_path / "a").start()
    for i in range(40):
        m.ctl("put", f"key{i:02d}", f"value{i}")
    m.ctl("put", "big", "b" * 100000)  # spans overflow pages in the bbolt file
    rev = status_json(m)["header"]["revision"]

    snap = tmp_path / "x.db"
    saved = m.ctl("snapshot", "save", str(snap))
    assert f"Snapshot saved at {snap}" in saved.stdout
    status = json.loads(m.ctl("snapshot", "status", str(snap), "-w", "json").stdout)
    assert status["revision"] == rev
    assert status["totalKey"] >= 41
    assert status["totalSize"] + 32 == snap.stat().st_size  # etcdctl keeps the sha256 at the end

    # The gateway stream: chunks then the SHA-256 of everything before it.
    code, body = http(m.client_url + "/v3/maintenance/snapshot", "{}")
    assert code == 200
    results = [json.loads(line)["result"] for line in body.splitlines()]
    blobs = [base64.b64decode(r["blob"]) for r in results]
    assert "remaining_bytes" not in results[-1]
    assert int(results[0]["remaining_bytes"]) == sum(len(b) for b in blobs[1:-1])
    assert hashlib.sha256(b"".join(blobs[:-1])).digest() == blobs[-1]

    # Restore into a new single-member cluster and serve it with our etcd.
    r = Member(procs, etcd_bin, tmp_path / "b", name="restored")
    restore(snap, r)
    r.start()
    assert r.ctl("get", "key07", "--print-value-only").stdout.strip() == "value7"
    assert len(r.ctl("get", "big", "--print-value-only").stdout.strip()) == 100000
    members = r.ctl("member", "list").stdout.strip().splitlines()
    assert len(members) == 1 and ", restored, " in members[0] and r.peer_url in members[0]
    assert r.ctl("put", "after", "restore").stdout.strip() == "OK"
    assert r.ctl("get", "key00", "--rev", str(rev), "--print-value-only").stdout.strip() == "value0"


@pytest.mark.skipif(not os.path.exists(REAL_ETCD), reason="etcd 3.4 is not installed")
@pytest.mark.parametrize("source_is_ours", [True, False], ids=["etcdpp-to-etcd", "etcd-to-etcdpp"])
def test_snapshot_moves_data_between_etcd_and_etcdpp(procs, etcd_bin, tmp_path, source_is_ours):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    src = Member(procs, etcd_bin if source_is_ours else REAL_ETCD, tmp_path / "src").start()
    for i in range(150):
        src.ctl("put", f"key{i:03d}", f"value{i}")
    src.ctl("put", "big", "y" * 50000)
    rev = status_json(src)["header"]["revision"]
    hash_src = json.loads(src.ctl("endpoint", "hashkv", "--rev", str(rev), "-w", "json").stdout)[0]["HashKV"]
    snap = tmp_path / "move.db"
    src.ctl("snapshot", "save", str(snap))
    src.stop()

    dst = Member(procs, REAL_ETCD if source_is_ours else etcd_bin, tmp_path / "dst")
    restore(snap, dst)
    dst.start()
    assert dst.ctl("get", "key077", "--print-value-only").stdout.strip() == "value77"
    assert len(dst.ctl("get", "big", "--print-value-only").stdout.strip()) == 50000
    hash_dst = json.loads(dst.ctl("endpoint", "hashkv", "--rev", str(rev), "-w", "json").stdout)[0]["HashKV"]
    assert hash_dst["hash"] == hash_src["hash"]  # the same key bucket, byte for byte
    assert dst.ctl("put", "after", "move").stdout.strip() == "OK"
    assert "Finished defragmenting" in dst.ctl("defrag").stdout


HOSTS = {"m0": "127.0.3.10", "m1": "127.0.3.11", "m2": "127.0.3.12"}


class Trio:
    """Three members on their own loopback addresses and free ports."""

    def __init__(self, procs, binary, tmp):
        self.procs, self.binary, self.tmp = procs, binary, tmp
        self.peer = {n: f"http://{ip}:{free_port(ip)}" for n, ip in HOSTS.items()}
        self.client = {n: f"http://{ip}:{free_port(ip)}" for n, ip in HOSTS.items()}
        self.proc = {}

    def start(self, extra=()):
        cluster = ",".join(f"{n}={u}" for n, u in self.peer.items())
        for n in HOSTS:
            args = [self.binary, "--name", n, "--data-dir", str(self.tmp / f"{n}.etcd"),
                    "--initial-advertise-peer-urls", self.peer[n], "--listen-peer-urls", self.peer[n],
                    "--listen-client-urls", self.client[n], "--advertise-client-urls", self.client[n],
                    "--initial-cluster-token", "maint-trio", "--initial-cluster", cluster, *extra]
            self.proc[n] = self.procs.start(args, log_path=str(self.tmp / f"{n}.log"), cwd=str(self.tmp))
        for n in HOSTS:
            wait_until(lambda: self.proc[n].poll() is not None or self.ctl(n, "endpoint", "health").returncode == 0,
                       timeout=30, what=f"{n} healthy")
            assert self.proc[n].poll() is None, (self.tmp / f"{n}.log").read_text()
        return self

    def ctl(self, name_or_endpoints, *args, input=None):
        eps = self.client.get(name_or_endpoints, name_or_endpoints)
        return subprocess.run(["etcdctl", "--endpoints", eps, "--command-timeout=10s", *args], input=input,
                              capture_output=True, text=True, timeout=30, env={**os.environ, "ETCDCTL_API": "3"})

    def status(self, n):
        out = self.ctl(n, "endpoint", "status", "-w", "json")
        return json.loads(out.stdout)[0]["Status"] if out.returncode == 0 else None

    def leader_id(self):
        """The leader's ID when every member names the same one, else None."""
        ids = set()
        for n in HOSTS:
            s = self.status(n)
            ids.add(s.get("leader", 0) if s else 0)
        return ids.pop() if len(ids) == 1 and 0 not in ids else None


def test_move_leader_in_three_member_cluster(procs, etcd_bin, tmp_path):
    trio = Trio(procs, etcd_bin, tmp_path).start()
    leader = wait_until(trio.leader_id, timeout=20, what="one leader")
    ids = {n: trio.status(n)["header"]["member_id"] for n in HOSTS}
    leader_name = next(n for n, i in ids.items() if i == leader)
    follower = next(n for n in HOSTS if n != leader_name)
    target = ids[follower]
    all_eps = ",".join(trio.client.values())

    out = trio.ctl(all_eps, "move-leader", f"{target:x}")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Leadership transferred from {leader:x} to {target:x}\n"
    assert wait_until(lambda: trio.leader_id() == target, timeout=20, what="the transferee to lead")
    assert trio.ctl(follower, "put", "after-move", "v").returncode == 0

    # Only the leader transfers, and only to a voting member.
    code, body = http(trio.client[leader_name] + "/v3/maintenance/transfer-leadership",
                      json.dumps({"targetID": str(target)}))
    assert (code, json.loads(body)["error"]) == (412, "etcdserver: not leader")
    bad = trio.ctl(follower, "move-leader", "1234")
    assert bad.returncode != 0 and "etcdserver: bad leader transferee" in bad.stderr
    only_followers = ",".join(trio.client[n] for n in HOSTS if n != follower)
    none = trio.ctl(only_followers, "move-leader", f"{leader:x}")
    assert none.returncode != 0 and "no leader endpoint given at" in none.stderr


def test_nospace_alarm_is_shared_by_the_cluster(procs, etcd_bin, tmp_path):
    trio = Trio(procs, etcd_bin, tmp_path).start(["--quota-backend-bytes=300000"])
    all_eps = ",".join(trio.client.values())
    refused = None
    for i in range(200):
        out = trio.ctl(all_eps, "put", f"k{i:03d}", VALUE)
        if out.returncode != 0:
            refused = out
            break
    assert refused is not None and f"Error: {NOSPACE}" in refused.stderr
    # Every member sees the alarm (applied through raft) and refuses writes.
    for n in HOSTS:
        assert wait_until(lambda: "alarm:NOSPACE" in trio.ctl(n, "alarm", "list").stdout, timeout=10,
                          what=f"{n} to list the alarm")
        assert NOSPACE in trio.ctl(n, "put", "small", "v").stderr
        code, _ = http(trio.client[n] + "/health")
        assert code == 503
    assert trio.ctl(all_eps, "del", "k", "--prefix").returncode == 0
    rev = trio.status("m0")["header"]["revision"]
    assert trio.ctl(all_eps, "compaction", str(rev), "--physical").returncode == 0
    assert trio.ctl(all_eps, "defrag").returncode == 0
    assert "alarm:NOSPACE" in trio.ctl(all_eps, "alarm", "disarm").stdout
    for n in HOSTS:
        assert wait_until(lambda: trio.ctl(n, "alarm", "list").stdout == "", timeout=10, what="disarm everywhere")
        assert trio.ctl(n, "put", f"ok-{n}", "v").returncode == 0


def test_auto_compaction_in_revision_mode(procs, etcd_bin, tmp_path, monkeypatch):
    monkeypatch.setenv("ETCDPP_AUTO_COMPACTION_REVISION_INTERVAL", "100ms")
    m = Member(procs, etcd_bin, tmp_path).start(
        ["--auto-compaction-mode=revision", "--auto-compaction-retention=5"])
    for i in range(20):
        m.ctl("put", "k", str(i))
    rev = status_json(m)["header"]["revision"]

    def compacted():
        out = m.ctl("get", "k", "--rev=2", check=False)
        return out.returncode != 0 and "required revision has been compacted" in out.stderr
    wait_until(compacted, timeout=20, what="auto compaction")
    assert m.ctl("get", "k", f"--rev={rev - 5}", "--print-value-only").stdout.strip() == str(rev - 7)
    assert "Finished auto-compaction at revision" in m.log()
    assert "N | compactor: Starting auto-compaction at revision" in m.log()


def test_auto_compaction_periodic_with_a_duration(procs, etcd_bin, tmp_path):
    m = Member(procs, etcd_bin, tmp_path).start(["--auto-compaction-retention=1s"])
    for i in range(5):
        m.ctl("put", "k", str(i))

    def compacted():
        out = m.ctl("get", "k", "--rev=2", check=False)
        return out.returncode != 0 and "required revision has been compacted" in out.stderr
    wait_until(compacted, timeout=20, what="periodic auto compaction")
    assert "(retention: 1s)" in m.log()


def test_bad_auto_compaction_retention_is_refused(procs, etcd_bin, tmp_path):
    out = subprocess.run([etcd_bin, "--data-dir", str(tmp_path / "d"), "--auto-compaction-retention=abc",
                          "--listen-client-urls", f"http://127.0.0.1:{free_port()}",
                          "--advertise-client-urls", "http://127.0.0.1:2379",
                          "--listen-peer-urls", f"http://127.0.0.1:{free_port()}"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 1
    assert 'error parsing CompactionRetention: time: invalid duration "abc"' in out.stderr
