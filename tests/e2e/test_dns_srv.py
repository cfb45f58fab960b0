"""Bootstrap from DNS SRV records, as the clustering guide's §5 runs it: three members
started with --discovery-srv example.com against a local dnsmasq that serves the guide's
SRV and A records, and `etcd gateway start` finding the members from the client records.
The members, dnsmasq and etcdctl run inside a network namespace made for the test, whose
resolv.conf (/etc/netns/<ns>/resolv.conf) points at that dnsmasq."""
import json
import os
import shutil
import subprocess

import pytest

from etcdpp_e2e import wait_until

DNS_IP = "127.0.12.53"
IPS = {"infra0": "127.0.12.10", "infra1": "127.0.12.11", "infra2": "127.0.12.12"}
DOMAIN = "example.com"
REAL_ETCD = "/usr/bin/etcd"


def host(name):
    return f"{name}.{DOMAIN}"


class Namespace:
    """A network namespace with its own loopback and resolver; deleted with its /etc/netns dir."""

    def __init__(self, procs):
        self.procs = procs
        self.name = f"etcdpp-srv-{os.getpid()}"
        self.etc = f"/etc/netns/{self.name}"
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=20)
        made = subprocess.run(["ip", "netns", "add", self.name], capture_output=True, text=True, timeout=20)
        if made.returncode != 0:
            pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True, timeout=20)
        os.makedirs(self.etc, exist_ok=True)
        with open(f"{self.etc}/resolv.conf", "w") as f:
            f.write(f"nameserver {DNS_IP}\noptions timeout:1 attempts:2\n")
        with open(f"{self.etc}/hosts", "w") as f:  # only DNS knows the guide's names
            f.write("127.0.0.1 localhost\n")

    def cmd(self, args):
        return ["ip", "netns", "exec", self.name, *args]

    def run(self, args, timeout=30):
        return subprocess.run(self.cmd(args), capture_output=True, text=True, timeout=timeout)

    def start(self, args, log_path, env=None):
        # `ip netns exec` execs the command: the PID is the command's own.
        return self.procs.start(self.cmd(args), log_path=log_path, env=env)

    def start_dns(self, tmp, srv_records):
        """dnsmasq answering only from its flags: SRV records plus the guide's A records."""
        args = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--user=root", "--pid-file", f"--listen-address={DNS_IP}", "--bind-interfaces", "--port=53"]
        for service, name, port in srv_records:
            args.append(f"--srv-host={service}.{DOMAIN},{host(name)},{port},0,10")
        for name, ip in IPS.items():
            args.append(f"--host-record={host(name)},{ip}")
        p = self.start(args, log_path=str(tmp / "dnsmasq.log"))
        wait_until(lambda: p.poll() is not None or IPS["infra0"] in self.run(["getent", "hosts", host("infra0")]).stdout,
                   timeout=20, what="dnsmasq answering")
        assert p.poll() is None, (tmp / "dnsmasq.log").read_text()
        return p

    def delete(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=20)
        shutil.rmtree(self.etc, ignore_errors=True)


@pytest.fixture
def netns(procs):
    if shutil.which("dnsmasq") is None:
        pytest.fail("dnsmasq is missing: run scripts/deps.sh (package dnsmasq-base)")
    ns = Namespace(procs)
    try:
        yield ns
    finally:
        procs.stop_all()  # everything inside goes before the namespace does
        ns.delete()


def member_args(binary, tmp, name, scheme="http", advertise_ip=False, extra=()):
    ip = IPS[name]
    advertised = ip if advertise_ip else host(name)
    return [binary, "--name", name, "--data-dir", str(tmp / f"{name}.etcd"),
            "--discovery-srv", DOMAIN,
            "--initial-advertise-peer-urls", f"{scheme}://{advertised}:2380",
            "--initial-cluster-token", "etcd-cluster-1", "--initial-cluster-state", "new",
            "--advertise-client-urls", f"http://{host(name)}:2379",
            "--listen-client-urls", f"http://{ip}:2379", "--listen-peer-urls", f"{scheme}://{ip}:2380", *extra]


