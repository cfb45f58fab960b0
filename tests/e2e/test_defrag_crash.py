"""Defrag crash safety: a member killed (SIGKILL, by a failpoint) at each step of an online
defrag restarts with every acknowledged key, its revision not regressed, and the same
`endpoint hashkv` as the other members. Three etcdpp members on 127.0.13.1-3."""
import base64
import json
import pathlib
import signal
import subprocess

import pytest

from etcdpp_e2e import Writer, cluster_member_args, wait_until

HOSTS = {"d0": "127.0.13.1", "d1": "127.0.13.2", "d2": "127.0.13.3"}
CLUSTER = ",".join(f"{n}=http://{ip}:2380" for n, ip in HOSTS.items())
STEPS = ["defragBeforeCopy", "defragAfterCopy", "defragMidCatchUp", "defragBeforeRename",
         "defragAfterRename"]
TARGET = "d2"  # the member that defragments and dies; the writer writes through d0


def ctl(name, *args, check=True):
    out = subprocess.run(["etcdctl", "--endpoints", f"http://{HOSTS[name]}:2379",
                          "--command-timeout=10s", *args],
                         capture_output=True, text=True, timeout=30)
    if check:
        assert out.returncode == 0, f"{name} {args}: {out.stdout}{out.stderr}"
    return out


class Cluster:
    def __init__(self, procs, binary, tmp):
        self.procs, self.binary, self.tmp = procs, binary, tmp
        self.proc, self.starts = {}, 0

    def start(self, name, env=None):
        ip = HOSTS[name]
        args = cluster_member_args(self.binary, name, ip, self.tmp / f"{name}.etcd", CLUSTER, "defrag-crash")
        # One log per start: the log of a killed incarnation stays readable.
        self.starts += 1
        self.proc[name] = self.procs.start(args, env=env, log_path=str(self.tmp / f"{name}.{self.starts}.log"),
                                           cwd=str(self.tmp))

    def log(self, name):
        return pathlib.Path(self.proc[name].log_path).read_text(errors="replace")

    def wait_healthy(self, name):
        def ready():
            return (self.proc[name].poll() is not None or
                    ctl(name, "endpoint", "health", check=False).returncode == 0)
        wait_until(ready, timeout=30, what=f"{name} healthy")
        assert self.proc[name].poll() is None, self.log(name)


def revision(name):
    return json.loads(ctl(name, "endpoint", "status", "-w", "json").stdout)[0]["Status"]["header"]["revision"]


def keys_on(name, prefix):
    """The keys `name` itself holds (serializable: no round to the leader)."""
    out = json.loads(ctl(name, "get", prefix, "--prefix", "--keys-only", "--consistency=s",
                         "-w", "json").stdout)
    return {base64.b64decode(kv["key"]).decode() for kv in out.get("kvs", [])}


def fill_and_compact(name):
    """Keys written twice then compacted: the file has free pages for the defrag to drop."""
    import etcd3
    client = etcd3.client(host=HOSTS[name], port=2379, timeout=10)
    try:
        value = "x" * 1024
        for _ in range(2):
            for start in range(0, 1000, 100):
                client.transaction(compare=[], success=[
                    client.transactions.put(f"fill{n:05d}", value) for n in range(start, start + 100)],
                    failure=[])
        client.compact(revision(name))
    finally:
        client.close()


@pytest.fixture
def cluster(procs, etcd_bin, tmp_path):
    c = Cluster(procs, etcd_bin, tmp_path)
    for name in HOSTS:
        c.start(name)
    for name in HOSTS:
        c.wait_healthy(name)
    return c


def test_member_killed_at_each_defrag_step_restarts_whole(cluster):
    fill_and_compact("d0")
    writer = Writer(HOSTS["d0"], prefix="w")
    try:
        for step in STEPS:
            wait_until(lambda: len(writer.acked) > 20, timeout=30, what="writes")
            cluster.procs.stop(cluster.proc[TARGET])
            cluster.start(TARGET, env={"ETCDPP_FAILPOINTS": step})
            cluster.wait_healthy(TARGET)
            before = revision(TARGET)
            # The member dies inside the defrag, so etcdctl sees the connection drop.
            out = ctl(TARGET, "defrag", check=False)
            assert out.returncode != 0, out.stdout
            wait_until(lambda: cluster.proc[TARGET].poll() is not None, timeout=30,
                       what=f"{TARGET} to die at {step}")
            assert cluster.proc[TARGET].returncode == -signal.SIGKILL
            assert f"failpoint {step} reached" in cluster.log(TARGET)

            acked_before_restart = set(writer.acked)
            cluster.start(TARGET)
            cluster.wait_healthy(TARGET)
            assert revision(TARGET) >= before, step
            # Every write acknowledged before the restart is on the restarted member.
            want = {writer.key(n) for n in acked_before_restart}
            wait_until(lambda: want <= keys_on(TARGET, "w"), timeout=30,
                       what=f"acknowledged keys on {TARGET} after {step}")
            assert len(keys_on(TARGET, "fill")) == 1000
    finally:
        writer.stop()

    # A defrag without failpoints completes on the restarted member.
    ctl(TARGET, "defrag")
    rev = revision("d0")

    def hashes():
        out = [ctl(n, "endpoint", "hashkv", "--rev", str(rev), "-w", "json", check=False) for n in HOSTS]
        if any(o.returncode != 0 for o in out):
            return None
        return {json.loads(o.stdout)[0]["HashKV"]["hash"] for o in out}
    assert len(wait_until(hashes, timeout=30, what="hashkv equal on every member")) == 1
    want = {writer.key(n) for n in writer.acked}
    for name in HOSTS:
        wait_until(lambda: want <= keys_on(name, "w"), timeout=30, what=f"acknowledged keys on {name}")
