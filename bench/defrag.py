#!/usr/bin/python3
"""The `defrag` scenario: how long a steady writer waits while `etcdctl defrag` runs.

For each server (ours, then etcd 3.4), one member on loopback with its data dir on disk:
load --keys keys of 1 KiB, overwrite each once, compact (half the file is then free), then
run a writer at --rate puts/s for --baseline-seconds (the baseline: no defrag), then again
for --writer-seconds and, --lead-seconds into it, run `etcdctl defrag`. Reported: the writer's max and p99 latency (with the defrag and baseline), the defrag's wall time, the db
size before and after (endpoint status), and `endpoint hashkv` at the pre-defrag revision
before and after (must be equal). Every process is started here and stopped by its PID.

Usage (after building bin/etcd and bin/etcd-bench):
  /usr/bin/python3 bench/defrag.py --keys 300000          # the full scenario (~827 MB on etcd)
  /usr/bin/python3 bench/defrag.py --keys 30000           # a quick check
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from etcdpp_e2e import ProcessGroup, wait_until  # noqa: E402
from compare import Bench, Cluster, serving  # noqa: E402
import compare_report  # noqa: E402


def ctl(endpoint, *args, timeout=600):
    out = subprocess.run(["etcdctl", "--endpoints", endpoint, "--command-timeout=600s", *args],
                         capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, "ETCDCTL_API": "3"})
    if out.returncode != 0:
        raise RuntimeError(f"etcdctl {args}: {out.stdout}{out.stderr}")
    return out.stdout


def status(endpoint):
    return json.loads(ctl(endpoint, "endpoint", "status", "-w", "json"))[0]["Status"]


def hashkv(endpoint, rev):
    return json.loads(ctl(endpoint, "endpoint", "hashkv", "--rev", str(rev), "-w", "json"))[0]["HashKV"]["hash"]


def load(bench, endpoint, keys):
    """Every key written twice (transactions of 100 puts), then a physical compaction.
    Returns a revision to compare HashKV at."""
    common = ["--key-size", "16", "--val-size", "1024", "--sequential-keys", "--txn-ops", "100",
              "--key-space-size", str(keys)]
    for _ in range(2):
        r = bench.run([endpoint], "txn-put", *common, clients=20, total=keys // 100)
        if "error" in r or "first_error" in r:
            raise RuntimeError(f"load: {r}")
    rev = status(endpoint)["header"]["revision"]
    ctl(endpoint, "compaction", "--physical", str(rev))
    # HashKV refuses the compacted revision itself: hash at one more.
    ctl(endpoint, "put", "defrag-bench-marker", "1")
    return rev + 1


def scenario(bench_bin, binary, workdir, a):
    procs = ProcessGroup()
    try:
        cluster = Cluster(procs, binary, workdir, 1)
        cluster.start()
        endpoint = cluster.endpoints()[0]
        bench = Bench(bench_bin, 1.0)
        rev = load(bench, endpoint, a.keys)
        hash_before = hashkv(endpoint, rev)

        # The writer puts 1 KiB values to 1 000 keys at a fixed rate. A first run without a
        # defrag gives the baseline: what the shared machine alone does to its latency.
        def writer_cmd(seconds):
            return [bench_bin, "--endpoints", endpoint, "--clients", "4", "--conns", "1",
                    "--rate", str(a.rate), "--duration", str(seconds), "--json", "-",
                    "--progress=false", "put", "--key-size", "16", "--val-size", "1024",
                    "--key-space-size", "1000"]
        base = subprocess.run(writer_cmd(a.baseline_seconds), capture_output=True, text=True,
                              timeout=a.baseline_seconds + 120)
        if base.returncode != 0:
            raise RuntimeError(f"baseline writer: {base.stderr}")
        baseline = next(iter(json.loads(base.stdout)["results"].values()))
        before = status(endpoint)
        writer = subprocess.Popen(writer_cmd(a.writer_seconds), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        procs.procs.append(writer)
        wait_until(lambda: status(endpoint)["header"]["revision"] > before["header"]["revision"],
                   timeout=30, what="the writer's first put")
        time.sleep(a.lead_seconds)  # the defrag starts into a steady stream of puts
        t0 = time.monotonic()
        ctl(endpoint, "defrag")
        defrag_s = time.monotonic() - t0
        out, err = writer.communicate(timeout=a.writer_seconds + 120)
        if writer.returncode != 0:
            raise RuntimeError(f"writer: {err}")
        put = json.loads(out)["results"]
        put = put.get("put") or next(iter(put.values()))
        after = status(endpoint)
        hash_after = hashkv(endpoint, rev)
        return {"defrag_s": defrag_s, "writer": put, "baseline": baseline, "db_before": before["dbSize"],
                "db_after": after["dbSize"], "in_use_before": before.get("dbSizeInUse"),
                "hash_rev": rev, "hash_before": hash_before, "hash_after": hash_after,
                "defrag_inside_writer": defrag_s + a.lead_seconds < a.writer_seconds}
    finally:
        procs.stop_all()


DEFAULT_KEYS = 300000


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=str(ROOT / "build" / "bin" / "etcd"))
    ap.add_argument("--etcd", default="/usr/bin/etcd")
    ap.add_argument("--bench", default=str(ROOT / "build" / "bin" / "etcd-bench"))
    ap.add_argument("--keys", type=int, default=DEFAULT_KEYS)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--writer-seconds", type=float, default=25)
    ap.add_argument("--lead-seconds", type=float, default=2)
    ap.add_argument("--baseline-seconds", type=float, default=10)
    ap.add_argument("--servers", default="ours,etcd", help="which of ours,etcd to run")
    ap.add_argument("--keep-dir", action="store_true", help="keep data dirs and member logs")
    ap.add_argument("--json-out", default=None)
    return ap.parse_args(argv)


def main():
    a = parse_args()
    results = {}
    work = tempfile.mkdtemp(prefix="etcdpp-defrag-", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        binaries = {"ours": a.ours, "etcd": a.etcd}
        for who in a.servers.split(","):
            binary = binaries[who]
            wd = pathlib.Path(work) / who
            wd.mkdir()
            print(f"{who}: {a.keys} keys, writer at {a.rate}/s, defrag", flush=True)
            results[who] = scenario(a.bench, binary, wd, a)
            if not a.keep_dir:
                shutil.rmtree(wd, ignore_errors=True)
    finally:
        if a.keep_dir:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(compare_report.defrag_table({**results, "keys": a.keys, "rate": a.rate})))
    if a.json_out:
        pathlib.Path(a.json_out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
