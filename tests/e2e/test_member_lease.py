"""Leases on etcdpp members: the real etcdctl 3.4, Python etcd3 and curl against one
member (compared with etcd 3.4 itself where output matters), and a three-member cluster
where keep-alives reach the leader through a follower and leases outlive a leader kill."""
import json
import re
import signal
import subprocess
import threading
import urllib.request

import pytest

from etcdpp_e2e import Member, free_port, wait_until

REFERENCE_ETCD = "/usr/bin/etcd"


@pytest.fixture
def member(procs, etcd_bin, tmp_path):
    return Member(procs, etcd_bin, tmp_path).start()


def post(url, body):
    req = urllib.request.Request(url, data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def grant(m, ttl):
    out = m.ctl("lease", "grant", str(ttl)).stdout.strip()
    match = re.fullmatch(r"lease ([0-9a-f]{16}) granted with TTL\((\d+)s\)", out)
    assert match, out
    return match.group(1), int(match.group(2))


def error_lines(out):
    """etcdctl's result without clientv3's timestamped retry warnings."""
    return (out.returncode, out.stdout, [l for l in out.stderr.splitlines() if l.startswith("Error:")])


def test_grant_attach_inspect_keep_alive_and_revoke(member):
    lease, ttl = grant(member, 60)
    assert ttl == 60
    member.ctl("put", "--lease", lease, "k1", "v1")
    member.ctl("put", "--lease", lease, "k2", "v2")
    out = member.ctl("lease", "timetolive", "--keys", lease).stdout.strip()
    match = re.fullmatch(rf"lease {lease} granted with TTL\(60s\), remaining\((\d+)s\), attached keys\(\[k1 k2\]\)", out)
    assert match and 0 < int(match.group(1)) <= 60, out
    info = json.loads(member.ctl("lease", "timetolive", "--keys", lease, "-w", "json").stdout)
    assert info["granted-ttl"] == 60 and info["keys"] == ["azE=", "azI="]
    assert lease in member.ctl("lease", "list").stdout.split()
    assert member.ctl("lease", "keep-alive", "--once", lease).stdout.strip() == f"lease {lease} keepalived with TTL(60)"
    # A put without the lease takes the key off it.
    member.ctl("put", "k2", "plain")
    assert "attached keys([k1])" in member.ctl("lease", "timetolive", "--keys", lease).stdout
    assert member.ctl("lease", "revoke", lease).stdout.strip() == f"lease {lease} revoked"
    assert member.ctl("get", "k1").stdout == ""
    assert member.ctl("get", "k2", "--print-value-only").stdout.strip() == "plain"
    assert member.ctl("lease", "timetolive", lease).stdout.strip() == f"lease {lease} already expired"
    assert lease not in member.ctl("lease", "list").stdout.split()


def test_short_lease_expires_and_takes_its_keys(member):
    lease, ttl = grant(member, 1)
    assert ttl == 2  # the minimum: 1.5 election timeouts (1 s by default), rounded up
    member.ctl("put", "--lease", lease, "short/a", "1")
    member.ctl("put", "--lease", lease, "short/b", "2")
    before = json.loads(member.ctl("get", "short/", "--prefix", "-w", "json").stdout)
    assert before["count"] == 2
    wait_until(lambda: member.ctl("get", "short/", "--prefix").stdout == "", timeout=20, interval=0.2,
               what="the expired lease's keys to go")
    after = json.loads(member.ctl("get", "nothing", "-w", "json").stdout)
    # Both keys went in one revision: the revoke's single transaction.
    assert after["header"]["revision"] == before["header"]["revision"] + 1
    assert member.ctl("lease", "timetolive", lease).stdout.strip() == f"lease {lease} already expired"


def test_unknown_lease_errors_match_etcd(procs, member, tmp_path):
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ref = Member(procs, REFERENCE_ETCD, ref_dir, name="ref").start()
    commands = [("put", "--lease", "1234", "a", "b"),
                ("lease", "revoke", "1234"),
                ("lease", "timetolive", "1234"),
                ("lease", "keep-alive", "--once", "1234"),
                ("lease", "grant", "10000000000")]
    for args in commands:
        ours, theirs = member.ctl(*args, check=False), ref.ctl(*args, check=False)
        assert error_lines(ours) == error_lines(theirs), args
    assert member.ctl("get", "a").stdout == ""


def test_leases_and_their_keys_survive_a_restart(member):
    lease, _ = grant(member, 120)
    member.ctl("put", "--lease", lease, "durable", "v")
    member.stop()
    member.start()
    assert "attached keys([durable])" in member.ctl("lease", "timetolive", "--keys", lease).stdout
    assert lease in member.ctl("lease", "list").stdout.split()
    member.ctl("lease", "revoke", lease)
    assert member.ctl("get", "durable").stdout == ""


def test_lease_checkpoint_flags_are_served(procs, etcd_bin, tmp_path):
    m = Member(procs, etcd_bin, tmp_path).start(["--experimental-enable-lease-checkpoint",
                                                 "--experimental-enable-lease-checkpoint-persist"])
    lease, _ = grant(m, 60)
    m.ctl("put", "--lease", lease, "cp", "v")
    assert m.ctl("lease", "keep-alive", "--once", lease).stdout.strip() == f"lease {lease} keepalived with TTL(60)"
    assert "attached keys([cp])" in m.ctl("lease", "timetolive", "--keys", lease).stdout


def test_python_etcd3_lease(member):
    import etcd3
    client = etcd3.client(host="127.0.0.1", port=member.client_port)
    try:
        lease = client.lease(30)
        client.put("py/key", "v", lease=lease)
        assert lease.granted_ttl == 30
        assert 0 < lease.remaining_ttl <= 30
        assert lease.keys == [b"py/key"]
        refreshed = lease.refresh()
        assert refreshed[0].ID == lease.id and refreshed[0].TTL == 30
        assert client.get("py/key")[1].lease_id == lease.id
        lease.revoke()
        assert client.get("py/key")[0] is None
        with pytest.raises(Exception, match="requested lease not found"):
            client.put("py/other", "v", lease=lease.id)
    finally:
        client.close()


def test_gateway_lease_paths(member):
    base = member.client_url
    status, body = post(base + "/v3/lease/grant", '{"TTL":30,"ID":77}')
    assert status == 200 and json.loads(body)["ID"] == "77" and json.loads(body)["TTL"] == "30"
    status, body = post(base + "/v3/kv/put", '{"key":"Z3c=","value":"dg==","lease":"77"}')
    assert status == 200
    status, body = post(base + "/v3/lease/keepalive", '{"ID":77} {"ID":78}')
    lines = [json.loads(l) for l in body.splitlines()]
    assert status == 200 and [l["result"]["ID"] for l in lines] == ["77", "78"]
    assert lines[0]["result"]["TTL"] == "30" and "TTL" not in lines[1]["result"]
    assert "revision" in lines[0]["result"]["header"]
    for path in ("/v3/lease/timetolive", "/v3/kv/lease/timetolive"):
        status, body = post(base + path, '{"ID":77,"keys":true}')
        got = json.loads(body)
        assert status == 200 and got["grantedTTL"] == "30" and got["keys"] == ["Z3c="]
    status, body = post(base + "/v3/lease/timetolive", '{"ID":79}')
    assert json.loads(body)["TTL"] == "-1"
    for path in ("/v3/lease/leases", "/v3/kv/lease/leases"):
        status, body = post(base + path, "{}")
        assert status == 200 and {"ID": "77"} in json.loads(body)["leases"]
    status, body = post(base + "/v3/lease/revoke", '{"ID":79}')
    assert status == 404 and json.loads(body)["message"] == "etcdserver: requested lease not found"
    status, body = post(base + "/v3/kv/lease/revoke", '{"ID":77}')
    assert status == 200 and "header" in json.loads(body)
    assert member.ctl("get", "gw").stdout == ""


# --- three members ---------------------------------------------------------------

# Addresses of our own, so that these members never meet other suites' ones.
HOSTS = {"lease0": "127.0.6.10", "lease1": "127.0.6.11", "lease2": "127.0.6.12"}


class Cluster:
    """Three members on HOSTS; `binaries` says which etcd runs each (ours by default)."""

    def __init__(self, procs, binary, tmp_path, binaries=None, extra=(), peer_scheme="http"):
        self.procs, self.tmp, self.extra = procs, tmp_path, list(extra)
        self.binary = binaries or {n: binary for n in HOSTS}
        self.proc = {}
        self.client = {n: f"http://{ip}:{free_port(ip)}" for n, ip in HOSTS.items()}
        self.peer = {n: f"{peer_scheme}://{ip}:{free_port(ip)}" for n, ip in HOSTS.items()}

    def start(self, name):
        initial = ",".join(f"{n}={u}" for n, u in self.peer.items())
        args = [self.binary[name], "--name", name, "--data-dir", str(self.tmp / f"{name}.etcd"),
                "--listen-peer-urls", self.peer[name], "--initial-advertise-peer-urls", self.peer[name],
                "--listen-client-urls", self.client[name], "--advertise-client-urls", self.client[name],
                "--initial-cluster-token", "lease-cluster", "--initial-cluster", initial,
                "--initial-cluster-state", "new", *self.extra]
        self.proc[name] = self.procs.start(args, log_path=str(self.tmp / f"{name}.log"), cwd=str(self.tmp))

    def ctl(self, name, *args, check=True):
        out = subprocess.run(["etcdctl", "--endpoints", self.client[name], "--command-timeout=5s", *args],
                             capture_output=True, text=True, timeout=30)
        if check:
            assert out.returncode == 0, f"{name} {args}: {out.stdout}{out.stderr}"
        return out

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def wait_healthy(self, names):
        for n in names:
            wait_until(lambda: self.proc[n].poll() is not None or
                       self.ctl(n, "endpoint", "health", check=False).returncode == 0,
                       timeout=30, what=f"{n} healthy")
            assert self.proc[n].poll() is None, self.log(n)

    def status(self, name):
        out = self.ctl(name, "endpoint", "status", "-w", "json", check=False)
        return json.loads(out.stdout)[0]["Status"] if out.returncode == 0 else None

    def leader(self, names):
        for n in names:
            status = self.status(n)
            if status and status.get("leader", 0) == status["header"]["member_id"]:
                return n
        return None


@pytest.fixture
def cluster(procs, etcd_bin, tmp_path):
    c = Cluster(procs, etcd_bin, tmp_path)
    for name in HOSTS:
        c.start(name)
    c.wait_healthy(HOSTS)
    wait_until(lambda: c.leader(HOSTS), timeout=30, what="a leader")
    return c


def remaining(cluster, name, lease):
    out = cluster.ctl(name, "lease", "timetolive", lease).stdout.strip()
    match = re.fullmatch(rf"lease {lease} granted with TTL\((\d+)s\), remaining\((-?\d+)s\)", out)
    assert match, out
    return int(match.group(2))


def test_keep_alive_through_a_follower_keeps_the_lease_past_its_ttl(cluster, procs, tmp_path):
    leader = cluster.leader(HOSTS)
    follower = next(n for n in HOSTS if n != leader)
    lease, ttl = grant_on(cluster, follower, 5)
    cluster.ctl(follower, "put", "--lease", lease, "kept", "alive")
    log_path = tmp_path / "keepalive.out"
    keeper = procs.start(["etcdctl", "--endpoints", cluster.client[follower], "lease", "keep-alive", lease],
                         log_path=str(log_path))
    line = f"lease {lease} keepalived with TTL({ttl})"
    # etcdctl renews every TTL/3: eight renewals span well over one TTL.
    wait_until(lambda: log_path.read_text().count(line) >= 8 or keeper.poll() is not None, timeout=40,
               interval=0.2, what="keep-alives through the follower")
    assert keeper.poll() is None, log_path.read_text()
    assert cluster.ctl(leader, "get", "kept", "--print-value-only").stdout.strip() == "alive"
    # Time-to-live asked at the follower is the leader's answer (/leases/internal).
    assert 0 < remaining(cluster, follower, lease) <= ttl
    procs.stop(keeper)
    wait_until(lambda: cluster.ctl(leader, "get", "kept").stdout == "", timeout=30, interval=0.2,
               what="the lease to expire once nobody renews it")


def test_keep_alive_reaches_the_leader_over_peer_tls(procs, etcd_bin, tmp_path):
    c = Cluster(procs, etcd_bin, tmp_path, extra=["--peer-auto-tls"], peer_scheme="https")
    for name in HOSTS:
        c.start(name)
    c.wait_healthy(HOSTS)
    leader = wait_until(lambda: c.leader(HOSTS), timeout=30, what="a leader")
    follower = next(n for n in HOSTS if n != leader)
    lease, ttl = grant_on(c, follower, 30)
    c.ctl(follower, "put", "--lease", lease, "tls", "v")
    assert c.ctl(follower, "lease", "keep-alive", "--once", lease).stdout.strip() == \
        f"lease {lease} keepalived with TTL({ttl})"
    assert "attached keys([tls])" in c.ctl(follower, "lease", "timetolive", "--keys", lease).stdout


def grant_on(cluster, name, ttl):
    out = cluster.ctl(name, "lease", "grant", str(ttl)).stdout.strip()
    match = re.fullmatch(r"lease ([0-9a-f]{16}) granted with TTL\((\d+)s\)", out)
    assert match, out
    return match.group(1), int(match.group(2))


def test_lease_survives_a_leader_kill(cluster):
    leader = cluster.leader(HOSTS)
    rest = [n for n in HOSTS if n != leader]
    lease, ttl = grant_on(cluster, rest[0], 30)
    cluster.ctl(rest[0], "put", "--lease", lease, "survivor", "v")
    cluster.procs.stop(cluster.proc[leader], sig=signal.SIGKILL)
    wait_until(lambda: cluster.leader(rest), timeout=30, what="a new leader")
    new_leader = cluster.leader(rest)
    # The new leader restarts the lease from its full TTL plus an election timeout.
    assert 0 < remaining(cluster, new_leader, lease) <= ttl + 1
    assert cluster.ctl(rest[1], "get", "survivor", "--print-value-only").stdout.strip() == "v"
    other = next(n for n in rest if n != new_leader)
    assert (cluster.ctl(other, "lease", "keep-alive", "--once", lease).stdout.strip() ==
            f"lease {lease} keepalived with TTL({ttl})")
    cluster.ctl(other, "lease", "revoke", lease)
    assert cluster.ctl(new_leader, "get", "survivor").stdout == ""


def test_keep_alives_cross_between_etcd_and_etcdpp_members(procs, etcd_bin, tmp_path):
    """Our follower renews at an etcd 3.4 leader, and etcd 3.4's follower at our leader."""
    ours = "lease1"
    c = Cluster(procs, etcd_bin, tmp_path, binaries={"lease0": REFERENCE_ETCD, ours: etcd_bin,
                                                     "lease2": REFERENCE_ETCD})
    for name in HOSTS:
        c.start(name)
    c.wait_healthy(HOSTS)
    wait_until(lambda: c.leader(HOSTS), timeout=30, what="a leader")
    if c.leader(HOSTS) == ours:  # let an etcd 3.4 member lead first
        c.procs.stop(c.proc[ours])
        wait_until(lambda: c.leader(["lease0", "lease2"]), timeout=30, what="an etcd leader")
        c.start(ours)
        c.wait_healthy([ours])
    etcd_leader = c.leader(HOSTS)
    assert etcd_leader != ours
    lease, ttl = grant_on(c, ours, 30)
    c.ctl(ours, "put", "--lease", lease, "mixed", "v")
    assert c.ctl(ours, "lease", "keep-alive", "--once", lease).stdout.strip() == \
        f"lease {lease} keepalived with TTL({ttl})"
    assert "attached keys([mixed])" in c.ctl(ours, "lease", "timetolive", "--keys", lease).stdout
    unknown = c.ctl(ours, "lease", "timetolive", "1234").stdout.strip()
    assert unknown == "lease 0000000000001234 already expired"

    # etcd 3.4 hands leadership to our member; its followers now ask us.
    our_id = format(c.status(ours)["header"]["member_id"], "x")
    c.ctl(etcd_leader, "move-leader", our_id)
    wait_until(lambda: c.leader(HOSTS) == ours, timeout=30, what="our member to lead")
    etcd_follower = "lease2" if etcd_leader == "lease0" else "lease0"
    assert c.ctl(etcd_follower, "lease", "keep-alive", "--once", lease).stdout.strip() == \
        f"lease {lease} keepalived with TTL({ttl})"
    assert "attached keys([mixed])" in c.ctl(etcd_follower, "lease", "timetolive", "--keys", lease).stdout
    short, _ = grant_on(c, etcd_follower, 2)
    c.ctl(etcd_follower, "put", "--lease", short, "short", "v")
    # Our leader expires the lease; the etcd members apply its revoke.
    wait_until(lambda: c.ctl(etcd_follower, "get", "short").stdout == "", timeout=30, interval=0.2,
               what="our leader to revoke the expired lease")
    assert c.ctl(etcd_follower, "get", "mixed", "--print-value-only").stdout.strip() == "v"


def test_follower_catching_up_through_a_snapshot_gets_leases_with_their_keys(procs, etcd_bin, tmp_path):
    import etcd3
    c = Cluster(procs, etcd_bin, tmp_path, extra=["--snapshot-count", "1000"])
    for name in HOSTS:
        c.start(name)
    c.wait_healthy(HOSTS)
    leader = wait_until(lambda: c.leader(HOSTS), timeout=30, what="a leader")
    follower = next(n for n in HOSTS if n != leader)
    c.procs.stop(c.proc[follower], sig=signal.SIGKILL)
    lease, _ = grant_on(c, leader, 300)
    c.ctl(leader, "put", "--lease", lease, "leased/a", "1")
    c.ctl(leader, "put", "--lease", lease, "leased/b", "2")
    host, port = c.client[leader][len("http://"):].split(":")
    client = etcd3.client(host=host, port=int(port))
    try:
        for i in range(6500):  # beyond the 5000 entries a leader keeps for slow followers
            client.put(f"fill{i:05d}", "x")
    finally:
        client.close()
    c.start(follower)
    c.wait_healthy([follower])
    wait_until(lambda: "finished applying incoming snapshot" in c.log(follower), timeout=60,
               what="the follower to install a snapshot")
    # The follower's own lessor (lease list is local) knows the lease, and knows its keys:
    # revoking it deletes them on the follower too.
    assert lease in c.ctl(follower, "lease", "list").stdout.split()
    c.ctl(leader, "lease", "revoke", lease)
    wait_until(lambda: c.ctl(follower, "get", "leased/", "--prefix", "--consistency=s").stdout == "",
               timeout=30, interval=0.2, what="the revoke to delete the keys on the follower")
    rev = c.status(leader)["header"]["revision"]
    wait_until(lambda: c.status(follower)["header"]["revision"] >= rev, timeout=30, what="the same revision")
    hashes = {n: json.loads(c.ctl(n, "endpoint", "hashkv", "--rev", str(rev), "-w", "json").stdout)[0]
              ["HashKV"]["hash"] for n in HOSTS}
    assert len(set(hashes.values())) == 1, hashes


def test_keep_alive_stream_whose_answers_are_not_read_ends_with_too_many_requests(member):
    """A client sending keep-alives without reading the answers does not grow the member's
    memory: answers stop at a bound, waiting requests then stop at theirs, and the stream
    ends with etcd's "too many requests" (etcd 3.4 stops reading the stream instead)."""
    import grpc
    from etcd3 import etcdrpc as rpc
    lease_id = int(grant(member, 60)[0], 16)
    total = 60000
    sent_all = threading.Event()

    def requests():
        for _ in range(total):
            yield rpc.LeaseKeepAliveRequest(ID=lease_id)
        sent_all.set()  # the member has read most of them: its window is 1 MiB of 1.5 MB

    # Without BDP probing the client's receive window stays 64 KiB while nothing is read.
    channel = grpc.insecure_channel(f"127.0.0.1:{member.client_port}", options=[("grpc.http2.bdp_probe", 0)])
    try:
        call = rpc.LeaseStub(channel).LeaseKeepAlive(requests(), timeout=120)
        assert sent_all.wait(timeout=100)
        answered = 0
        with pytest.raises(grpc.RpcError) as err:
            for r in call:
                assert r.ID == lease_id and r.TTL == 60
                answered += 1
        assert err.value.code() == grpc.StatusCode.UNKNOWN
        assert err.value.details() == "etcdserver: too many requests"
        assert 0 < answered < total // 2
    finally:
        channel.close()
    # The member goes on serving keep-alives.
    assert member.ctl("lease", "keep-alive", "--once", f"{lease_id:x}").returncode == 0
