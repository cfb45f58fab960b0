"""The v3 Watch API of a member: the real etcdctl (compared with etcd 3.4 itself), Python
etcd3, curl on the JSON gateway, compaction, progress notifications, fragments, and a
follower of a three-member cluster."""
import base64
import json
import pathlib
import subprocess

import pytest

from etcdpp_e2e import Member, wait_until

REFERENCE_ETCD = "/usr/bin/etcd"


def b64(s):
    return base64.b64encode(s.encode()).decode()


def read(path):
    p = pathlib.Path(path)
    return p.read_text(errors="replace") if p.exists() else ""


def start_etcdctl_watch(procs, member, log_path, *args):
    return procs.start(["etcdctl", "--endpoints", member.client_url, "watch", *args],
                       env={"ETCDCTL_API": "3"}, log_path=str(log_path))


def start_curl_watch(procs, member, log_path, *bodies, path="/v3/watch"):
    return procs.start(["curl", "-s", "-N", member.client_url + path, "-d", "".join(bodies)],
                       log_path=str(log_path))


def json_lines(path):
    """The complete lines written so far (a line still being written is left for later)."""
    text = read(path)
    complete = text[:text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def events_of(lines):
    return [ev for line in lines for ev in line.get("result", {}).get("events", [])]


@pytest.fixture
def member(procs, etcd_bin, tmp_path):
    return Member(procs, etcd_bin, tmp_path).start()


def etcdctl_session(procs, member, tmp):
    """Watchers from revision 2 (so the output does not depend on when they connect), then
    writes, then a watch from a compacted revision. Returns what etcdctl printed."""
    watchers = {
        "key": ["foo", "--rev", "2"],
        "prefix": ["--prefix", "f", "--rev", "2"],
        "prev": ["foo", "--prev-kv", "--rev", "2"],
    }
    started = {name: start_etcdctl_watch(procs, member, tmp / f"{name}.out", *args)
               for name, args in watchers.items()}
    member.ctl("put", "foo", "bar")       # rev 2
    member.ctl("put", "fx", "1")          # rev 3
    member.ctl("put", "foo", "baz")       # rev 4
    member.ctl("del", "foo")              # rev 5
    member.ctl("put", "other", "x")       # rev 6: matches no watcher
    member.ctl("put", "foo", "end")       # rev 7: every watcher's last event
    out = {}
    for name, p in started.items():
        wait_until(lambda: read(tmp / f"{name}.out").endswith("end\n"), timeout=15, what=f"{name} watcher")
        procs.stop(p)
        out[name] = read(tmp / f"{name}.out")
    member.ctl("compact", "6")
    compacted = subprocess.run(["etcdctl", "--endpoints", member.client_url, "watch", "foo", "--rev", "3"],
                               capture_output=True, text=True, timeout=20, env={"ETCDCTL_API": "3"})
    out["compacted"] = (compacted.returncode, compacted.stdout, compacted.stderr)
    return out


def test_etcdctl_watch_prints_what_etcd_prints(procs, etcd_bin, tmp_path):
    ours_dir, ref_dir = tmp_path / "ours", tmp_path / "ref"
    ours_dir.mkdir()
    ref_dir.mkdir()
    ref = Member(procs, REFERENCE_ETCD, ref_dir).start()
    expected = etcdctl_session(procs, ref, ref_dir)
    procs.stop(ref.proc)
    ours = Member(procs, etcd_bin, ours_dir).start()
    got = etcdctl_session(procs, ours, ours_dir)
    assert got == expected
    # The session's facts, so a change in both would not go unnoticed.
    assert got["key"] == "PUT\nfoo\nbar\nPUT\nfoo\nbaz\nDELETE\nfoo\n\nPUT\nfoo\nend\n"
    assert "fx\n1\n" in got["prefix"] and "other" not in got["prefix"]
    assert got["prev"].startswith("PUT\nfoo\nbar\nPUT\nfoo\nbar\nfoo\nbaz\n")
    assert "required revision has been compacted" in got["compacted"][2]


def test_etcdctl_live_watch_sees_writes_from_another_process(procs, member, tmp_path):
    out = tmp_path / "live.out"
    watcher = start_etcdctl_watch(procs, member, out, "live")
    # The watcher connects at some point; keep writing until it reports a write.
    wait_until(lambda: member.ctl("put", "live", "v") and "PUT\nlive\nv\n" in read(out),
               timeout=15, interval=0.2, what="the live watcher to see a put")
    member.ctl("del", "live")
    wait_until(lambda: "DELETE\nlive\n" in read(out), timeout=10, what="the delete")
    procs.stop(watcher)


def test_python_etcd3_watch_prefix_cancel_and_iterator(member):
    import etcd3
    client = etcd3.client(host="127.0.0.1", port=member.client_port)
    client.put("p/a", "1")
    events, cancel = client.watch_prefix("p/", start_revision=2)
    client.put("p/b", "2")
    client.delete("p/a")
    client.put("q", "not watched")
    seen = []
    for ev in events:  # the iterator blocks until events arrive; bounded by the count
        seen.append((type(ev).__name__, ev.key.decode(), ev.value.decode()))
        if len(seen) == 3:
            break
    assert seen == [("PutEvent", "p/a", "1"), ("PutEvent", "p/b", "2"), ("DeleteEvent", "p/a", "")]
    cancel()
    assert list(events) == []  # a canceled watch ends its iterator

    got = []
    watch_id = client.add_watch_callback("cb", got.append)
    wait_until(lambda: client.put("cb", "x") is not None and got, timeout=10, interval=0.2,
               what="the callback watch")
    assert got[0].events[0].key == b"cb"
    client.cancel_watch(watch_id)


def test_curl_gateway_stream_matches_etcds_json(procs, member, tmp_path):
    member.ctl("put", "foo", "bar")  # rev 2
    out = tmp_path / "gw.out"
    curl = start_curl_watch(procs, member, out,
                            json.dumps({"create_request": {"key": b64("foo"), "start_revision": 2, "prev_kv": True}}),
                            json.dumps({"progress_request": {}}))
    member.ctl("del", "foo")  # rev 3
    wait_until(lambda: len(events_of(json_lines(out))) == 2, timeout=10, what="both events on the gateway")
    procs.stop(curl)
    lines = json_lines(out)
    first = lines[0]["result"]
    assert first["created"] is True and first["header"]["revision"] in ("2", "3")
    assert set(first["header"]) == {"cluster_id", "member_id", "revision", "raft_term"}
    assert all(isinstance(v, str) for v in first["header"].values())  # 64-bit ints as strings
    # The progress answer: header only, for no watcher. (Catch-up events may come before it.)
    progress = [line["result"] for line in lines if line["result"].get("watch_id") == "-1"]
    assert len(progress) == 1 and set(progress[0]) == {"header", "watch_id"}
    put, delete = events_of(lines)
    assert "type" not in put  # PUT is the enum's default, omitted
    assert put["kv"] == {"key": b64("foo"), "create_revision": "2", "mod_revision": "2", "version": "1",
                         "value": b64("bar")}
    assert delete["type"] == "DELETE"
    assert delete["kv"] == {"key": b64("foo"), "mod_revision": "3"}
    assert delete["prev_kv"]["value"] == b64("bar")


def test_curl_gateway_control_answers_and_errors(procs, member, tmp_path):
    out = tmp_path / "ctrl.out"
    curl = start_curl_watch(procs, member, out,
                            '{"create_request":{"key":"Zm9v","watch_id":5}}',
                            '{"create_request":{"key":"Zm9v","watch_id":5}}',
                            '{"create_request":{"key":"Zm9v","range_end":"YQ=="}}',
                            '{"cancel_request":{"watch_id":9}}',
                            '{"cancel_request":{"watch_id":5}}', path="/v3beta/watch")
    wait_until(lambda: len(json_lines(out)) == 4, timeout=10, what="four control answers")
    procs.stop(curl)
    results = [line["result"] for line in json_lines(out)]
    for r in results:
        del r["header"]
    assert results == [
        {"watch_id": "5", "created": True},
        {"watch_id": "-1", "created": True, "canceled": True,
         "cancel_reason": "mvcc: duplicate watch ID provided on the WatchStream"},
        {"watch_id": "-1", "created": True, "canceled": True, "cancel_reason": "mvcc: watcher range is empty"},
        {"watch_id": "5", "canceled": True},  # the unknown id 9 got no answer
    ]
    bad = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", member.client_url + "/v3/watch", "-d", "garbage"],
                         capture_output=True, text=True, timeout=10).stdout.splitlines()
    assert bad[-1] == "500"
    assert json.loads(bad[0]) == {"error": "invalid character 'g' looking for beginning of value",
                                  "message": "invalid character 'g' looking for beginning of value", "code": 2}
    get = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", member.client_url + "/v3/watch"],
                         capture_output=True, text=True, timeout=10).stdout
    assert get == "405"


