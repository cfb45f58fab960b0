#!/usr/bin/python3
"""Runs one benchmark matrix against two etcd-compatible servers and writes the comparison.

Both servers run in the same invocation, on loopback, with on-disk data dirs: the
1-member clusters of both, then the 3-member clusters of both, each row run on one
server right after the other so that drifts in machine load affect both alike. Every process is started by this script and stopped by its PID.
Usage: bench/compare.sh (see there for the options).
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from etcdpp_e2e import ProcessGroup, free_port, wait_until  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import bigval  # noqa: E402
import compare_report  # noqa: E402


class Cluster:
    """n members of one binary on loopback ports, data dirs under workdir."""

    def __init__(self, procs, binary, workdir, n):
        self.procs, self.binary, self.n = procs, binary, n
        self.workdir = pathlib.Path(workdir)
        self.names = [f"m{i}" for i in range(n)]
        self.client = {m: free_port() for m in self.names}
        self.peer = {m: free_port() for m in self.names}
        self.proc = {}

    def endpoints(self):
        return [f"127.0.0.1:{self.client[m]}" for m in self.names]

    def data_dir(self, m):
        return self.workdir / f"{m}.etcd"

    def args(self, m):
        cluster = ",".join(f"{x}=http://127.0.0.1:{self.peer[x]}" for x in self.names)
        return [self.binary, "--name", m, "--data-dir", str(self.data_dir(m)),
                "--listen-client-urls", f"http://127.0.0.1:{self.client[m]}",
                "--advertise-client-urls", f"http://127.0.0.1:{self.client[m]}",
                "--listen-peer-urls", f"http://127.0.0.1:{self.peer[m]}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer[m]}",
                "--initial-cluster", cluster, "--initial-cluster-token", "bench",
                "--initial-cluster-state", "new"]

    def start_member(self, m):
        self.proc[m] = self.procs.start(self.args(m), log_path=str(self.workdir / f"{m}.log"))
        return self.proc[m]

    def start(self):
        for m in self.names:
            self.start_member(m)
        for m in self.names:
            wait_until(lambda: serving(self.endpoints()[self.names.index(m)]), timeout=30,
                       what=f"{m} of {self.binary} to serve")

    def stop(self):
        for m in self.names:
            self.procs.stop(self.proc[m])

    def peak_rss_kb(self):
        return {m: vm_hwm_kb(self.proc[m].pid) for m in self.names}


def vm_hwm_kb(pid):
    """Peak resident set size of a running process (VmHWM), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def serving(endpoint):
    """True once a linearizable Range succeeds (the member has a leader and applies)."""
    import grpc
    ch = grpc.insecure_channel(endpoint)
    try:
        call = ch.unary_unary("/etcdserverpb.KV/Range", request_serializer=lambda b: b,
                              response_deserializer=lambda b: b)
        call(b"\x0a\x01a", timeout=1)  # RangeRequest{key: "a"}
        return True
    except grpc.RpcError:
        return False
    finally:
        ch.close()


def dir_bytes(path):
    total = 0
    for p in pathlib.Path(path).rglob("*"):
        if p.is_file():
            total += p.stat().st_size
    return total


