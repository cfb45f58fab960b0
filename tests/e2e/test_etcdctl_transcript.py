"""One etcdctl session run against our member and against etcd 3.4.23, one after the other
with the same flags and addresses (so the same member and cluster IDs): every command must
print the same, modulo what differs by nature (times, sizes on disk, client UUIDs)."""
import re
import subprocess

from etcdpp_e2e import assert_same_session, wait_until

HOST = "127.0.7.1"
ENDPOINT = f"http://{HOST}:2379"
TOO_MANY_OPS = "\n".join(f"put k{i} v" for i in range(129)) + "\n\n\n"

# (etcdctl arguments, standard input). Order matters: revisions are compared too.
SESSION = [
    (["put", "foo", "bar"], None),
    (["put", "foo1", "bar1"], None),
    (["put", "foo2", "bar2", "--prev-kv"], None),
    (["put", "foo2", "again", "--prev-kv"], None),
    (["get", "foo"], None),
    (["get", "foo", "-w", "json"], None),
    (["get", "foo", "-w", "fields"], None),
    (["get", "--prefix", "foo"], None),
    (["get", "foo", "foo2"], None),
    (["get", "--prefix", "foo", "--limit", "1", "-w", "json"], None),
    (["get", "--prefix", "foo", "--sort-by=MODIFY", "--order=DESCEND"], None),
    (["get", "--prefix", "foo", "--keys-only"], None),
    (["get", "--prefix", "foo", "--print-value-only"], None),
    (["get", "foo2", "--rev", "4"], None),
    (["get", "--from-key", "foo1"], None),
    (["del", "foo1"], None),
    (["del", "--prefix", "nothing"], None),
    (["del", "--prev-kv", "foo2"], None),
    (["txn", "--interactive=false"], 'value("foo") = "bar"\n\nput foo baz\n\nput foo nope\n\n'),
    (["txn", "--interactive=false", "-w", "json"], 'mod("foo") > "0"\n\nget foo\n\n\n'),
    (["txn", "-i"], 'version("foo") = "9"\n\n\nput other side\n\n'),
    (["compaction", "3"], None),
    (["get", "foo", "--rev", "2"], None),
    (["get", "foo", "--rev", "1000"], None),
    (["compaction", "2"], None),
    (["put", "", "empty"], None),
    (["txn", "--interactive=false"], TOO_MANY_OPS),
    (["member", "list"], None),
    (["member", "list", "-w", "table"], None),
    (["endpoint", "status"], None),
    (["endpoint", "status", "-w", "table"], None),
    (["endpoint", "health"], None),
    (["endpoint", "hashkv"], None),
    (["endpoint", "hashkv", "-w", "json"], None),
    (["defrag"], None),
    (["get", "--prefix", "", "-w", "json"], None),
    # Leases: "{lease}" stands for the ID the last grant printed.
    (["lease", "grant", "100"], None),
    (["put", "leased", "v", "--lease={lease}"], None),
    (["lease", "timetolive", "{lease}", "--keys"], None),
    (["lease", "list"], None),
    (["lease", "keep-alive", "--once", "{lease}"], None),
    (["lease", "revoke", "{lease}"], None),
    (["get", "leased"], None),
    (["put", "k", "v", "--lease=1234"], None),
    (["lease", "timetolive", "1234"], None),
    (["lease", "revoke", "1234"], None),
    (["alarm", "list"], None),
    (["alarm", "disarm"], None),
    (["snapshot", "save", "snap.db"], None),
    (["get", "--prefix", "", "--keys-only"], None),
]

NORMALIZE = [
    (re.compile(r'"ts":("[^"]*"|[0-9.e+]+)'), '"ts":"T"'),
    (re.compile(r"endpoint://client-[0-9a-f-]+/"), "endpoint://client-X/"),
    (re.compile(r"took = [0-9.]+[a-zµ]+"), "took = D"),
    (re.compile(r"\d+(\.\d+)? [kMG]?B"), "SIZE"),  # db sizes in tables and lines
    (re.compile(r'"dbSize":\d+'), '"dbSize":N'),
    (re.compile(r'"dbSizeInUse":\d+'), '"dbSizeInUse":N'),
    (re.compile(r"remaining\(\d+s\)"), "remaining(Ns)"),  # a second may pass between the two
    (re.compile(r'"took":("[^"]*"|[0-9.e+-]+)'), '"took":"D"'),
    (re.compile(r'"size":"[^"]*"'), '"size":"S"'),
]


def normalize(text):
    for pattern, repl in NORMALIZE:
        text = pattern.sub(repl, text)
    return text


def run_session(procs, binary, workdir):
    workdir.mkdir()
    args = [binary, "--name", "default", "--data-dir", str(workdir / "data"),
            "--listen-client-urls", ENDPOINT, "--advertise-client-urls", ENDPOINT,
            "--listen-peer-urls", f"http://{HOST}:2380", "--initial-advertise-peer-urls", f"http://{HOST}:2380",
            "--initial-cluster", f"default=http://{HOST}:2380"]
    p = procs.start(args, log_path=str(workdir / "member.log"), cwd=str(workdir))
    ctl = ["etcdctl", "--endpoints", ENDPOINT, "--command-timeout=5s"]
    wait_until(lambda: p.poll() is not None or
               subprocess.run([*ctl, "endpoint", "health"], capture_output=True, timeout=30).returncode == 0,
               timeout=30, what=f"{binary} to serve")
    assert p.poll() is None, (workdir / "member.log").read_text()
    transcript = []
    lease = "0"
    for args, stdin in SESSION:
        args = [a.replace("{lease}", lease) for a in args]
        out = subprocess.run([*ctl, *args], input=stdin, capture_output=True, text=True, timeout=30, cwd=workdir)
        text = out.stdout + out.stderr
        if granted := re.search(r"lease ([0-9a-f]+) granted", text):
            lease = granted.group(1)
        # Lease IDs come from each server's clock: compare them as a name.
        text = text.replace(lease, "LEASE") if lease != "0" else text
        transcript.append(f"$ etcdctl {' '.join(args).replace(lease, 'LEASE')}\n{text}[exit {out.returncode}]\n")
    procs.stop(p)
    return normalize("".join(transcript))


def test_etcdctl_session_prints_what_etcd_prints(procs, etcd_bin, tmp_path):
    assert_same_session(run_session, procs, etcd_bin, tmp_path)
