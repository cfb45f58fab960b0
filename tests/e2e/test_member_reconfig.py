"""Runtime reconfiguration with the real etcdctl: member add/remove/update/promote,
members joining with --initial-cluster-state existing, learners, and etcd's errors."""
import base64
import json
import re
import subprocess

import pytest

from etcdpp_e2e import Writer, wait_until

# Addresses of our own (127.0.4.x), so these members never meet other tests' ones.
def ip(i):
    return f"127.0.4.{10 + i}"


def peer_url(i):
    return f"http://{ip(i)}:2380"


def client_url(i):
    return f"http://{ip(i)}:2379"


def ctl(i, *args, check=True, timeout=30):
    out = subprocess.run(["etcdctl", "--endpoints", client_url(i), "--command-timeout=5s", *args],
                         capture_output=True, text=True, timeout=timeout)
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out


# Refusals that pass: a peer connected too recently for etcd's reconfiguration check, or
# no leader for a moment (a member was just killed or removed).
TRANSIENT = ("unhealthy cluster", "raft proposal dropped", "no leader", "leader changed", "request timed out")


def ctl_healthy(i, *args):
    """etcdctl, retried while the cluster refuses for a passing reason."""
    out = wait_until(lambda: (lambda r: r if r.returncode == 0 or not any(t in r.stderr for t in TRANSIENT)
                              else None)(ctl(i, *args, check=False)), timeout=30, what=" ".join(args))
    assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out


def member_ids(i):
    out = json.loads(ctl(i, "member", "list", "-w", "json").stdout)
    return {m.get("name", ""): f"{m['ID']:x}" for m in out["members"]}


def leader_index(ids):
    """i of the member m<i> that m0 sees leading; `ids` from member_ids."""
    leader_id = status(0)["leader"]
    return next(int(name[1:]) for name, mid in ids.items() if int(mid, 16) == leader_id)


def status(i):
    out = ctl(i, "endpoint", "status", "-w", "json", check=False)
    return json.loads(out.stdout)[0]["Status"] if out.returncode == 0 else None


class Nodes:
    """Members m<i> on 127.0.4.(10+i), each started with the flags the test gives."""

    def __init__(self, procs, binary, tmp):
        self.procs, self.binary, self.tmp = procs, binary, tmp
        self.proc = {}

    def start(self, i, initial_cluster, state, extra=()):
        args = [self.binary, "--name", f"m{i}", "--data-dir", str(self.tmp / f"m{i}.etcd"),
                "--listen-client-urls", client_url(i), "--advertise-client-urls", client_url(i),
                "--listen-peer-urls", peer_url(i), "--initial-advertise-peer-urls", peer_url(i),
                "--initial-cluster", initial_cluster, "--initial-cluster-state", state, *extra]
        self.proc[i] = self.procs.start(args, log_path=str(self.log_path(i)), cwd=str(self.tmp))
        return self.proc[i]

    def log_path(self, i):
        return self.tmp / f"m{i}.log"

    def log(self, i):
        return self.log_path(i).read_text(errors="replace")

    def wait_serving(self, i):
        wait_until(lambda: self.proc[i].poll() is not None or status(i) is not None, timeout=30,
                   what=f"m{i} serving")
        assert self.proc[i].poll() is None, self.log(i)

    def start_single(self, i=0, extra=()):
        self.start(i, f"m{i}={peer_url(i)}", "new", extra)
        self.wait_serving(i)

    def add(self, via, i, learner=False):
        """member add through `via` (retrying while etcd's health checks refuse), then start m<i>."""
        args = ["member", "add", f"m{i}", f"--peer-urls={peer_url(i)}"] + (["--learner"] if learner else [])
        out = ctl_healthy(via, *args)
        env = dict(re.findall(r'^(ETCD_\w+)="(.*)"$', out.stdout, re.M))
        assert env["ETCD_NAME"] == f"m{i}" and env["ETCD_INITIAL_CLUSTER_STATE"] == "existing"
        assert env["ETCD_INITIAL_ADVERTISE_PEER_URLS"] == peer_url(i)
        self.start(i, env["ETCD_INITIAL_CLUSTER"], "existing")
        self.wait_serving(i) if not learner else None
        return out


@pytest.fixture
def nodes(procs, etcd_bin, tmp_path):
    return Nodes(procs, etcd_bin, tmp_path)


def keys_on(i, prefix):
    out = json.loads(ctl(i, "get", prefix, "--prefix", "--keys-only", "-w", "json").stdout)
    return {base64.b64decode(kv["key"]).decode() for kv in out.get("kvs", [])}


