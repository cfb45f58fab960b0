"""One scripted session on the v2 API (curl on /v2/keys, /v2/members, /v2/machines,
/v2/stats, then the real etcdctl with ETCDCTL_API=2) run against our member and against
etcd 3.4.23 (--enable-v2), one after the other with the same flags and addresses (so the
same member and cluster IDs): every answer must have the same status, headers and body,
modulo times, remaining TTLs and raft indexes."""
import json
import os
import re
import subprocess

from etcdpp_e2e import assert_same_session, wait_until

HOST = "127.0.10.1"
BASE = f"http://{HOST}:2379"

# (curl arguments after -s -i, path). Order matters: store indexes are compared too.
SESSION = [
    (["-X", "PUT", "-d", "value=bar"], "/v2/keys/foo"),
    ([], "/v2/keys/foo"),
    ([], "/v2/keys/missing"),
    (["-X", "PUT", "-d", "value=baz", "-d", "prevExist=false"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=baz", "-d", "prevExist=true"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=baz", "-d", "prevExist=true"], "/v2/keys/nothere"),
    (["-X", "PUT", "-d", "value=qux", "-d", "prevValue=nope"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=qux", "-d", "prevValue=baz"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=qux", "-d", "prevIndex=1"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=x", "-d", "prevIndex=abc"], "/v2/keys/foo"),
    (["-X", "PUT"], "/v2/keys/dir?dir=true"),
    (["-X", "PUT", "-d", "value=1"], "/v2/keys/dir/a"),
    (["-X", "PUT", "-d", "value=2"], "/v2/keys/dir/sub/b"),
    (["-X", "PUT", "-d", "value=v"], "/v2/keys/dir"),
    (["-X", "POST", "-d", "value=first"], "/v2/keys/queue"),
    (["-X", "POST", "-d", "value=second"], "/v2/keys/queue"),
    ([], "/v2/keys/queue?sorted=true"),
    (["-X", "PUT", "-d", "value=secret"], "/v2/keys/_hidden"),
    ([], "/v2/keys/?recursive=true&sorted=true"),
    ([], "/v2/keys/dir?recursive=true&sorted=true"),
    ([], "/v2/keys/_hidden"),
    ([], "/v2/keys/dir/a?quorum=true"),
    (["-X", "PUT", "-d", "value=t", "-d", "ttl=100"], "/v2/keys/ttlkey"),
    ([], "/v2/keys/ttlkey"),
    (["-X", "PUT", "-d", "ttl=200", "-d", "refresh=true", "-d", "prevExist=true"], "/v2/keys/ttlkey"),
    (["-X", "PUT", "-d", "value=x", "-d", "ttl=200", "-d", "refresh=true"], "/v2/keys/ttlkey"),
    (["-X", "PUT", "-d", "refresh=true"], "/v2/keys/ttlkey"),
    (["-X", "PUT", "-d", "value=t", "-d", "ttl=abc"], "/v2/keys/ttlkey"),
    (["-X", "PUT", "-d", "value=p", "-d", "ttl="], "/v2/keys/ttlkey"),
    ([], "/v2/keys/ttlkey"),
    (["-X", "DELETE"], "/v2/keys/dir"),
    (["-X", "DELETE"], "/v2/keys/dir?dir=true"),
    (["-X", "DELETE", "-d", "x=1"], "/v2/keys/dir/a?prevValue=2"),
    (["-X", "DELETE"], "/v2/keys/dir/a?prevValue=1"),
    (["-X", "DELETE"], "/v2/keys/dir?recursive=true"),
    ([], "/v2/keys/dir"),
    (["-I"], "/v2/keys/foo"),
    (["-I"], "/v2/keys/missing"),
    (["-X", "PATCH"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=w"], "/v2/keys/foo?wait=true"),
    ([], "/v2/keys/foo?wait=true&waitIndex=4"),
    ([], "/v2/keys/?wait=true&recursive=true&waitIndex=7"),
    ([], "/v2/keys/foo?wait=true&waitIndex=1"),
    (["-X", "PUT", "-d", "value=quiet", "-d", "noValueOnSuccess=true"], "/v2/keys/foo"),
    (["-X", "PUT", "-d", "value=v"], "/v2/keys/"),
    (["-X", "DELETE"], "/v2/keys/"),
    (["-X", "PUT", "-d", "value=x", "-d", "dir=true"], "/v2/keys/d2"),
]

# /v2/members, /v2/machines and /v2/stats on the same single member, after the keys.
ADMIN_SESSION = [
    ([], "/v2/members"),
    ([], "/v2/members/"),
    ([], "/v2/members/leader"),
    ([], "/v2/members/zz"),
    ([], "/v2/machines"),
    (["-I"], "/v2/machines"),
    (["-X", "POST"], "/v2/machines"),
    (["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"peerURLs":["http://127.0.10.1:2380"]}'],
     "/v2/members"),
    (["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"peerURLs":["bad"]}'], "/v2/members"),
    (["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"peerURLs":["http://h:1/p"]}'], "/v2/members"),
    (["-X", "POST", "-H", "Content-Type: application/json", "-d", "xx"], "/v2/members"),
    (["-X", "POST", "-H", "Content-Type: application/json", "-d", "{}"], "/v2/members"),
    (["-X", "POST", "-H", "Content-Type: Text/Plain; charset=x", "-d", "{}"], "/v2/members"),
    (["-X", "POST", "-d", "{}"], "/v2/members"),
    (["-X", "DELETE"], "/v2/members/1234"),
    (["-X", "DELETE"], "/v2/members/zz"),
    (["-X", "DELETE"], "/v2/members"),
    (["-X", "PUT", "-H", "Content-Type: application/json", "-d", '{"peerURLs":["http://1.2.3.4:5"]}'],
     "/v2/members/1234"),
    (["-X", "PATCH"], "/v2/members"),
    ([], "/v2/stats/self"),
    ([], "/v2/stats/leader"),
    ([], "/v2/stats/store"),
    (["-X", "POST"], "/v2/stats/self"),
    ([], "/v2/stats/"),
    ([], "/v2/stats/nothing"),
]

# The real etcdctl speaking v2 (ETCDCTL_API=2), after the curl sessions.
ETCDCTL_V2_SESSION = [
    ["set", "/ctl/foo", "bar"],
    ["get", "/ctl/foo"],
    ["mk", "/ctl/foo", "x"],
    ["mkdir", "/ctl/d"],
    ["set", "/ctl/d/a", "1"],
    ["ls", "-r", "--sort", "/ctl"],
    ["update", "/ctl/foo", "baz"],
    ["rm", "/ctl/nokey"],
    ["rmdir", "/ctl/d"],
    ["rm", "-r", "/ctl/d"],
    ["--output", "json", "get", "/ctl/foo"],
    ["--output", "extended", "get", "/ctl/foo"],
    ["watch", "/ctl/foo", "--after-index", "1"],
    ["member", "list"],
    ["cluster-health"],
]

NORMALIZE = [
    (re.compile(r"^(Date|Content-Length|X-Raft-Index|X-Raft-Term): .*$", re.M | re.I), r"\1: X"),
    # Go writes a sniffed Content-Type after Date and Content-Length; ours comes first.
    (re.compile(r"^Content-Type: text/plain; charset=utf-8\nDate: X\nContent-Length: X\n", re.M),
     "Date: X\nContent-Length: X\nContent-Type: text/plain; charset=utf-8\n"),
    (re.compile(r'"expiration":"[^"]*"'), '"expiration":"T"'),
    (re.compile(r'"ttl":\d+'), '"ttl":N'),
    (re.compile(r'"(startTime|uptime)":"[^"]*"'), r'"\1":"T"'),
    # etcd counts its own lookups of the membership in the store too (docs/compatibility.md).
    (re.compile(r'"gets(Success|Fail)":\d+'), r'"gets\1":N'),
]


def normalize(text):
    for pattern, repl in NORMALIZE:
        text = pattern.sub(repl, text)
    return text


def curl(*args, timeout=15):
    out = subprocess.run(["curl", "-s", "-i", "--max-time", "10", *args], capture_output=True, text=True,
                         timeout=timeout)
    return out.stdout.replace("\r\n", "\n")


def store_stats():
    return json.loads(curl(f"{BASE}/v2/stats/store").split("\n\n", 1)[1])


def run_session(procs, binary, workdir):
    workdir.mkdir()
    args = [binary, "--name", "default", "--data-dir", str(workdir / "data"), "--enable-v2",
            "--listen-client-urls", BASE, "--advertise-client-urls", BASE,
            "--listen-peer-urls", f"http://{HOST}:2380", "--initial-advertise-peer-urls", f"http://{HOST}:2380",
            "--initial-cluster", f"default=http://{HOST}:2380"]
    p = procs.start(args, log_path=str(workdir / "member.log"), cwd=str(workdir))
    wait_until(lambda: p.poll() is not None or '"true"' in curl(f"{BASE}/health"), timeout=30,
               what=f"{binary} to serve")
    assert p.poll() is None, (workdir / "member.log").read_text()
    transcript = []
    for extra, path in SESSION:
        transcript.append(f"$ curl {' '.join(extra)} {path}\n{curl(*extra, BASE + path)}\n")

    # A key that expires: its expire event is then answered from the history.
    created = curl("-X", "PUT", "-d", "value=gone", "-d", "ttl=1", f"{BASE}/v2/keys/short")
    transcript.append(f"$ curl -X PUT -d value=gone -d ttl=1 /v2/keys/short\n{created}\n")
    index = json.loads(created.split("\n\n", 1)[1])["node"]["modifiedIndex"]
    wait_until(lambda: curl(f"{BASE}/v2/keys/short").startswith("HTTP/1.1 404"), timeout=10,
               what="the TTL key to expire")
    transcript.append(f"$ curl /v2/keys/short\n{curl(BASE + '/v2/keys/short')}\n")
    transcript.append(f"$ curl /v2/keys/short?wait=true&waitIndex={index + 1}\n"
                      f"{curl(f'{BASE}/v2/keys/short?wait=true&waitIndex={index + 1}')}\n")

    # A long poll: the watch is registered (the store counts it) before the write wakes it.
    before = store_stats()["watchers"]
    watch = subprocess.Popen(["curl", "-s", "-i", "--max-time", "20", f"{BASE}/v2/keys/later?wait=true"],
                             stdout=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: store_stats()["watchers"] == before + 1, timeout=10, what="the watch to register")
        curl("-X", "PUT", "-d", "value=now", f"{BASE}/v2/keys/later")
        out, _ = watch.communicate(timeout=20)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    transcript.append(f"$ curl /v2/keys/later?wait=true  (woken by a PUT)\n{out.replace(chr(13), '')}\n")
    for extra, path in ADMIN_SESSION:
        transcript.append(f"$ curl {' '.join(extra)} {path}\n{curl(*extra, BASE + path)}\n")
    for args in ETCDCTL_V2_SESSION:
        out = subprocess.run(["etcdctl", "--endpoints", BASE, *args], capture_output=True, text=True, timeout=30,
                             env={**os.environ, "ETCDCTL_API": "2"})
        transcript.append(f"$ ETCDCTL_API=2 etcdctl {' '.join(args)}\n{out.stdout}{out.stderr}[exit {out.returncode}]\n")
    procs.stop(p)
    return normalize("".join(transcript))


def test_v2_keys_session_answers_as_etcd_does(procs, etcd_bin, tmp_path):
    assert_same_session(run_session, procs, etcd_bin, tmp_path)


def test_v2_api_is_off_without_enable_v2(procs, etcd_bin, tmp_path):
    args = [etcd_bin, "--name", "default", "--data-dir", str(tmp_path / "data"),
            "--listen-client-urls", BASE, "--advertise-client-urls", BASE,
            "--listen-peer-urls", f"http://{HOST}:2380", "--initial-advertise-peer-urls", f"http://{HOST}:2380",
            "--initial-cluster", f"default=http://{HOST}:2380"]
    p = procs.start(args, log_path=str(tmp_path / "member.log"), cwd=str(tmp_path))
    wait_until(lambda: p.poll() is not None or '"true"' in curl(f"{BASE}/health"), timeout=30, what="serving")
    for path in ["/v2/keys/foo", "/v2/members", "/v2/stats/self", "/new"]:
        assert curl(BASE + path).startswith("HTTP/1.1 404"), path


def test_v2_stream_watch_gets_every_event_and_ends_when_the_client_leaves(procs, etcd_bin, tmp_path):
    from etcdpp_e2e import Member
    m = Member(procs, etcd_bin, tmp_path).start(["--enable-v2"])

    def watchers():
        return json.loads(curl(m.client_url + "/v2/stats/store").split("\n\n", 1)[1])["watchers"]

    # A streaming watch gets every change under the directory, in order.
    stream = subprocess.Popen(["curl", "-s", "-N", "--max-time", "20", f"{m.client_url}/v2/keys/s?wait=true&stream=true"
                               "&recursive=true"], stdout=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: watchers() == 1, timeout=10, what="the stream watch to register")
        for v in ("1", "2", "3"):
            curl("-X", "PUT", "-d", f"value={v}", f"{m.client_url}/v2/keys/s/k")
        lines = [stream.stdout.readline() for _ in range(3)]
    finally:
        stream.kill()
        stream.wait()
    assert [json.loads(line)["node"]["value"] for line in lines] == ["1", "2", "3"]
    assert [json.loads(line)["action"] for line in lines] == ["set", "set", "set"]

    # The client left: the member forgets the watch once writing to it fails (HTTP/1.1
    # connections are not read while a response streams, so the next events tell).
    def removed_after_a_write():
        curl("-X", "PUT", "-d", "value=more", f"{m.client_url}/v2/keys/s/k")
        return watchers() == 0

    wait_until(removed_after_a_write, timeout=10, interval=0.2, what="the abandoned watch to be removed")