def test_watch_from_compacted_revision_is_canceled_with_compact_revision(procs, member, tmp_path):
    for v in ("1", "2", "3"):
        member.ctl("put", "c", v)  # revs 2, 3, 4
    member.ctl("compact", "4")
    out = tmp_path / "compacted.out"
    curl = start_curl_watch(procs, member, out, json.dumps({"create_request": {"key": b64("c"), "start_revision": 2}}))
    wait_until(lambda: len(json_lines(out)) == 2, timeout=10, what="created and canceled")
    procs.stop(curl)
    created, canceled = (line["result"] for line in json_lines(out))
    assert created["created"] is True
    # etcd sends the notice with a header revision of 0 (so omitted) and no cancel_reason.
    assert "revision" not in canceled["header"]
    assert {k: v for k, v in canceled.items() if k != "header"} == {"canceled": True, "compact_revision": "4"}

    import etcd3
    client = etcd3.client(host="127.0.0.1", port=member.client_port)
    events, cancel = client.watch("c", start_revision=4)  # the compaction revision itself is kept
    assert next(iter(events)).value == b"3"
    cancel()


def test_progress_notifications_at_the_configured_interval(procs, etcd_bin, tmp_path):
    member = Member(procs, etcd_bin, tmp_path).start(["--experimental-watch-progress-notify-interval", "100ms"])
    out = tmp_path / "progress.out"
    curl = start_curl_watch(procs, member, out,
                            json.dumps({"create_request": {"key": b64("quiet"), "progress_notify": True}}))
    wait_until(lambda: len(json_lines(out)) >= 3, timeout=10, what="two progress notifications")
    procs.stop(curl)
    created, *progress = (line["result"] for line in json_lines(out))
    assert created["created"] is True
    for p in progress:
        assert set(p) == {"header"} and p["header"]["revision"] == created["header"]["revision"]


