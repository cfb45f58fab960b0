"""Bootstrap through a private discovery service, as the clustering guide's §4 runs it:
a one-member etcd with the v2 keys API holds discovery/<token>/_config/size, members
started with --discovery register there and form one cluster. Error cases are compared
with etcd 3.4 itself against the same service."""
import json
import subprocess
import urllib.error
import urllib.request

import pytest

from etcdpp_e2e import build_dir, free_port, wait_until

SERVICE_IP = "127.0.11.1"
MEMBER_IPS = ["127.0.11.10", "127.0.11.11", "127.0.11.12", "127.0.11.13"]
REAL_ETCD = "/usr/bin/etcd"

OURS = str(build_dir() / "bin" / "etcd")
# The binaries the guide's bootstrap is run against as the discovery service; the error
# cases use etcd 3.4's service only (they are about the client's behaviour).
SERVICES = [("etcd-3.4", REAL_ETCD), ("etcdpp", OURS)]


class DiscoveryService:
    """A one-member cluster with the v2 keys API, started by the test and stopped by PID."""

    def __init__(self, procs, binary, tmp, start=True):
        self.procs, self.binary, self.tmp = procs, binary, tmp
        self.port, self.peer_port = free_port(SERVICE_IP), free_port(SERVICE_IP)
        self.url = f"http://{SERVICE_IP}:{self.port}"
        if start:
            self.start()

    def start(self):
        peer = f"http://{SERVICE_IP}:{self.peer_port}"
        args = [self.binary, "--enable-v2", "--name", "discovery", "--data-dir", str(self.tmp / "discovery.etcd"),
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"discovery={peer}"]
        self.proc = self.procs.start(args, log_path=str(self.tmp / "discovery.log"), cwd=str(self.tmp))
        wait_until(lambda: self.proc.poll() is not None or self.get("/v2/keys/") is not None, timeout=20,
                   what="discovery service")
        assert self.proc.poll() is None, (self.tmp / "discovery.log").read_text()

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return None

    def new_token(self, token, size):
        """The guide's `curl -X PUT .../_config/size -d value=N`."""
        if size is not None:
            out = subprocess.run(["curl", "-sS", "-X", "PUT", f"{self.url}/v2/keys/discovery/{token}/_config/size",
                                  "-d", f"value={size}"], capture_output=True, text=True, timeout=20)
            assert out.returncode == 0 and '"value":"%d"' % size in out.stdout, out.stdout + out.stderr
        return f"{self.url}/v2/keys/discovery/{token}"

    def registrations(self, token):
        answer = self.get(f"/v2/keys/discovery/{token}") or {}
        return {n["key"].rsplit("/", 1)[1]: n["value"] for n in answer.get("node", {}).get("nodes", [])
                if not n.get("dir")}


@pytest.fixture
def service_bin():
    return REAL_ETCD


@pytest.fixture
def service(procs, tmp_path, service_bin):
    return DiscoveryService(procs, service_bin, tmp_path)


@pytest.fixture(params=SERVICES, ids=[s[0] for s in SERVICES])
def any_service(procs, tmp_path, request):
    return DiscoveryService(procs, request.param[1], tmp_path)


def member_args(binary, i, data_dir, discovery, extra=()):
    ip = MEMBER_IPS[i]
    return [binary, "--name", f"m{i}", "--data-dir", str(data_dir),
            "--initial-advertise-peer-urls", f"http://{ip}:2380", "--listen-peer-urls", f"http://{ip}:2380",
            "--listen-client-urls", f"http://{ip}:2379", "--advertise-client-urls", f"http://{ip}:2379",
            "--discovery", discovery, *extra]


