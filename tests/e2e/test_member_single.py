"""A single etcdpp member driven by the real etcdctl 3.4, Python etcd3 and curl."""
import json
import signal
import urllib.request

import pytest

from etcdpp_e2e import Member


@pytest.fixture
def member(procs, etcd_bin, tmp_path):
    return Member(procs, etcd_bin, tmp_path).start()


def http(url, body=None):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_put_get_delete_and_key_options(member):
    assert member.ctl("put", "foo", "bar").stdout.strip() == "OK"
    for i in range(3):
        member.ctl("put", f"dir/k{i}", f"v{i}")
    assert member.ctl("get", "foo").stdout.splitlines() == ["foo", "bar"]
    assert member.ctl("get", "dir/", "--prefix", "--keys-only").stdout.split() == ["dir/k0", "dir/k1", "dir/k2"]
    assert member.ctl("get", "dir/", "--prefix", "--limit", "2").stdout.split() == ["dir/k0", "v0", "dir/k1", "v1"]
    assert member.ctl("get", "dir/", "--prefix", "--sort-by", "KEY", "--order", "DESCEND",
                      "--keys-only").stdout.split() == ["dir/k2", "dir/k1", "dir/k0"]
    assert member.ctl("get", "dir/k0", "dir/k2").stdout.split() == ["dir/k0", "v0", "dir/k1", "v1"]
    status, body = http(member.client_url + "/v3/kv/range",
                        '{"key":"ZGlyLw==","range_end":"ZGlyMA==","count_only":true}')
    assert status == 200
    counted = json.loads(body)
    assert counted["count"] == "3" and "kvs" not in counted
    first = json.loads(member.ctl("get", "foo", "-w", "json").stdout)
    member.ctl("put", "foo", "baz")
    assert member.ctl("get", "foo", "--rev", str(first["header"]["revision"])).stdout.split() == ["foo", "bar"]
    assert member.ctl("del", "dir/", "--prefix").stdout.strip() == "3"
    assert member.ctl("get", "dir/", "--prefix").stdout == ""


def test_txn_interactive_false(member):
    member.ctl("put", "t", "1")
    out = member.ctl("txn", "--interactive=false",
                     input='value("t") = "1"\n\nput t 2\n\nput t 3\n\n').stdout
    assert out.splitlines()[0] == "SUCCESS"
    assert member.ctl("get", "t", "--print-value-only").stdout.strip() == "2"
    out = member.ctl("txn", "--interactive=false",
                     input='value("t") = "1"\n\nput t 2\n\nput t 3\n\n').stdout
    assert out.splitlines()[0] == "FAILURE"
    assert member.ctl("get", "t", "--print-value-only").stdout.strip() == "3"


def test_compaction_and_revision_errors(member):
    for i in range(4):
        member.ctl("put", "c", str(i))
    rev = json.loads(member.ctl("get", "c", "-w", "json").stdout)["header"]["revision"]
    assert member.ctl("compaction", str(rev - 1)).stdout.strip() == f"compacted revision {rev - 1}"
    old = member.ctl("get", "c", "--rev", "2", check=False)
    assert old.returncode != 0
    assert "etcdserver: mvcc: required revision has been compacted" in old.stderr
    future = member.ctl("get", "c", "--rev", str(rev + 100), check=False)
    assert "etcdserver: mvcc: required revision is a future revision" in future.stderr


def test_bad_requests_change_nothing(member):
    empty = member.ctl("put", "", "v", check=False)
    assert empty.returncode != 0 and "etcdserver: key is not provided" in empty.stderr
    ops = "".join(f"put k{i} v\n" for i in range(129))
    many = member.ctl("txn", "--interactive=false", input=f"\n{ops}\n\n", check=False)
    assert "etcdserver: too many operations in txn request" in many.stderr
    big = member.ctl("put", "big", input="x" * (2 * 1024 * 1024), check=False)
    assert big.returncode != 0
    assert member.ctl("get", "", "--from-key", "--keys-only").stdout == ""


def test_cluster_and_maintenance_views(member):
    members = member.ctl("member", "list").stdout.strip().split(", ")
    assert members[1:] == ["started", "default", member.peer_url, member.client_url, "false"]
    status = member.ctl("endpoint", "status", "-w", "json").stdout
    assert json.loads(status)[0]["Status"]["version"] == "3.4.23"
    assert "is healthy" in member.ctl("endpoint", "health").stderr + member.ctl("endpoint", "health").stdout
    assert "Finished defragmenting etcd member" in member.ctl("defrag").stdout
    hashes = member.ctl("endpoint", "hashkv", "-w", "json").stdout
    assert json.loads(hashes)[0]["HashKV"]["hash"] != 0


def test_http_endpoints_and_gateway(member):
    assert http(member.client_url + "/version") == (200, '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}')
    assert http(member.client_url + "/health") == (200, '{"health":"true"}')
    member.ctl("put", "foo", "bar")
    status, body = http(member.client_url + "/v3/kv/range", '{"key":"Zm9v"}')
    assert status == 200
    reply = json.loads(body)
    assert reply["kvs"][0]["value"] == "YmFy" and reply["count"] == "1"
    status, body = http(member.client_url + "/v3/kv/put", '{"value":"eA=="}')
    assert status == 400
    assert json.loads(body) == {"error": "etcdserver: key is not provided",
                                "message": "etcdserver: key is not provided", "code": 3}


def test_python_etcd3_client(member):
    import etcd3
    client = etcd3.client(host="127.0.0.1", port=member.client_port)
    client.put("py", "thon")
    value, meta = client.get("py")
    assert value == b"thon" and meta.version == 1
    ok, _ = client.transaction(compare=[client.transactions.value("py") == "thon"],
                               success=[client.transactions.put("py", "new")], failure=[])
    assert ok
    assert client.get("py")[0] == b"new"
    assert client.delete("py")
    client.close()


def test_restart_keeps_every_key(member):
    for i in range(20):
        member.ctl("put", f"r{i}", str(i))
    assert member.stop() == -signal.SIGTERM
    member.start()
    assert json.loads(member.ctl("get", "r", "--prefix", "-w", "json").stdout)["count"] == 20
    assert member.ctl("get", "r7", "--print-value-only").stdout.strip() == "7"