def test_large_catch_up_is_fragmented_when_the_client_accepts_fragments(procs, etcd_bin, tmp_path):
    # Fragments are cut above --max-request-bytes plus etcd's 512 KiB gRPC allowance.
    member = Member(procs, etcd_bin, tmp_path).start(["--max-request-bytes", "200000"])
    for i in range(9):  # 900 kB in all, over the 724 288-byte limit
        member.ctl("put", f"big/{i}", "v" * 100000)
    out = tmp_path / "frag.out"
    curl = start_curl_watch(procs, member, out, json.dumps(
        {"create_request": {"key": b64("big/"), "range_end": b64("big0"), "start_revision": 2, "fragment": True}}))
    wait_until(lambda: len(events_of(json_lines(out))) == 9, timeout=15, what="nine events in fragments")
    procs.stop(curl)
    pieces = [line["result"] for line in json_lines(out)][1:]
    assert [len(p["events"]) for p in pieces] == [7, 2]  # where etcd 3.4 cuts the same response
    assert [p.get("fragment", False) for p in pieces] == [True] * (len(pieces) - 1) + [False]
    assert [ev["kv"]["key"] for ev in events_of(json_lines(out))] == [b64(f"big/{i}") for i in range(9)]


def start_cluster(procs, binary, workdir, names=("w0", "w1", "w2")):
    """Three members on free loopback ports; returns them by name once all are healthy."""
    members = {n: Member(procs, binary, workdir, name=n) for n in names}
    cluster = ",".join(f"{n}={m.peer_url}" for n, m in members.items())
    for m in members.values():
        m.proc = procs.start([*m.args(), "--initial-cluster", cluster, "--initial-cluster-token", "watch-e2e"],
                             log_path=str(m.log_path), cwd=str(workdir))
    for m in members.values():
        wait_until(lambda: m.proc.poll() is not None or m.healthy(), timeout=30, what=f"{m.name} healthy")
        assert m.proc.poll() is None, m.log()
    return members


def test_follower_serves_watch_of_writes_made_on_the_leader(procs, etcd_bin, tmp_path):
    members = start_cluster(procs, etcd_bin, tmp_path)

    def leader_and_follower():
        statuses = {n: json.loads(m.ctl("endpoint", "status", "-w", "json").stdout)[0]["Status"]
                    for n, m in members.items()}
        leaders = [n for n, st in statuses.items() if st.get("leader", 0) == st["header"]["member_id"]]
        return (leaders[0], next(n for n in members if n != leaders[0])) if len(leaders) == 1 else None

    leader, follower = wait_until(leader_and_follower, timeout=20, what="a leader")
    out = tmp_path / "follower.out"
    watcher = start_etcdctl_watch(procs, members[follower], out, "--prefix", "cl/")
    wait_until(lambda: members[leader].ctl("put", "cl/k", "from-leader") and "cl/k\nfrom-leader\n" in read(out),
               timeout=15, interval=0.2, what="the follower's watcher to see the leader's write")
    procs.stop(watcher)


@pytest.mark.parametrize("binary", ["ours", REFERENCE_ETCD])
def test_watch_requiring_a_leader_ends_when_the_member_loses_it(procs, etcd_bin, tmp_path, binary):
    members = start_cluster(procs, etcd_bin if binary == "ours" else binary, tmp_path)
    out = tmp_path / "lonely.out"
    watcher = start_etcdctl_watch(procs, members["w0"], out, "k")  # etcdctl asks for a leader
    wait_until(lambda: members["w0"].ctl("put", "k", "v") and "PUT\nk\nv\n" in read(out),
               timeout=15, interval=0.2, what="the watcher to see a put")
    procs.stop(members["w1"].proc)
    procs.stop(members["w2"].proc)
    # etcd ends such streams after three election timeouts (1 s each here) without a leader.
    wait_until(lambda: watcher.poll() is not None, timeout=30, what="the watcher to end")
    assert "watch was canceled (etcdserver: no leader)" in read(out)