def ctl(ns, *args):
    out = ns.run(["etcdctl", "--endpoints", f"http://{IPS['infra0']}:2379", "--command-timeout=5s", *args])
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def start_cluster(ns, tmp, args_of, env=None):
    started = {}
    for name in IPS:
        started[name] = ns.start(args_of(name), log_path=str(tmp / f"{name}.log"), env=env)
    for name, p in started.items():
        def healthy():
            out = ns.run(["curl", "-s", "--max-time", "1", f"http://{IPS[name]}:2379/health"])
            return '"health":"true"' in out.stdout
        wait_until(lambda: p.poll() is not None or healthy(), timeout=40, what=f"{name} healthy")
        assert p.poll() is None, (tmp / f"{name}.log").read_text()
    return started


def members(ns):
    return {m["name"]: m["peerURLs"] for m in json.loads(ctl(ns, "member", "list", "-w", "json"))["members"]}


def test_plain_srv_records_bootstrap_three_members(netns, etcd_bin, tmp_path):
    netns.start_dns(tmp_path, [("_etcd-server._tcp", n, 2380) for n in IPS])
    # infra1 advertises its IP: it finds itself through infra1.example.com's A record.
    start_cluster(netns, tmp_path, lambda n: member_args(etcd_bin, tmp_path, n, advertise_ip=(n == "infra1")))
    assert members(netns) == {n: [f"http://{host(n)}:2380"] for n in IPS}
    ctl(netns, "put", "srv", "plain")
    log = (tmp_path / "infra0.log").read_text()
    assert f"got bootstrap from DNS for etcd-server at infra0=http://{host('infra0')}:2380" in log


def test_srv_name_suffix_selects_the_records(netns, etcd_bin, tmp_path):
    # Decoys under the plain name point elsewhere; --discovery-srv-name foo reads only its own.
    records = [("_etcd-server-foo._tcp", n, 2380) for n in IPS] + [("_etcd-server._tcp", "infra0", 2999)]
    netns.start_dns(tmp_path, records)
    start_cluster(netns, tmp_path, lambda n: member_args(etcd_bin, tmp_path, n, extra=["--discovery-srv-name", "foo"]))
    assert members(netns) == {n: [f"http://{host(n)}:2380"] for n in IPS}


