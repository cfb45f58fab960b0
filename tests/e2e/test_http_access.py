"""The checks etcd makes on plain HTTP requests of the client port, before any handler:
--host-whitelist (421 against DNS rebinding), --cors headers and OPTIONS pre-flights.
Each case runs against our member and against etcd 3.4 with the same flags."""
import http.client

import pytest

from etcdpp_e2e import Member

CORS_HEADERS = ("access-control-allow-methods", "access-control-allow-origin", "access-control-allow-headers")

# (method, path, extra request headers)
REQUESTS = [
    ("GET", "/version", {"Host": "evil.example:2379"}),
    ("GET", "/version", {"Host": "allowed.example:2379"}),
    ("GET", "/health", {"Host": "allowed.example"}),
    ("OPTIONS", "/v3/kv/range", {"Origin": "http://good.example:8080"}),
    ("POST", "/v3/kv/range", {"Origin": "http://good.example:8080"}),
    ("POST", "/v3/kv/range", {"Origin": "http://bad.example"}),
    ("GET", "/nowhere", {"Host": "evil.example"}),
]


def observe(member, requests):
    """(status, CORS headers, body) of each request, on one connection per request."""
    host, port = member.client_url.removeprefix("http://").split(":")
    seen = []
    for method, path, headers in requests:
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.putrequest(method, path, skip_host="Host" in headers)
            for name, value in headers.items():
                conn.putheader(name, value)
            body = b'{"key": "Zm9v"}' if method == "POST" else b""
            if body:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            got = {h: resp.getheader(h) for h in CORS_HEADERS if resp.getheader(h) is not None}
            text = resp.read().decode()
            if path == "/version" and resp.status == 200:
                text = "<version>"  # the two servers name themselves differently
            if path == "/v3/kv/range" and resp.status == 200:
                text = "<range>"  # headers carry member ids
            seen.append((method, path, resp.status, got, text))
        finally:
            conn.close()
    return seen


def run(procs, binary, workdir, extra):
    workdir.mkdir()
    m = Member(procs, binary, workdir).start(extra)
    try:
        return observe(m, REQUESTS)
    finally:
        m.stop()


@pytest.mark.parametrize("flags", [
    ["--host-whitelist=allowed.example,127.0.0.1", "--cors=http://good.example:8080"],
    [],
], ids=["restricted", "defaults"])
def test_access_checks_match_etcd(procs, etcd_bin, tmp_path, flags):
    ours = run(procs, etcd_bin, tmp_path / "ours", flags)
    theirs = run(procs, "/usr/bin/etcd", tmp_path / "etcd", flags)
    assert ours == theirs

    status = [s for (_, _, s, _, _) in ours]
    if flags:
        # A host outside the whitelist is refused whatever the path; allowed origins only.
        assert status == [421, 200, 200, 200, 200, 200, 421]
        assert 'etcd --host-whitelist "evil.example"' in ours[0][4]
        assert ours[3][3]["access-control-allow-origin"] == "http://good.example:8080"
        assert ours[5][3] == {}
    else:
        assert status == [200, 200, 200, 200, 200, 200, 404]
        assert all(cors["access-control-allow-origin"] == "*" for (_, _, _, cors, _) in ours)
