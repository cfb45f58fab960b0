"""etcd-bench against our member: its JSON report counts what it did, and the keys it
wrote are really in the store (read back with the real etcdctl). No timing assertions."""
import json
import subprocess

import pytest

from etcdpp_e2e import Member, build_dir


@pytest.fixture
def bench_bin():
    path = build_dir() / "bin" / "etcd-bench"
    if not path.exists():
        pytest.skip(f"{path} is missing (etcd-bench needs grpc++: scripts/deps.sh)")
    return str(path)


@pytest.fixture
def member(procs, etcd_bin, tmp_path):
    return Member(procs, etcd_bin, tmp_path).start()


def bench(bench_bin, member, *args):
    out = subprocess.run([bench_bin, "--endpoints", member.client_url, "--json", "-",
                          "--progress=false", *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def check_section(s, count):
    assert s["count"] == count
    assert s["errors"] == 0
    lat = s["latency_ms"]
    assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99.9"] <= lat["max"]
    assert s["ops_per_s"] > 0


def test_put_writes_every_sequential_key_and_reports_each_request(bench_bin, member):
    r = bench(bench_bin, member, "put", "--total", "200", "--clients", "4", "--conns", "2",
              "--key-size", "6", "--key-space-size", "50", "--sequential-keys")
    assert r["workload"] == "put" and r["clients"] == 4 and r["conns"] == 2
    check_section(r["results"]["put"], 200)
    keys = member.ctl("get", "000000", "000050", "--keys-only").stdout.split()
    assert keys == [f"{i:06d}" for i in range(50)]


def test_range_linearizable_and_serializable_prefix(bench_bin, member):
    member.ctl("put", "bench/a", "1")
    member.ctl("put", "bench/b", "2")
    for consistency, name in (("l", "linearizable"), ("s", "serializable")):
        r = bench(bench_bin, member, "range", "bench/", "--prefix", "--consistency", consistency,
                  "--total", "100", "--clients", "3")
        check_section(r["results"]["range"], 100)
        assert r["extra"]["consistency"] == name
        assert r["extra"]["range_end"] == "bench0"


def test_txn_put_and_stm_leave_consistent_counters(bench_bin, member):
    r = bench(bench_bin, member, "txn-put", "--txn-ops", "3", "--key-space-size", "10",
              "--total", "60", "--clients", "3")
    check_section(r["results"]["txn-put"], 60)
    # Every stm transaction increments its key's counter exactly once, conflicts retried.
    r = bench(bench_bin, member, "stm", "--key-space-size", "4", "--key-size", "3",
              "--total", "80", "--clients", "4")
    check_section(r["results"]["stm"], 80)
    values = [member.ctl("get", f"{i:03d}", "--print-value-only").stdout.strip()
              for i in range(4)]
    assert sum(int(v or "0") for v in values) == 80


def test_bad_flags_exit_2_with_a_message(bench_bin):
    out = subprocess.run([bench_bin, "put", "--clients=x"], capture_output=True, text=True,
                         timeout=20)
    assert out.returncode == 2
    assert "--clients" in out.stderr


def test_watch_delivers_every_event_to_every_watcher(bench_bin, member):
    r = bench(bench_bin, member, "watch", "--watchers", "20", "--streams", "2",
              "--watch-key-space", "2", "--put-total", "10", "--put-rate", "0", "--clients", "2")
    assert r["extra"]["events_expected"] == 100  # 10 puts, each key watched by 10 watchers
    assert r["extra"]["events_received"] == 100
    check_section(r["results"]["event"], 100)
    check_section(r["results"]["put"], 10)


def test_lease_keepalive_round_trips(bench_bin, member):
    r = bench(bench_bin, member, "lease-keepalive", "--clients", "3", "--total", "30")
    check_section(r["results"]["keepalive"], 30)
    assert r["extra"]["leases"] == 3
    leases = member.ctl("lease", "list").stdout
    assert "found 3 leases" in leases, leases  # granted with a 30 s TTL, kept alive
