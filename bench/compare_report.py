"""Renders bench/compare.py's results as docs/performance.md.

The analysis of rows where ours is behind is hand-written in bench/performance_notes.md
and included verbatim, so regenerating the figures keeps it.
"""
import pathlib

NOTES = pathlib.Path(__file__).resolve().parent / "performance_notes.md"


def section(row):
    """The latency section that a row is judged on (watch: the events, not the puts)."""
    res = row.get("results", {})
    if "event" in res:
        return res["event"]
    return next(iter(res.values()), None)


def ratio(a, b):
    return a / b if a and b else None


def fmt_ratio(r, higher_is_better):
    if r is None:
        return "n/a"
    ok = r >= 1 if higher_is_better else r <= 1
    return f"{r:.2f}" + ("" if ok else " **behind**")


def fmt_num(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def main_table(n, clusters):
    ours, etcd = clusters["ours"]["rows"], clusters["etcd"]["rows"]
    lines = [f"### {n}-member cluster", "",
             "| row | ours ops/s | etcd ops/s | ops/s ours/etcd | ours p99 ms | etcd p99 ms "
             "| p99 ours/etcd |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in ours:
        so, se = section(ours[name]), section(etcd.get(name, {}))
        if so is None or se is None:
            err = ours[name].get("error") or etcd.get(name, {}).get("error")
            lines.append(f"| {name} | failed: {err} | | | | | |")
            continue
        label = name
        for who, sec, row in (("ours", so, ours[name]), ("etcd", se, etcd[name])):
            if sec["errors"]:
                label += f" ({who}: {sec['errors']} errors: {row.get('first_error', '')[:60]})"
        lines.append(
            f"| {label} | {fmt_num(so['ops_per_s'])} | {fmt_num(se['ops_per_s'])} "
            f"| {fmt_ratio(ratio(so['ops_per_s'], se['ops_per_s']), True)} "
            f"| {fmt_num(so['latency_ms']['p99'], 2)} | {fmt_num(se['latency_ms']['p99'], 2)} "
            f"| {fmt_ratio(ratio(so['latency_ms']['p99'], se['latency_ms']['p99']), False)} |")
    return lines


def detail_table(n, clusters):
    lines = [f"#### {n}-member cluster: every percentile (ms) and error count", "",
             "| row | server | count | errors | p50 | p90 | p99 | p99.9 | max |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in clusters["ours"]["rows"]:
        for who in ("ours", "etcd"):
            s = section(clusters[who]["rows"].get(name, {}))
            if s is None:
                continue
            lat = s["latency_ms"]
            lines.append(f"| {name} | {who} | {s['count']} | {s['errors']} | {lat['p50']:.2f} "
                         f"| {lat['p90']:.2f} | {lat['p99']:.2f} | {lat['p99.9']:.2f} "
                         f"| {lat['max']:.2f} |")
    return lines


def resources_table(results):
    lines = ["| measure | ours | etcd | ours/etcd |", "|---|---:|---:|---:|"]
    for n, cl in sorted(results["clusters"].items()):
        for m in cl["ours"]["peak_rss_kb"]:
            o, e = cl["ours"]["peak_rss_kb"][m], cl["etcd"]["peak_rss_kb"].get(m)
            lines.append(f"| peak RSS, {n}-member cluster, member {m} (MiB) | {o / 1024:.1f} "
                         f"| {e / 1024:.1f} | {fmt_ratio(ratio(o, e), False)} |")
        if "disk" in cl["ours"]:
            do, de = cl["ours"]["disk"], cl["etcd"]["disk"]
            lines.append(f"| data-dir size after {do['keys']:,} keys (MiB) "
                         f"| {do['data_dir_bytes'] / 1048576:.1f} "
                         f"| {de['data_dir_bytes'] / 1048576:.1f} "
                         f"| {fmt_ratio(ratio(do['data_dir_bytes'], de['data_dir_bytes']), False)} |")
            lines.append(f"| restart to serving with {2 * do['keys']:,} keys (s) "
                         f"| {do['restart_s']:.2f} | {de['restart_s']:.2f} "
                         f"| {fmt_ratio(ratio(do['restart_s'], de['restart_s']), False)} |")
    return lines


def bigval_table(results):
    """The bigval scenario (bench/bigval.py): large values, a follower stopped and caught up."""
    bv = results["bigval"]
    o, e = bv.get("ours", {}), bv.get("etcd", {})
    total = o.get("total") or e.get("total")
    lines = [f"{total:,} puts of 1 MiB values (distinct keys) by 10 clients to a 3-member cluster; "
             "a follower stopped halfway and restarted after the last put; caught up when its "
             "revision is the leader's. Peak RSS (VmHWM) is read then, before `endpoint hashkv` "
             "checks the data (hashing maps every database page into the process).", "",
             "| measure | ours | etcd | ours/etcd |", "|---|---:|---:|---:|"]
    lines.append(f"| puts/s | {fmt_num(o.get('ops_per_s'))} | {fmt_num(e.get('ops_per_s'))} "
                 f"| {fmt_ratio(ratio(o.get('ops_per_s'), e.get('ops_per_s')), True)} |")
    lines.append(f"| p99 ms (worse half) | {fmt_num(o.get('p99_ms'), 2)} | {fmt_num(e.get('p99_ms'), 2)} "
                 f"| {fmt_ratio(ratio(o.get('p99_ms'), e.get('p99_ms')), False)} |")
    for m in o.get("peak_rss_kb", {}):
        ro, re_ = o["peak_rss_kb"][m], e.get("peak_rss_kb", {}).get(m)
        lines.append(f"| peak RSS member {m} (MiB) | {ro / 1024:.1f} | "
                     f"{'n/a' if re_ is None else f'{re_ / 1024:.1f}'} | {fmt_ratio(ratio(ro, re_), False)} |")
    lines.append(f"| follower catch-up (s) | {fmt_num(o.get('catch_up_s'), 2)} | {fmt_num(e.get('catch_up_s'), 2)} "
                 f"| {fmt_ratio(ratio(o.get('catch_up_s'), e.get('catch_up_s')), False)} |")
    lines.append(f"| keys on the restarted follower | {o.get('follower_keys')} | {e.get('follower_keys')} | |")
    lines.append(f"| follower's hashkv equals the leader's | {o.get('hashkv_equal')} | {e.get('hashkv_equal')} | |")
    for who, r in (("ours", o), ("etcd", e)):
        if r.get("errors"):
            lines.append(f"| errors ({who}) | {str(r['errors'])[:120]} | | |")
    return lines


def defrag_table(dr):
    """The defrag scenario (bench/defrag.py): a steady writer while `etcdctl defrag` runs."""
    lines = [f"One member holding {dr['keys']:,} keys of 1 KiB, each written twice and then "
             f"compacted (about half the file free); a writer puts 1 KiB values at {dr['rate']:.0f}/s "
             "(4 clients) while `etcdctl defrag` runs, and once before without it (the baseline: "
             "what this shared machine alone does to the writer). `endpoint hashkv` at the "
             "pre-defrag revision is compared before and after.", "",
             "| measure | ours | etcd | ours/etcd |", "|---|---:|---:|---:|"]
    o, e = dr.get("ours", {}), dr.get("etcd", {})

    def row(label, get, digits=1, scale=1.0, judged=True):
        vo, ve = (get(r) * scale if r and get(r) is not None else None for r in (o, e))
        r = ratio(vo, ve)
        shown = fmt_ratio(r, False) if judged else ("n/a" if r is None else f"{r:.2f}")
        lines.append(f"| {label} | {fmt_num(vo, digits)} | {fmt_num(ve, digits)} | {shown} |")

    row("writer's worst latency during defrag (ms)", lambda r: r["writer"]["latency_ms"]["max"])
    row("writer's p99 during defrag (ms)", lambda r: r["writer"]["latency_ms"]["p99"], 2)
    row("writer's worst latency, baseline (ms)", lambda r: r["baseline"]["latency_ms"]["max"], judged=False)
    # Ours copies in the background while writes go on, so its wall time is not the pause.
    row("defrag wall time (s)", lambda r: r["defrag_s"], 2, judged=False)
    row("db size before (MB)", lambda r: r["db_before"], 1, scale=1e-6, judged=False)
    row("db size after (MB)", lambda r: r["db_after"], 1, scale=1e-6)
    lines.append(f"| hashkv equal before and after | {o.get('hash_before') == o.get('hash_after') if o else 'n/a'} "
                 f"| {e.get('hash_before') == e.get('hash_after') if e else 'n/a'} | |")
    for who, r in (("ours", o), ("etcd", e)):
        if r and not r.get("defrag_inside_writer", True):
            lines.append(f"| note ({who}) | the defrag outlasted the writer | | |")
    return lines


def render(results):
    h = results["host"]
    out = [
        "# Performance: etcdpp against etcd 3.4",
        "",
        "Generated by `bench/compare.sh` (one run of both servers; do not edit the figures by "
        "hand: rerun it). Analysis of the rows where ours is behind is kept in "
        "`bench/performance_notes.md` and included at the end.",
        "",
        f"- Run: {results['started']}, wall time {results['wall_s'] / 60:.1f} min, "
        f"scale {results['scale']} (totals below are at scale 1).",
        f"- Machine: {h['cpus']} CPUs, {h['mem_gib']} GiB RAM, Linux {h['kernel']}; "
        "load generator, all members and anything else running on the machine share these "
        "CPUs.",
        f"- Servers: ours `{results['servers']['ours']}`, etcd `{results['servers']['etcd']}` "
        f"({h['etcd_version']}); default flags, data dirs on disk, loopback; both servers' "
        "clusters of one size run at the same time (one idles while the other is measured).",
        f"- Each row ran {results.get('rounds', 1)} times per server, alternating which "
        "server went first (ours then etcd, then etcd then ours); each server's best round "
        "(highest throughput) is shown, with that round's latencies: other work on this "
        "shared machine comes in bursts, and one burst should not decide a row.",
        "- Client: `etcd-bench` (grpc++), `--conns` = clients / 10 (at least 1), connections "
        "spread round-robin over the members. Latency = request sent to response received; "
        "watch latency = put sent to event received.",
        "- Matrix per cluster: put (8-byte keys over 100 000 keys, 8-byte values) 1 client "
        "× 2 000, 50 × 10 000, 500 × 20 000; range of one key, linearizable and serializable, "
        "1 client × 5 000 and 500 × 40 000; watch: 1 000 watchers on one key over 10 streams, "
        "500 puts from 10 clients as fast as possible (500 000 events); lease keep-alive: 100 "
        "clients each with its own lease and stream, 20 000 round trips. 1-member cluster "
        "only: 100 000 puts of 16-byte keys and 256-byte values, data-dir size, then 200 000 "
        "more over 200 000 keys, stop (SIGTERM) and time from exec to the first successful "
        "linearizable range.",
        "- A ratio is ours / etcd; throughput wants ≥ 1, latency, memory, disk and time want "
        "≤ 1. **behind** marks the rows that miss.",
        "",
        "## Throughput and p99 latency",
        "",
    ]
    for n, cl in sorted(results["clusters"].items()):
        out += main_table(n, cl) + [""]
    if results["clusters"]:
        out += ["## Memory, disk, restart", ""] + resources_table(results) + [""]
    if "bigval" in results:
        out += ["## Large values (bigval)", ""] + bigval_table(results) + [""]
    if "defrag" in results:
        out += ["## Defragmentation under a steady writer (defrag)", ""] + defrag_table(results["defrag"]) + [""]
    out += ["## Percentiles", ""]
    for n, cl in sorted(results["clusters"].items()):
        out += detail_table(n, cl) + [""]
    if NOTES.exists():
        out += [NOTES.read_text().rstrip(), ""]
    return "\n".join(out)