def test_grow_to_five_and_shrink_to_one_under_writes(nodes):
    nodes.start_single(0)
    writer = Writer(ip(0))
    try:
        for i in range(1, 5):
            nodes.add(0, i)
        wait_until(lambda: len(writer.acked) > 50, timeout=30, what="writes")
        # Every member holds the same data at one revision.
        rev = status(0)["header"]["revision"]
        def hashes():
            out = [ctl(i, "endpoint", "hashkv", "--rev", str(rev), "-w", "json", check=False) for i in range(5)]
            if any(o.returncode != 0 for o in out):
                return None
            return {json.loads(o.stdout)[0]["HashKV"]["hash"] for o in out}
        assert len(wait_until(hashes, timeout=30, what="hashkv on every member")) == 1
        ids = member_ids(0)
        for i in range(4, 0, -1):
            ctl_healthy(0, "member", "remove", ids[f"m{i}"])
            # A removed member stops by itself, as etcd's does (exit status 0).
            wait_until(lambda: nodes.proc[i].poll() is not None, timeout=30, what=f"m{i} to exit")
            assert nodes.proc[i].returncode == 0
            assert "the member has been permanently removed from the cluster" in nodes.log(i)
    finally:
        writer.stop()
    assert list(member_ids(0)) == ["m0"]
    have = keys_on(0, "w")
    assert all(writer.key(n) in have for n in writer.acked)


def test_replace_a_dead_member(nodes, procs):
    cluster = ",".join(f"m{i}={peer_url(i)}" for i in range(3))
    for i in range(3):
        nodes.start(i, cluster, "new")
    for i in range(3):
        nodes.wait_serving(i)
    for n in range(20):
        ctl(0, "put", f"r{n}", str(n))
    import signal
    ids = member_ids(0)
    # The hard case on purpose: the member that dies is the leader.
    leader = leader_index(ids)
    if leader != 2:
        ctl_healthy(leader, "move-leader", ids["m2"])
    wait_until(lambda: status(2)["leader"] == int(ids["m2"], 16), timeout=20, what="m2 to lead")
    procs.stop(nodes.proc[2], sig=signal.SIGKILL)
    # If m2 led, a request m0 forwards before the next election is lost with it and times
    # out (as in etcd), and a new leader then turns a membership change proposed before its
    # first entry is applied into a no-op (as etcd's raft does). A write that goes through
    # (retried: it is idempotent) shows a leader whose first entry is applied.
    wait_until(lambda: ctl(0, "put", "after-kill", "x", check=False).returncode == 0, timeout=60,
               what="a write after killing m2")
    ctl_healthy(0, "member", "remove", ids["m2"])
    nodes.add(0, 3)
    assert sorted(member_ids(3)) == ["m0", "m1", "m3"]
    assert len(keys_on(3, "r")) == 20
    # The removed member's data dir cannot rejoin: the others refuse it and it stops.
    cluster = ",".join(f"m{i}={peer_url(i)}" for i in range(3))
    nodes.start(2, cluster, "new")
    wait_until(lambda: nodes.proc[2].poll() is not None, timeout=30, what="the removed member to stop")
    assert "the member has been permanently removed from the cluster" in nodes.log(2)


def test_learner_catches_up_through_a_snapshot_and_is_promoted(nodes):
    nodes.start_single(0, extra=["--snapshot-count", "1000"])
    import etcd3
    client = etcd3.client(host=ip(0), port=2379)
    for n in range(6200):  # past etcd's 5 000 entries kept behind a snapshot
        client.put(f"s{n:05d}", "v")
    client.close()
    added = nodes.add(0, 1, learner=True)
    learner_id = re.search(r"Member (\w+) added", added.stdout).group(1)
    wait_until(lambda: "finished applying incoming snapshot" in nodes.log(1), timeout=60,
               what="the learner to install a snapshot")
    # A learner serves its status and serializable reads, nothing else.
    nodes.wait_serving(1)
    refused = ctl(1, "put", "x", "y", check=False)
    assert "etcdserver: rpc not supported for learner" in refused.stderr
    assert ctl(1, "get", "s00001", "--consistency=s", "--print-value-only").stdout.strip() == "v"
    import urllib.error
    import urllib.request
    for path in ("/v3/watch", "/v3/lease/keepalive"):  # nor the streams, through the gateway
        with pytest.raises(urllib.error.HTTPError) as no:
            urllib.request.urlopen(urllib.request.Request(client_url(1) + path, data=b'{}'), timeout=5)
        assert json.loads(no.value.read())["error"] == "etcdserver: rpc not supported for learner"
    def promoted():
        out = ctl(0, "member", "promote", learner_id, check=False)
        return out if out.returncode == 0 else None
    out = wait_until(promoted, timeout=30, what="the promotion")
    assert f"Member {learner_id} promoted in cluster" in out.stdout
    nodes.wait_serving(1)
    ctl(1, "put", "x", "y")
    assert len(keys_on(1, "s")) == 6200


