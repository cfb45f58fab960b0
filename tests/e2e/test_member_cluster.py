"""The clustering guide's three-member static cluster, on 127.0.1.10-12, with etcdctl."""
import base64
import json
import re
import signal
import subprocess

import pytest

from etcdpp_e2e import Writer, wait_until

HOSTS = {"infra0": "127.0.1.10", "infra1": "127.0.1.11", "infra2": "127.0.1.12"}
CLUSTER = ",".join(f"{n}=http://{ip}:2380" for n, ip in HOSTS.items())


def guide_args(binary, name, data_dir, cluster=CLUSTER, advertise_ip=None):
    ip = HOSTS[name]
    adv = advertise_ip or ip
    return [binary, "--name", name, "--data-dir", str(data_dir),
            "--initial-advertise-peer-urls", f"http://{adv}:2380",
            "--listen-peer-urls", f"http://{ip}:2380",
            "--listen-client-urls", f"http://{ip}:2379",
            "--advertise-client-urls", f"http://{ip}:2379",
            "--initial-cluster-token", "etcd-cluster-1",
            "--initial-cluster", cluster,
            "--initial-cluster-state", "new"]


def ctl(endpoint, *args, check=True, input=None):
    out = subprocess.run(["etcdctl", "--endpoints", endpoint, "--command-timeout=5s", *args],
                         capture_output=True, text=True, timeout=30, input=input)
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out


def endpoint(name):
    return f"http://{HOSTS[name]}:2379"


class Cluster:
    def __init__(self, procs, binary, tmp_path):
        self.procs, self.binary, self.tmp = procs, binary, tmp_path
        self.proc = {}

    def start(self, name):
        self.proc[name] = self.procs.start(guide_args(self.binary, name, self.tmp / f"{name}.etcd"),
                                           log_path=str(self.tmp / f"{name}.log"), cwd=str(self.tmp))

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def healthy(self, name):
        return ctl(endpoint(name), "endpoint", "health", check=False).returncode == 0

    def wait_healthy(self, names):
        for n in names:
            wait_until(lambda: self.proc[n].poll() is not None or self.healthy(n), timeout=30,
                       what=f"{n} healthy")
            assert self.proc[n].poll() is None, self.log(n)

    def leader(self, names):
        for n in names:
            out = ctl(endpoint(n), "endpoint", "status", "-w", "json", check=False)
            if out.returncode == 0:
                status = json.loads(out.stdout)[0]["Status"]
                # A member between leaders omits "leader" (zero) from its JSON status.
                if status.get("leader", 0) == status["header"]["member_id"]:
                    return n
        return None


@pytest.fixture
def cluster(procs, etcd_bin, tmp_path):
    c = Cluster(procs, etcd_bin, tmp_path)
    for name in HOSTS:
        c.start(name)
    c.wait_healthy(HOSTS)
    return c


def test_write_on_one_member_is_read_linearizably_on_the_others(cluster):
    ctl(endpoint("infra0"), "put", "guide", "static")
    for name in ("infra1", "infra2"):
        assert ctl(endpoint(name), "get", "guide", "--print-value-only").stdout.strip() == "static"
    members = ctl(endpoint("infra2"), "member", "list").stdout.splitlines()
    assert sorted(line.split(", ")[2] for line in members) == sorted(HOSTS)


def test_killed_leader_loses_no_acknowledged_write_and_catches_up(cluster):
    leader = wait_until(lambda: cluster.leader(HOSTS), timeout=30, what="a leader")
    writer = Writer(HOSTS[next(n for n in HOSTS if n != leader)], prefix="k")
    try:
        wait_until(lambda: len(writer.acked) > 50, timeout=30, what="writes before the kill")
        cluster.procs.stop(cluster.proc[leader], sig=signal.SIGKILL)
        rest = [n for n in HOSTS if n != leader]
        wait_until(lambda: cluster.leader(rest) is not None, timeout=30, what="a new leader")
        before = len(writer.acked)
        wait_until(lambda: len(writer.acked) > before + 50, timeout=30, what="writes after the new election")
    finally:
        writer.stop()
    cluster.start(leader)
    cluster.wait_healthy([leader])
    got = json.loads(ctl(endpoint(leader), "get", "k", "--prefix", "--keys-only", "-w", "json").stdout)
    have = {base64.b64decode(kv["key"]).decode() for kv in got["kvs"]}
    missing = [n for n in writer.acked if writer.key(n) not in have]
    assert not missing, f"{len(missing)} acknowledged writes lost"


def test_stopping_and_restarting_all_members_keeps_every_key(cluster):
    for i in range(10):
        ctl(endpoint("infra2"), "put", f"r{i}", str(i))
    for name in HOSTS:
        cluster.procs.stop(cluster.proc[name])
    for name in HOSTS:
        cluster.start(name)
    cluster.wait_healthy(HOSTS)
    out = ctl(endpoint("infra0"), "get", "r", "--prefix", "-w", "json").stdout
    assert json.loads(out)["count"] == 10


def test_member_missing_from_the_initial_cluster_gets_the_guides_error(etcd_bin, tmp_path):
    out = subprocess.run(guide_args(etcd_bin, "infra1", tmp_path / "x.etcd",
                                    cluster="infra0=http://127.0.1.10:2380"),
                         capture_output=True, text=True, timeout=30, cwd=str(tmp_path))
    assert out.returncode == 1
    assert "etcd: infra1 not listed in the initial cluster config" in out.stderr


def test_advertised_url_mismatch_gets_the_guides_error(etcd_bin, tmp_path):
    out = subprocess.run(guide_args(etcd_bin, "infra0", tmp_path / "x.etcd", advertise_ip="127.0.1.99"),
                         capture_output=True, text=True, timeout=30, cwd=str(tmp_path))
    assert out.returncode == 1
    assert ("etcd: error setting up initial cluster: infra0 has different advertised URLs in the "
            "cluster and advertised peer URLs list") in out.stderr


def test_member_of_another_cluster_exits_with_the_guides_conflicting_id_error(procs, etcd_bin, tmp_path):
    c = Cluster(procs, etcd_bin, tmp_path)
    for name in ("infra0", "infra1"):
        c.start(name)
    c.wait_healthy(["infra0", "infra1"])
    args = guide_args(etcd_bin, "infra2", tmp_path / "infra2.etcd")
    args[args.index("etcd-cluster-1")] = "another-cluster"
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert out.returncode == 1
    local = re.search(r"conflicting cluster ID to the target cluster \(([0-9a-f]+) != ([0-9a-f]+)\)\. Exiting\.",
                      out.stderr)
    assert local, out.stderr[-2000:]
    assert out.stderr.count("etcd: conflicting cluster ID to the target cluster") == 1
    assert local.group(1) != local.group(2)
    remote_status = json.loads(ctl(endpoint("infra0"), "endpoint", "status", "-w", "json").stdout)
    assert format(remote_status[0]["Status"]["header"]["cluster_id"], "x") == local.group(2)