class Bench:
    def __init__(self, binary, scale):
        self.binary, self.scale = binary, scale

    def run(self, endpoints, workload, *args, clients=1, total=None, conns=None):
        conns = conns or max(1, clients // 10)
        cmd = [self.binary, "--endpoints", ",".join(endpoints), "--clients", str(clients),
               "--conns", str(conns), "--json", "-", "--progress=false", workload, *args]
        if total is not None:
            cmd += ["--total", str(max(1, int(total * self.scale)))]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            return {"error": (out.stderr or out.stdout).strip()[-400:]}
        return json.loads(out.stdout)


def matrix_rows(scale):
    """(row name, etcd-bench workload args, run keywords) for one cluster."""
    rows = []
    keys = ["--key-space-size", "100000"]
    rows.append(("put, 1 client", ["put", *keys], dict(clients=1, total=2000)))
    rows.append(("put, 50 clients", ["put", *keys], dict(clients=50, total=10000)))
    rows.append(("put, 500 clients", ["put", *keys], dict(clients=500, total=20000)))
    for cons, label in (("l", "linearizable"), ("s", "serializable")):
        args = ["range", "00000001", "--consistency", cons]
        rows.append((f"range {label}, 1 client", args, dict(clients=1, total=5000)))
        rows.append((f"range {label}, 500 clients", args, dict(clients=500, total=40000)))
    rows.append(("watch, 1000 watchers",
                 ["watch", "--watchers", "1000", "--streams", "10", "--put-total",
                  str(max(1, int(500 * scale))), "--put-rate", "0"], dict(clients=10)))
    rows.append(("lease keep-alive, 100 clients", ["lease-keepalive"],
                 dict(clients=100, total=20000)))
    return rows


def throughput(result):
    res = result.get("results", {})
    s = res.get("event") or next(iter(res.values()), None)
    return s["ops_per_s"] if s else -1


def run_matrix(bench, clusters, rounds):
    """Runs every row on every cluster, `rounds` times, alternating which server goes
    first (ours, etcd, then etcd, ours, ...), and keeps each server's best round: the
    machine is shared, and a burst of outside load should not decide a row."""
    out = {who: {} for who in clusters}
    order = list(clusters)
    for name, args, kw in matrix_rows(bench.scale):
        print(f"    {name}", flush=True)
        for r in range(rounds):
            for who in (order if r % 2 == 0 else order[::-1]):
                res = bench.run(clusters[who].endpoints(), *args, **kw)
                res["round"] = r
                best = out[who].get(name)
                if best is None or throughput(res) > throughput(best):
                    out[who][name] = res
    return out


def data_and_restart(bench, cluster, scale):
    """Data-dir size after 100 000 keys, then restart-to-serving time with 200 000 keys.

    The keys are loaded as transactions of 100 puts (sequential, distinct keys) so that
    loading takes seconds, not minutes; the store holds the same keys either way."""
    keys = int(100000 * scale)
    eps = cluster.endpoints()
    common = ["--key-size", "16", "--val-size", "256", "--sequential-keys", "--txn-ops", "100"]
    r1 = bench.run(eps, "txn-put", *common, "--key-space-size", str(keys), clients=20,
                   total=keys / 100 / scale)
    size = dir_bytes(cluster.data_dir(cluster.names[0]))
    # All 200 000 keys: the first 100 000 again (new revisions) and 100 000 more.
    r2 = bench.run(eps, "txn-put", *common, "--key-space-size", str(2 * keys), clients=20,
                   total=2 * keys / 100 / scale)
    rss = cluster.peak_rss_kb()
    m = cluster.names[0]
    cluster.procs.stop(cluster.proc[m])
    t0 = time.monotonic()
    cluster.start_member(m)
    wait_until(lambda: serving(eps[0]), timeout=120, interval=0.01, what="restart")
    restart_s = time.monotonic() - t0
    return {"keys": keys, "data_dir_bytes": size, "restart_s": restart_s, "rss_kb": rss,
            "put_errors": [r.get("error") or r.get("first_error") for r in (r1, r2)
                           if "error" in r or "first_error" in r]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=str(ROOT / "build" / "bin" / "etcd"))
    ap.add_argument("--etcd", default="/usr/bin/etcd")
    ap.add_argument("--bench", default=str(ROOT / "build" / "bin" / "etcd-bench"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    ap.add_argument("--json-out", default=None, help="also keep the raw results here")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every total (0.01 for a smoke run)")
    ap.add_argument("--sizes", default="1,3")
    ap.add_argument("--rounds", type=int, default=2,
                    help="runs of each row per server, the best one kept")
    ap.add_argument("--scenarios", default="matrix,bigval,defrag",
                    help="comma-separated: matrix (the rows per cluster size), bigval, defrag")
    ap.add_argument("--render", metavar="JSON", default=None,
                    help="no run: rewrite --out from a run's --json-out (after editing the notes)")
    a = ap.parse_args()
    if a.render:
        pathlib.Path(a.out).write_text(compare_report.render(json.loads(pathlib.Path(a.render).read_text())))
        return

    bench = Bench(a.bench, a.scale)
    servers = {"ours": a.ours, "etcd": a.etcd}
    results = {"started": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
               "scale": a.scale, "rounds": a.rounds, "host": host_facts(), "servers": servers, "clusters": {}}
    t_start = time.monotonic()
    procs = ProcessGroup()
    work = tempfile.mkdtemp(prefix="etcdpp-compare-", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        scenarios = a.scenarios.split(",")
        for n in [int(x) for x in a.sizes.split(",")] if "matrix" in scenarios else []:
            print(f"{n}-member clusters", flush=True)
            clusters = {}
            for who, binary in servers.items():
                wd = pathlib.Path(work) / f"{who}-{n}"
                wd.mkdir()
                clusters[who] = Cluster(procs, binary, wd, n)
                clusters[who].start()
            rows = run_matrix(bench, clusters, a.rounds)
            for who, c in clusters.items():
                entry = {"rows": rows[who]}
                if n == 1:
                    print(f"    data dir and restart: {who}", flush=True)
                    entry["disk"] = data_and_restart(bench, c, a.scale)
                entry["peak_rss_kb"] = c.peak_rss_kb()
                if "disk" in entry:  # the first process's peak, before the restart
                    for m, kb in entry["disk"]["rss_kb"].items():
                        entry["peak_rss_kb"][m] = max(kb, entry["peak_rss_kb"][m])
                results["clusters"].setdefault(str(n), {})[who] = entry
            for c in clusters.values():
                c.stop()
            shutil.rmtree(pathlib.Path(work) / f"ours-{n}", ignore_errors=True)
            shutil.rmtree(pathlib.Path(work) / f"etcd-{n}", ignore_errors=True)
        # defrag before bigval: bigval leaves gigabytes for the disk to write back, and the
        # defrag writer's latency would measure that instead (for whichever server goes first).
        if "defrag" in scenarios:
            results["defrag"] = run_defrag(a.bench, servers, pathlib.Path(work), a.scale)
        if "bigval" in scenarios:
            results["bigval"] = run_bigval(bench, procs, servers, pathlib.Path(work), a.scale)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    results["wall_s"] = time.monotonic() - t_start
    if a.json_out:
        pathlib.Path(a.json_out).write_text(json.dumps(results, indent=1))
    pathlib.Path(a.out).write_text(compare_report.render(results))
    print(f"wrote {a.out} in {results['wall_s']:.0f} s")


def run_bigval(bench, procs, servers, work, scale):
    """The bigval scenario on a fresh 3-member cluster of each server, one at a time."""
    out = {}
    for who, binary in servers.items():
        print(f"bigval: {who}", flush=True)
        wd = work / f"{who}-bigval"
        wd.mkdir()
        c = Cluster(procs, binary, wd, 3)
        c.start()
        try:
            out[who] = bigval.run(bench, c, scale)
        finally:
            for m in c.names:
                procs.stop(c.proc[m])
            shutil.rmtree(wd, ignore_errors=True)
        print(f"    {out[who]['ops_per_s']:.1f} puts/s, peak RSS KiB {out[who]['peak_rss_kb']}", flush=True)
    return out


def run_defrag(bench_bin, servers, work, scale):
    """The defrag scenario (bench/defrag.py) with its defaults, keys scaled, each server alone."""
    import defrag  # here: defrag.py imports this module for Bench and Cluster
    opts = defrag.parse_args([f"--keys={max(1000, int(defrag.DEFAULT_KEYS * scale))}"])
    out = {}
    for who, binary in servers.items():
        print(f"defrag: {who}", flush=True)
        wd = work / f"{who}-defrag"
        wd.mkdir()
        try:
            out[who] = defrag.scenario(bench_bin, binary, wd, opts)
        finally:
            shutil.rmtree(wd, ignore_errors=True)
        print(f"    defrag {out[who]['defrag_s']:.2f} s, writer max "
              f"{out[who]['writer']['latency_ms']['max']:.1f} ms", flush=True)
    out["keys"] = opts.keys
    out["rate"] = opts.rate
    return out


def host_facts():
    cpus = os.cpu_count()
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    ver = subprocess.run(["/usr/bin/etcd", "--version"], capture_output=True, text=True).stdout
    return {"cpus": cpus, "mem_gib": round(mem_kb / 1048576, 1), "kernel": platform.release(),
            "etcd_version": ver.splitlines()[0] if ver else "?"}


if __name__ == "__main__":
    main()