def test_ssl_srv_records_bootstrap_over_tls(netns, etcd_bin, tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    make_pki(pki)
    netns.start_dns(tmp_path, [("_etcd-server-ssl._tcp", n, 2380) for n in IPS])

    def args(n):
        tls = ["--peer-cert-file", str(pki / f"{n}.crt"), "--peer-key-file", str(pki / f"{n}.key"),
               "--peer-trusted-ca-file", str(pki / "ca.crt"), "--peer-client-cert-auth"]
        # infra1 is etcd 3.4 itself (it reads -ssl records): the same member IDs, one cluster.
        return member_args(REAL_ETCD if n == "infra1" else etcd_bin, tmp_path, n, scheme="https", extra=tls)
    start_cluster(netns, tmp_path, args)
    assert members(netns) == {n: [f"https://{host(n)}:2380"] for n in IPS}
    ctl(netns, "put", "srv", "tls")


def test_without_a_custom_ca_peers_prove_the_srv_domain(netns, etcd_bin, tmp_path):
    # No --peer-trusted-ca-file: the CA is trusted as a system root (SSL_CERT_FILE), and the
    # certificates name only the SRV domain and the IPs, not the targets' host names.
    pki = tmp_path / "pki"
    pki.mkdir()
    make_pki(pki, with_host_names=False)
    netns.start_dns(tmp_path, [("_etcd-server-ssl._tcp", n, 2380) for n in IPS])

    def args(n):
        tls = ["--peer-cert-file", str(pki / f"{n}.crt"), "--peer-key-file", str(pki / f"{n}.key")]
        return member_args(etcd_bin, tmp_path, n, scheme="https", extra=tls)
    start_cluster(netns, tmp_path, args, env={"SSL_CERT_FILE": str(pki / "ca.crt")})
    assert members(netns) == {n: [f"https://{host(n)}:2380"] for n in IPS}


def test_a_member_missing_from_the_records_is_refused_like_etcd(netns, etcd_bin, tmp_path):
    # -ssl records, which etcd 3.4.23 itself reads, so both report the same failure.
    netns.start_dns(tmp_path, [("_etcd-server-ssl._tcp", n, 2380) for n in ("infra0", "infra2")])
    line = 'C | etcdmain: error setting up initial cluster: cannot find local etcd member "infra1" in SRV records'
    for binary in (etcd_bin, REAL_ETCD):
        args = member_args(binary, tmp_path, "infra1", scheme="https")
        args[args.index("--listen-peer-urls") + 1] = f"http://{IPS['infra1']}:2380"  # no certificates needed
        out = netns.run(args, timeout=60)
        assert out.returncode == 1, out.stderr
        assert line in out.stderr, out.stderr


def test_etcd_34_itself_ignores_plain_records(netns, tmp_path):
    """The 3.4.23 bug the guide does not have (fixed in 3.5): plain records alone fail there."""
    netns.start_dns(tmp_path, [("_etcd-server._tcp", n, 2380) for n in IPS])
    out = netns.run(member_args(REAL_ETCD, tmp_path, "infra0"), timeout=60)
    assert out.returncode == 1
    assert "error querying DNS SRV records for _etcd-server-ssl" in out.stderr, out.stderr


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(d, with_host_names=True):
    """A CA and one certificate per member carrying the SRV domain, its name and its IP."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=srv-ca", cwd=d)
    for n, ip in IPS.items():
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{n}.key", "-out", f"{n}.csr",
                "-subj", f"/CN={n}", cwd=d)
        names = f"DNS:{DOMAIN},DNS:{host(n)}" if with_host_names else f"DNS:{DOMAIN}"
        (d / f"{n}.ext").write_text(f"subjectAltName={names},IP:{ip}\n"
                                    "extendedKeyUsage=serverAuth,clientAuth\n")
        openssl("x509", "-req", "-in", f"{n}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{n}.crt", "-days", "2", "-extfile", f"{n}.ext", cwd=d)


def gateway_entries(path):
    return {e["msg"]: e for e in (json.loads(l) for l in path.read_text().splitlines() if l.startswith("{"))}


def test_gateway_finds_the_members_from_client_srv_records_like_etcd(netns, etcd_bin, tmp_path):
    netns.start_dns(tmp_path, [("_etcd-server._tcp", n, 2380) for n in IPS] +
                    [("_etcd-client._tcp", n, 2379) for n in IPS])
    start_cluster(netns, tmp_path, lambda n: member_args(etcd_bin, tmp_path, n))
    ready = {}
    for who, binary, ip in (("ours", etcd_bin, "127.0.12.20"), ("etcd", REAL_ETCD, "127.0.12.21")):
        log = tmp_path / f"gateway-{who}.log"
        netns.start([binary, "gateway", "start", "--discovery-srv", DOMAIN, "--insecure-discovery",
                     "--listen-addr", f"{ip}:23790"], log_path=str(log))
        wait_until(lambda: "ready to proxy client requests" in gateway_entries(log), what=f"{who}'s gateway")
        ready[who] = gateway_entries(log)
        out = netns.run(["etcdctl", "--endpoints", f"{ip}:23790", "--command-timeout=5s", "put", "via", who])
        assert out.returncode == 0, out.stderr
    # Go orders records of equal priority by a weighted random draw: compare as sets.
    def endpoints(who, msg):
        return sorted(ready[who][msg]["endpoints"])
    assert endpoints("ours", "ready to proxy client requests") == \
        endpoints("etcd", "ready to proxy client requests") == [f"{host(n)}.:2379" for n in IPS]
    assert endpoints("ours", "discovered cluster from SRV") == endpoints("etcd", "discovered cluster from SRV") == \
        [f"http://{host(n)}.:2379" for n in IPS]
    assert ctl(netns, "get", "via", "--print-value-only") == "etcd\n"