def test_remove_the_leader(nodes):
    cluster = ",".join(f"m{i}={peer_url(i)}" for i in range(3))
    for i in range(3):
        nodes.start(i, cluster, "new")
    for i in range(3):
        nodes.wait_serving(i)
    leader_id = status(0)["leader"]
    ids = member_ids(0)
    leader = leader_index(ids)
    other = next(i for i in range(3) if i != leader)
    ctl_healthy(other, "member", "remove", ids[f"m{leader}"])
    wait_until(lambda: nodes.proc[leader].poll() is not None, timeout=30, what="the old leader to exit")
    wait_until(lambda: (s := status(other)) and s.get("leader") and s["leader"] != leader_id, timeout=30,
               what="a new leader")
    ctl(other, "put", "after", "removal")


def test_reconfiguration_errors(nodes):
    nodes.start_single(0)
    # etcdctl may log its retries first; its last line is the error.
    err = lambda *a: ctl(0, *a, check=False).stderr.strip().splitlines()[-1]  # noqa: E731
    assert err("member", "add", "dup", f"--peer-urls={peer_url(0)}") == "Error: etcdserver: Peer URLs already exists"
    # etcdctl checks URLs itself; the server's check shows through the gateway.
    import urllib.error
    import urllib.request
    req = urllib.request.Request(client_url(0) + "/v3/cluster/member/add", data=b'{"peerURLs":["ftp://x"]}')
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(req, timeout=5)
    assert json.loads(bad.value.read())["error"] == "etcdserver: given member URLs are invalid"
    assert err("member", "remove", "1234") == "Error: etcdserver: member not found"
    own = member_ids(0)["m0"]
    assert err("member", "promote", own) == "Error: etcdserver: can only promote a learner member"
    # A learner that never started is behind the leader.
    ctl(0, "member", "add", "l1", f"--peer-urls={peer_url(1)}", "--learner")
    l1 = next(mid for name, mid in member_ids(0).items() if name == "")
    assert err("member", "promote", l1) == \
        "Error: etcdserver: can only promote a learner member which is in sync with leader"
    assert err("member", "add", "l2", f"--peer-urls={peer_url(2)}", "--learner") == \
        "Error: etcdserver: too many learner members in cluster"
    # Two voters, one never started: a third would leave the started ones short of quorum.
    ctl(0, "member", "remove", l1)
    # (A new URL: an ID comes from the URLs and the second, and a removed ID stays taken.)
    ctl(0, "member", "add", "v1", f"--peer-urls={peer_url(3)}")
    assert err("member", "add", "v2", f"--peer-urls={peer_url(2)}") == \
        "Error: etcdserver: re-configuration failed due to not enough started members"


def test_peer_url_update_reaches_every_member(nodes, procs):
    cluster = ",".join(f"m{i}={peer_url(i)}" for i in range(3))
    for i in range(3):
        nodes.start(i, cluster, "new")
    for i in range(3):
        nodes.wait_serving(i)
    moved = f"http://{ip(2)}:2390"
    ctl_healthy(0, "member", "update", member_ids(0)["m2"], f"--peer-urls={moved}")
    for i in range(3):
        wait_until(lambda: moved in ctl(i, "member", "list").stdout, timeout=20, what=f"m{i} to know the new URL")
    # m2 moves to its new address; the others reach it there (it had no data to lose).
    procs.stop(nodes.proc[2])
    args = [a if a != peer_url(2) else moved for a in nodes.proc[2].args]
    nodes.proc[2] = procs.start(args, log_path=str(nodes.log_path(2)), cwd=str(nodes.tmp))
    nodes.wait_serving(2)
    ctl(0, "put", "moved", "yes")
    wait_until(lambda: ctl(2, "get", "moved", "--consistency=s", "--print-value-only").stdout.strip() == "yes",
               timeout=20, what="the write to reach m2 at its new address")
