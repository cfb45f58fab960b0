"""The `bigval` scenario of bench/compare.py: large values through a 3-member cluster.

1 000 puts of 1 MiB values (distinct keys) by 10 clients; halfway through, a follower is
stopped; after the last put it is restarted and must catch up with every value (same
key count and `endpoint hashkv` as the leader). Reported per server: put throughput and
p99 over both halves, each member's peak RSS (VmHWM; the restarted follower's is the
larger of its two processes), and the follower's catch-up time. Each server runs alone
on the machine, on a fresh cluster, so the peaks belong to this workload only.
"""
import json
import subprocess
import time

from etcdpp_e2e import wait_until

VAL_BYTES = 1 << 20
TOTAL = 1000
CLIENTS = 10


def ctl(endpoint, *args):
    return subprocess.run(["etcdctl", "--endpoints", endpoint, "--command-timeout=30s", *args],
                          capture_output=True, text=True, timeout=120)


def leader_of(cluster):
    for m, ep in zip(cluster.names, cluster.endpoints()):
        out = ctl(ep, "endpoint", "status", "-w", "json")
        if out.returncode != 0:
            continue
        status = json.loads(out.stdout)[0]["Status"]
        if status.get("leader", 0) == status["header"]["member_id"]:
            return m
    return None


def hashkv(endpoint):
    out = ctl(endpoint, "endpoint", "hashkv", "-w", "json")
    return json.loads(out.stdout)[0]["HashKV"]["hash"] if out.returncode == 0 else None


def key_count(endpoint):
    # The response's count is the whole range's, whatever the limit.
    out = ctl(endpoint, "get", "", "--from-key", "--limit", "1", "--consistency=s", "-w", "json")
    return json.loads(out.stdout).get("count", 0) if out.returncode == 0 else None


def revision(endpoint):
    out = ctl(endpoint, "endpoint", "status", "-w", "json")
    return json.loads(out.stdout)[0]["Status"]["header"]["revision"] if out.returncode == 0 else None


def run(bench, cluster, scale):
    """Runs the scenario on a started 3-member cluster; returns its figures."""
    total = max(2 * CLIENTS, int(TOTAL * scale))
    leader = wait_until(lambda: leader_of(cluster), timeout=30, what="a leader")
    follower = next(m for m in cluster.names if m != leader)
    eps = cluster.endpoints()
    # The clients talk to the members that stay up. Distinct keys throughout: the second
    # half's keys are one byte longer.
    up = [ep for m, ep in zip(cluster.names, eps) if m != follower]
    common = ["put", "--val-size", str(VAL_BYTES), "--sequential-keys", "--key-space-size", str(total)]
    first = bench.run(up, *common, "--key-size", "16", clients=CLIENTS, total=total // 2 / bench.scale)
    peaks = {m: 0 for m in cluster.names}
    stopped_peak = cluster.peak_rss_kb()[follower]
    cluster.procs.stop(cluster.proc[follower])
    second = bench.run(up, *common, "--key-size", "17", clients=CLIENTS,
                       total=(total - total // 2) / bench.scale)
    t0 = time.monotonic()
    cluster.start_member(follower)
    f_ep = eps[cluster.names.index(follower)]
    l_ep = eps[cluster.names.index(leader)]
    # Caught up: the follower applied up to the leader's revision (no writes meanwhile).
    # (At least: the leader may still be applying its last entries when asked.)
    want = wait_until(lambda: revision(l_ep), timeout=60, what="the leader's revision")
    wait_until(lambda: (revision(f_ep) or 0) >= want, timeout=600, interval=0.2, what="the follower to catch up")
    catch_up_s = time.monotonic() - t0
    # Peaks before the hash check: hashing reads the whole database through the backend's
    # memory map, which puts every page of the file in the process's RSS (both servers).
    for m, kb in cluster.peak_rss_kb().items():
        peaks[m] = max(kb, stopped_peak if m == follower else 0)
    hashes = {hashkv(l_ep), hashkv(f_ep)}
    halves = [first, second]
    errors = [r.get("error") or r.get("first_error") for r in halves if "error" in r or "first_error" in r]
    sections = [s for r in halves for s in r.get("results", {}).values()]
    count = sum(s["count"] for s in sections)
    secs = sum(s["count"] / s["ops_per_s"] for s in sections if s["ops_per_s"])
    p99 = max((s["latency_ms"]["p99"] for s in sections), default=None)
    return {"total": total, "leader": leader, "follower": follower, "follower_first_peak_kb": stopped_peak, "ops_per_s": count / secs if secs else None, "p99_ms": p99,
            "peak_rss_kb": peaks, "catch_up_s": catch_up_s, "follower_keys": key_count(f_ep),
            "hashkv_equal": len(hashes) == 1 and None not in hashes, "errors": errors, "halves": halves}