def run_once(args, cwd):
    """A member expected to exit by itself (bounded by a timeout)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=cwd)


def ctl(i, *args):
    out = subprocess.run(["etcdctl", "--endpoints", f"http://{MEMBER_IPS[i]}:2379", "--command-timeout=5s", *args],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
    return out.stdout


def healthy(i):
    try:
        with urllib.request.urlopen(f"http://{MEMBER_IPS[i]}:2379/health", timeout=1) as r:
            return b'"true"' in r.read()
    except OSError:
        return False


def wait_healthy(procs_by_index, tmp):
    for i, p in procs_by_index.items():
        wait_until(lambda: p.poll() is not None or healthy(i), timeout=40, what=f"m{i} healthy")
        assert p.poll() is None, (tmp / f"m{i}.log").read_text()


def test_three_members_form_one_cluster_then_a_fourth_is_refused(procs, etcd_bin, tmp_path, any_service):
    service = any_service
    url = service.new_token("tok3", 3)
    started = {}
    for i in range(3):
        started[i] = procs.start(member_args(etcd_bin, i, tmp_path / f"m{i}.etcd", url),
                                 log_path=str(tmp_path / f"m{i}.log"), cwd=str(tmp_path))
    wait_healthy(started, tmp_path)

    members = json.loads(ctl(0, "member", "list", "-w", "json"))["members"]
    assert sorted(m["name"] for m in members) == ["m0", "m1", "m2"]
    # Each member registered under the ID it has in the cluster, with its peer URL.
    registered = service.registrations("tok3")
    assert registered == {format(m["ID"], "x"): f"{m['name']}={m['peerURLs'][0]}" for m in members}
    assert "found 3 needed peer(s)" in (tmp_path / "m0.log").read_text()
    ctl(0, "put", "greeting", "hello")
    assert ctl(2, "get", "greeting", "--print-value-only").strip() == "hello"

    # A fourth member: the cluster is full. With --discovery-fallback exit, etcd 3.4 exits 1
    # with the same report; by default it would become a v2 proxy, which etcdpp refuses.
    fallback = run_once(member_args(etcd_bin, 3, tmp_path / "m3.etcd", url), cwd=tmp_path)
    assert fallback.returncode == 1
    assert "N | etcdmain: discovery cluster full, falling back to proxy" in fallback.stderr, fallback.stderr
    assert "etcd: the v2 proxy (--discovery-fallback proxy) is not supported yet by etcdpp" in fallback.stderr
    exit_flag = ["--discovery-fallback", "exit"]
    ours = run_once(member_args(etcd_bin, 3, tmp_path / "m3.etcd", url, exit_flag), cwd=tmp_path)
    real = run_once(member_args(REAL_ETCD, 3, tmp_path / "real-m3.etcd", url, exit_flag), cwd=tmp_path)
    assert ours.returncode == real.returncode == 1
    for line in ("E | etcdmain: failed to join discovery cluster (discovery: cluster is full)",
                 f"I | etcdmain: discovery token {url} was used, but failed to bootstrap the cluster."):
        assert line in ours.stderr, ours.stderr
        assert line in real.stderr, real.stderr
    assert len(service.registrations("tok3")) == 3

    # A restart with its data: the token is ignored with etcd's warning, the member rejoins.
    procs.stop(started[0])
    started[0] = procs.start(member_args(etcd_bin, 0, tmp_path / "m0.etcd", url),
                             log_path=str(tmp_path / "m0-restart.log"), cwd=str(tmp_path))
    wait_until(lambda: started[0].poll() is not None or healthy(0), timeout=40, what="m0 restarted")
    log = (tmp_path / "m0-restart.log").read_text()
    assert started[0].poll() is None, log
    wal = tmp_path / "m0.etcd" / "member" / "wal"
    assert (f'W | etcdserver: discovery token ignored since a cluster has already been initialized. '
            f'Valid log found at "{wal}"') in log
    assert ctl(0, "get", "greeting", "--print-value-only").strip() == "hello"


def test_missing_size_fails_with_the_guides_message(etcd_bin, tmp_path, service):
    url = service.new_token("nosize", None)
    ours = run_once(member_args(etcd_bin, 0, tmp_path / "m0.etcd", url), cwd=tmp_path)
    real = run_once(member_args(REAL_ETCD, 0, tmp_path / "real.etcd", url), cwd=tmp_path)
    assert ours.returncode == real.returncode == 1
    assert f"etcd: error: the cluster doesn\u2019t have a size configuration value in {url}/_config" in ours.stderr
    # etcd 3.4 reports the service's own "key not found" error.
    assert "E | etcdmain: failed to join discovery cluster (100: Key not found (/discovery" in ours.stderr
    assert "E | etcdmain: failed to join discovery cluster (100: Key not found (/discovery" in real.stderr
    assert not (tmp_path / "m0.etcd" / "member" / "wal").exists()


def test_duplicate_name_fails_like_etcd(etcd_bin, tmp_path, service):
    for binary, token in ((etcd_bin, "dupours"), (REAL_ETCD, "dupreal")):
        url = service.new_token(token, 2)
        # Someone registered "m0" already, with another address.
        subprocess.run(["curl", "-sS", "-X", "PUT", f"{service.url}/v2/keys/discovery/{token}/1234",
                        "-d", "value=m0=http://127.0.11.99:2380"], check=True, capture_output=True, timeout=20)
        out = run_once(member_args(binary, 0, tmp_path / f"{token}.etcd", url), cwd=tmp_path)
        assert out.returncode == 1, out.stderr
        assert ("E | etcdmain: member with duplicated name has registered with discovery service token"
                f"({url}).") in out.stderr, out.stderr


def test_a_waiting_member_stops_on_sigterm_and_its_id_stays_registered(procs, etcd_bin, tmp_path, service):
    url = service.new_token("again", 3)
    first = procs.start(member_args(etcd_bin, 0, tmp_path / "m0-first.etcd", url),
                        log_path=str(tmp_path / "m0-first.log"), cwd=str(tmp_path))
    wait_until(lambda: first.poll() is not None or len(service.registrations("again")) == 1, timeout=20,
               what="m0 registered")
    # Waiting for two more members, it still stops at once, by the signal, as etcd does.
    assert procs.stop(first) == -15, (tmp_path / "m0-first.log").read_text()
    assert "found 1 peer(s), waiting for 2 more" in (tmp_path / "m0-first.log").read_text()
    # Another attempt of the same member (same name and URL, new data dir) finds its ID taken.
    out = run_once(member_args(etcd_bin, 0, tmp_path / "m0-second.etcd", url), cwd=tmp_path)
    assert out.returncode == 1
    assert f'E | etcdmain: member "m0" has previously registered with discovery service token ({url}).' \
        in out.stderr, out.stderr


def test_malformed_discovery_url_fails_like_etcd(etcd_bin, tmp_path):
    bad = "127.0.11.1:notaport/v2/keys/x"
    ours = run_once(member_args(etcd_bin, 0, tmp_path / "m0.etcd", bad), cwd=tmp_path)
    real = run_once(member_args(REAL_ETCD, 0, tmp_path / "real.etcd", bad), cwd=tmp_path)
    assert ours.returncode == real.returncode == 1
    line = (f'E | etcdmain: failed to join discovery cluster (parse "{bad}": first path segment in URL cannot '
            'contain colon)')
    assert line in ours.stderr, ours.stderr
    assert line in real.stderr, real.stderr


def test_discovery_with_initial_cluster_is_refused_like_etcd(etcd_bin, tmp_path):
    args = ["--discovery", f"http://{SERVICE_IP}:1/v2/keys/discovery/x",
            "--initial-cluster", f"m0=http://{MEMBER_IPS[0]}:2380"]
    ours = run_once([etcd_bin, *args], cwd=tmp_path)
    real = run_once([REAL_ETCD, *args], cwd=tmp_path)
    assert ours.returncode == real.returncode == 1
    msg = ('multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or '
           '"discovery-srv"')
    assert msg in ours.stderr and msg in real.stderr


class ForwardProxy:
    """A minimal HTTP forward proxy (absolute-URI requests) that records what it forwarded."""

    def __init__(self, host):
        import http.server
        import threading
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                seen.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                req = urllib.request.Request(self.path, data=body, method=self.command)
                if self.headers.get("Content-Type"):
                    req.add_header("Content-Type", self.headers["Content-Type"])
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, data, headers = r.status, r.read(), r.headers
                except urllib.error.HTTPError as e:
                    status, data, headers = e.code, e.read(), e.headers
                except OSError:
                    status, data, headers = 502, b"", {}
                self.send_response(status)
                for name in ("Content-Type", "X-Etcd-Index"):
                    if headers.get(name):
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def test_environment_variables_and_a_discovery_proxy(procs, etcd_bin, tmp_path, service):
    url = service.new_token("viaproxy", 1)
    proxy = ForwardProxy("127.0.11.2")
    try:
        args = member_args(etcd_bin, 0, tmp_path / "m0.etcd", url)
        args = args[:args.index("--discovery")]  # the service and the proxy come from the environment
        p = procs.start(args, env={"ETCD_DISCOVERY": url, "ETCD_DISCOVERY_PROXY": proxy.url},
                        log_path=str(tmp_path / "m0.log"), cwd=str(tmp_path))
        wait_healthy({0: p}, tmp_path)
        log = (tmp_path / "m0.log").read_text()
        assert f"recognized and used environment variable ETCD_DISCOVERY_PROXY={proxy.url}" in log
        assert f'I | discovery: using proxy "{proxy.url}"' in log
        # Every exchange went through the proxy, as absolute URIs naming the service.
        assert ("GET", f"{url}/_config/size") in proxy.seen
        assert any(m == "PUT" and path.startswith(url + "/") for m, path in proxy.seen), proxy.seen
        assert len(service.registrations("viaproxy")) == 1
    finally:
        proxy.close()


def test_etcd_34_and_etcdpp_members_discover_each_other(procs, etcd_bin, tmp_path, service):
    """Same registrations, same member IDs: a cluster of two etcdpp members and one etcd 3.4."""
    url = service.new_token("mixed", 3)
    started = {}
    for i, binary in enumerate((etcd_bin, REAL_ETCD, etcd_bin)):
        started[i] = procs.start(member_args(binary, i, tmp_path / f"m{i}.etcd", url),
                                 log_path=str(tmp_path / f"m{i}.log"), cwd=str(tmp_path))
    wait_healthy(started, tmp_path)
    members = json.loads(ctl(1, "member", "list", "-w", "json"))["members"]
    assert sorted(m["name"] for m in members) == ["m0", "m1", "m2"]
    registered = service.registrations("mixed")
    assert registered == {format(m["ID"], "x"): f"{m['name']}={m['peerURLs'][0]}" for m in members}
    ctl(0, "put", "mixed", "yes")
    assert ctl(1, "get", "mixed", "--print-value-only").strip() == "yes"


def test_an_unreachable_service_is_retried_until_it_answers(procs, etcd_bin, tmp_path, service_bin):
    svc = DiscoveryService(procs, service_bin, tmp_path, start=False)
    url = f"{svc.url}/v2/keys/discovery/late"
    p = procs.start(member_args(etcd_bin, 0, tmp_path / "m0.etcd", url), log_path=str(tmp_path / "m0.log"),
                    cwd=str(tmp_path))
    retry = f"I | discovery: cluster status check: error connecting to {svc.url}, retrying in 2s"
    wait_until(lambda: p.poll() is not None or retry in (tmp_path / "m0.log").read_text(), timeout=20,
               what="the first retry")
    assert p.poll() is None, (tmp_path / "m0.log").read_text()
    svc.start()
    svc.new_token("late", 1)
    wait_healthy({0: p}, tmp_path)
    assert len(svc.registrations("late")) == 1


def zap_entries(stderr):
    entries = []
    for line in stderr.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
    return entries


def test_zap_reports_match_etcd(procs, etcd_bin, tmp_path, service):
    url = service.new_token("zap", 1)
    subprocess.run(["curl", "-sS", "-X", "PUT", f"{service.url}/v2/keys/discovery/zap/1234",
                    "-d", "value=other=http://127.0.11.99:2380"], check=True, capture_output=True, timeout=20)
    wanted = {"failed to start etcd", "failed to bootstrap; discovery token was already used",
              "do not reuse discovery token; generate a new one to bootstrap a cluster"}
    reports = []
    for binary, data in ((etcd_bin, "ours.etcd"), (REAL_ETCD, "real.etcd")):
        out = run_once(member_args(binary, 1, tmp_path / data, url, ["--logger", "zap", "--discovery-fallback", "exit"]),
                       cwd=tmp_path)
        assert out.returncode == 1, out.stderr
        reports.append([(e["level"], e["msg"], e.get("error")) for e in zap_entries(out.stderr) if e["msg"] in wanted])
    assert reports[0] == reports[1] and len(reports[0]) == 2, reports

    # A restart with data, logging with zap: etcd's warning and its wal-dir field.
    solo = service.new_token("zapsolo", 1)
    p = procs.start(member_args(etcd_bin, 0, tmp_path / "m0.etcd", solo), log_path=str(tmp_path / "m0.log"),
                    cwd=str(tmp_path))
    wait_healthy({0: p}, tmp_path)
    procs.stop(p)
    p = procs.start(member_args(etcd_bin, 0, tmp_path / "m0.etcd", solo, ["--logger", "zap"]),
                    log_path=str(tmp_path / "m0-zap.log"), cwd=str(tmp_path))
    wait_until(lambda: p.poll() is not None or healthy(0), timeout=40, what="m0 restarted")
    warned = [e for e in zap_entries((tmp_path / "m0-zap.log").read_text())
              if e["msg"] == "discovery token is ignored since cluster already initialized; valid logs are found"]
    assert len(warned) == 1 and warned[0]["level"] == "warn"
    assert warned[0]["wal-dir"] == str(tmp_path / "m0.etcd" / "member" / "wal")


def test_a_token_from_our_own_new_endpoint_bootstraps_three_members(procs, etcd_bin, tmp_path):
    # What discovery.etcd.io answers, served by a member of ours: /new?size=3 gives a fresh URL.
    svc = DiscoveryService(procs, etcd_bin, tmp_path)
    with urllib.request.urlopen(svc.url + "/new?size=3", timeout=5) as r:
        url = r.read().decode().strip()
    assert url.startswith(svc.url + "/v2/keys/"), url
    started = {i: procs.start(member_args(etcd_bin, i, tmp_path / f"m{i}.etcd", url),
                              log_path=str(tmp_path / f"m{i}.log"), cwd=str(tmp_path)) for i in range(3)}
    wait_healthy(started, tmp_path)
    members = json.loads(ctl(1, "member", "list", "-w", "json"))["members"]
    assert sorted(m["name"] for m in members) == ["m0", "m1", "m2"]
    token = url.rsplit("/", 1)[1]
    assert len(svc.registrations(token)) == 3
