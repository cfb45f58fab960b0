"""The clustering guide's TLS clusters: client and peer certificate authentication with a
self-made CA, a peer from another CA refused, auto-TLS, certificate rotation, and other
clients (Python gRPC, node etcd3) over TLS."""
import json
import os
import shutil
import subprocess

import pytest

from etcdpp_e2e import build_dir, wait_until

IPS = ["127.0.5.10", "127.0.5.11", "127.0.5.12", "127.0.5.13"]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def issue(ca, name, cn, ext, cwd):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={cn}", cwd=cwd)
    (cwd / f"{name}.ext").write_text(ext + "\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=cwd)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.crt",
                "-days", "2", "-subj", f"/CN={ca}", cwd=d)
    for i, ip in enumerate(IPS):
        # The fourth member's certificate comes from the other CA.
        issue("ca" if i < 3 else "other-ca", f"m{i}", f"m{i}",
              f"subjectAltName=IP:{ip}\nextendedKeyUsage=serverAuth,clientAuth", d)
    issue("ca", "client", "root", "extendedKeyUsage=clientAuth", d)
    issue("other-ca", "stranger", "root", "extendedKeyUsage=clientAuth", d)
    return d


def peer(i, scheme="https"):
    return f"{scheme}://{IPS[i]}:2380"


def client(i, scheme="https"):
    return f"{scheme}://{IPS[i]}:2379"


def start(procs, binary, tmp, i, cluster, tls_flags, state="new"):
    args = [binary, "--name", f"m{i}", "--data-dir", str(tmp / f"m{i}.etcd"),
            "--listen-client-urls", client(i), "--advertise-client-urls", client(i),
            "--listen-peer-urls", peer(i), "--initial-advertise-peer-urls", peer(i),
            "--initial-cluster", cluster, "--initial-cluster-token", "tls-cluster",
            "--initial-cluster-state", state, *tls_flags]
    return procs.start(args, log_path=str(tmp / f"m{i}.log"), cwd=str(tmp))


def guide_flags(pki, i):
    """The guide's flags: client and peer certificate authentication with one CA."""
    return ["--client-cert-auth", "--trusted-ca-file", str(pki / "ca.crt"),
            "--cert-file", str(pki / f"m{i}.crt"), "--key-file", str(pki / f"m{i}.key"),
            "--peer-client-cert-auth", "--peer-trusted-ca-file", str(pki / "ca.crt"),
            "--peer-cert-file", str(pki / f"m{i}.crt"), "--peer-key-file", str(pki / f"m{i}.key")]


def ctl(i, *args, creds=(), check=True):
    out = subprocess.run(["etcdctl", "--endpoints", client(i), "--command-timeout=5s", "--dial-timeout=3s",
                          *creds, *args], capture_output=True, text=True, timeout=30)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def good(pki):
    return ["--cacert", str(pki / "ca.crt"), "--cert", str(pki / "client.crt"), "--key", str(pki / "client.key")]


def log(tmp, i):
    return (tmp / f"m{i}.log").read_text(errors="replace")


@pytest.fixture
def tls_cluster(procs, etcd_bin, tmp_path, pki):
    cluster = ",".join(f"m{i}={peer(i)}" for i in range(3))
    proc = [start(procs, etcd_bin, tmp_path, i, cluster, guide_flags(pki, i)) for i in range(3)]
    for i in range(3):
        wait_until(lambda: proc[i].poll() is not None or
                   ctl(i, "endpoint", "health", creds=good(pki), check=False).returncode == 0,
                   timeout=40, what=f"m{i} healthy over TLS")
        assert proc[i].poll() is None, log(tmp_path, i)
    return proc


def test_guide_tls_cluster_with_client_and_peer_certificates(tls_cluster, pki):
    ctl(0, "put", "secure", "yes", creds=good(pki))
    for i in range(3):
        assert ctl(i, "get", "secure", "--print-value-only", creds=good(pki)).stdout.strip() == "yes"
    members = json.loads(ctl(1, "member", "list", "-w", "json", creds=good(pki)).stdout)["members"]
    assert sorted(m["peerURLs"][0] for m in members) == [peer(i) for i in range(3)]
    # No client certificate, or one from another CA: refused at the handshake.
    assert ctl(0, "get", "secure", creds=["--cacert", str(pki / "ca.crt")], check=False).returncode != 0
    stranger = ["--cacert", str(pki / "ca.crt"), "--cert", str(pki / "stranger.crt"), "--key", str(pki / "stranger.key")]
    assert ctl(0, "get", "secure", creds=stranger, check=False).returncode != 0
    curl = ["curl", "-s", "--cacert", str(pki / "ca.crt"), "--cert", str(pki / "client.crt"),
            "--key", str(pki / "client.key")]
    health = subprocess.run([*curl, client(2) + "/health"], capture_output=True, text=True, timeout=30)
    assert json.loads(health.stdout) == {"health": "true"}
    rng = subprocess.run([*curl, client(2) + "/v3/kv/range", "-d", '{"key":"c2VjdXJl"}'],
                         capture_output=True, text=True, timeout=30)
    assert json.loads(rng.stdout)["kvs"][0]["value"] == "eWVz"


def test_python_grpc_client_over_tls(tls_cluster, pki):
    import etcd3
    c = etcd3.client(host=IPS[1], port=2379, ca_cert=str(pki / "ca.crt"), cert_key=str(pki / "client.key"),
                     cert_cert=str(pki / "client.crt"))
    c.put("py", "tls")
    assert c.get("py")[0] == b"tls"
    c.close()


NODE_SCRIPT = """
const { Etcd3 } = require('etcd3');
const fs = require('fs');
const [host, ca, cert, key] = process.argv.slice(2);
const client = new Etcd3({ hosts: host, credentials: {
  rootCertificate: fs.readFileSync(ca), certChain: fs.readFileSync(cert), privateKey: fs.readFileSync(key) } });
(async () => {
  await client.put('node').value('tls');
  console.log(await client.get('node').string());
  client.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def node_etcd3():
    """The npm etcd3 client, installed once into the build dir; None without npm access."""
    prefix = build_dir() / "node-etcd3"
    if not (prefix / "node_modules" / "etcd3").exists():
        if shutil.which("npm") is None:
            return None
        out = subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "etcd3@1.1.2"],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            return None
    return prefix


def test_node_etcd3_client_over_tls(tls_cluster, pki, tmp_path):
    prefix = node_etcd3()
    if prefix is None:
        pytest.skip("npm registry not reachable for the etcd3 package")
    script = tmp_path / "put.js"
    script.write_text(NODE_SCRIPT)
    out = subprocess.run(["node", str(script), f"{IPS[0]}:2379", str(pki / "ca.crt"), str(pki / "client.crt"),
                          str(pki / "client.key")], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "NODE_PATH": str(prefix / "node_modules")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tls"


def test_peer_from_another_ca_cannot_join(tls_cluster, procs, etcd_bin, tmp_path, pki):
    # (Retried while the members have been connected for less than etcd's 5 s.)
    wait_until(lambda: ctl(0, "member", "add", "m3", f"--peer-urls={peer(3)}", creds=good(pki),
                           check=False).returncode == 0, timeout=30, what="member add")
    cluster = ",".join(f"m{i}={peer(i)}" for i in range(4))
    flags = guide_flags(pki, 3)
    flags[flags.index(str(pki / "ca.crt"), flags.index("--peer-trusted-ca-file"))] = str(pki / "other-ca.crt")
    p = start(procs, etcd_bin, tmp_path, 3, cluster, flags, state="existing")
    wait_until(lambda: p.poll() is not None, timeout=60, what="the stranger to give up")
    assert p.returncode == 1
    assert "cannot fetch cluster info from peer urls" in log(tmp_path, 3)
    assert "x509: certificate signed by unknown authority" in log(tmp_path, 3)
    # The members it tried say why, in etcd's words (its connections come from 127.0.0.1).
    assert any('rejected connection from "127.0.0.1:' in log(tmp_path, i) and
               '(error "remote error: tls: bad certificate", ServerName "")' in log(tmp_path, i)
               for i in range(3)), log(tmp_path, 0)


def test_auto_tls_cluster(procs, etcd_bin, tmp_path):
    cluster = ",".join(f"m{i}={peer(i)}" for i in range(3))
    flags = ["--auto-tls", "--peer-auto-tls"]
    proc = [start(procs, etcd_bin, tmp_path, i, cluster, flags) for i in range(3)]
    insecure = ["--insecure-transport=false", "--insecure-skip-tls-verify"]
    for i in range(3):
        wait_until(lambda: proc[i].poll() is not None or
                   ctl(i, "endpoint", "health", creds=insecure, check=False).returncode == 0,
                   timeout=40, what=f"m{i} healthy with auto-TLS")
        assert proc[i].poll() is None, log(tmp_path, i)
    ctl(0, "put", "auto", "tls", creds=insecure)
    assert ctl(2, "get", "auto", "--print-value-only", creds=insecure).stdout.strip() == "tls"
    fixtures = tmp_path / "m1.etcd" / "fixtures"
    cert = (fixtures / "peer" / "cert.pem").read_bytes()
    assert (fixtures / "client" / "key.pem").stat().st_mode & 0o777 == 0o600
    text = subprocess.run(["openssl", "x509", "-noout", "-text"], input=cert, capture_output=True, timeout=30).stdout
    assert b"IP Address:127.0.5.11" in text and b"O = etcd" in text
    # A restart reuses the certificates it made.
    procs.stop(proc[1])
    proc[1] = start(procs, etcd_bin, tmp_path, 1, cluster, flags)
    wait_until(lambda: ctl(1, "endpoint", "health", creds=insecure, check=False).returncode == 0, timeout=40,
               what="m1 back")
    assert (fixtures / "peer" / "cert.pem").read_bytes() == cert


def test_server_certificate_rotation_keeps_running_clients(tls_cluster, pki, tmp_path):
    import etcd3
    c = etcd3.client(host=IPS[0], port=2379, ca_cert=str(pki / "ca.crt"), cert_key=str(pki / "client.key"),
                     cert_cert=str(pki / "client.crt"))
    c.put("before", "1")
    # Replace m0's client certificate files in place with a new certificate.
    issue("ca", "renewed", "renewed-m0", f"subjectAltName=IP:{IPS[0]}\nextendedKeyUsage=serverAuth,clientAuth", pki)
    for ext in ("key", "crt"):  # kept, so that later tests get m0's own certificate back
        shutil.copy(pki / f"m0.{ext}", tmp_path / f"m0.{ext}")
    shutil.copy(pki / "renewed.key", pki / "m0.key")
    shutil.copy(pki / "renewed.crt", pki / "m0.crt")
    try:
        check_rotation(c, pki)
    finally:
        for ext in ("key", "crt"):
            shutil.copy(tmp_path / f"m0.{ext}", pki / f"m0.{ext}")
    c.close()


def check_rotation(c, pki):

    def served_cn():
        out = subprocess.run(["openssl", "s_client", "-connect", f"{IPS[0]}:2379", "-CAfile", str(pki / "ca.crt"),
                              "-cert", str(pki / "client.crt"), "-key", str(pki / "client.key")],
                             input="", capture_output=True, text=True, timeout=30)
        return "renewed-m0" in out.stdout
    wait_until(served_cn, timeout=20, what="new connections to get the new certificate")
    c.put("after", "2")  # the connection made before the change still works
    assert c.get("before")[0] == b"1"
    ctl(0, "get", "after", creds=good(pki))


@pytest.mark.parametrize("case", ["missing", "mismatch", "no-ca", "cipher"])
def test_wrong_tls_configuration_fails_at_start(etcd_bin, tmp_path, pki, case):
    urls = ["--listen-client-urls", client(0), "--advertise-client-urls", client(0)]
    cert, key = str(pki / "m0.crt"), str(pki / "m0.key")
    flags, expected = {
        "missing": (["--cert-file", str(tmp_path / "nope.crt"), "--key-file", key],
                    f"C | etcdmain: open {tmp_path / 'nope.crt'}: no such file or directory"),
        "mismatch": (["--cert-file", cert, "--key-file", str(pki / "m1.key")],
                     "C | etcdmain: tls: private key does not match public key"),
        "no-ca": (["--cert-file", cert, "--key-file", key, "--client-cert-auth"],
                  "C | etcdmain: --client-cert-auth requires --trusted-ca-file"),
        "cipher": (["--cert-file", cert, "--key-file", key, "--cipher-suites", "TLS_RSA_WITH_NOTHING"],
                   'C | etcdmain: unexpected TLS cipher suite "TLS_RSA_WITH_NOTHING"'),
    }[case]
    out = subprocess.run([etcd_bin, "--data-dir", str(tmp_path / "d"), *urls, *flags], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 1
    assert expected in out.stderr, out.stderr


def test_cipher_suites_limit_what_clients_may_use(procs, etcd_bin, tmp_path, pki):
    flags = ["--cert-file", str(pki / "m0.crt"), "--key-file", str(pki / "m0.key"),
             "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    p = procs.start([etcd_bin, "--data-dir", str(tmp_path / "d"), "--listen-client-urls", client(0),
                     "--advertise-client-urls", client(0), "--listen-peer-urls", peer(0, "http"),
                     "--initial-advertise-peer-urls", peer(0, "http"), "--initial-cluster", f"default={peer(0, 'http')}",
                     *flags], log_path=str(tmp_path / "m.log"), cwd=str(tmp_path))
    creds = ["--cacert", str(pki / "ca.crt")]
    wait_until(lambda: p.poll() is not None or ctl(0, "endpoint", "health", creds=creds, check=False).returncode == 0,
               timeout=30, what="the member")

    def handshake(cipher):
        out = subprocess.run(["openssl", "s_client", "-connect", f"{IPS[0]}:2379", "-tls1_2", "-cipher", cipher,
                              "-CAfile", str(pki / "ca.crt")], input="", capture_output=True, text=True, timeout=30)
        return "Cipher is " + cipher in out.stdout
    assert handshake("ECDHE-RSA-AES128-GCM-SHA256")
    assert not handshake("ECDHE-RSA-AES256-GCM-SHA384")


def revoke(pki, name):
    """A CRL from the CA listing `name`'s certificate (openssl ca needs a tiny database)."""
    db = pki / f"crl-{name}"
    db.mkdir()
    (db / "index.txt").write_text("")
    (db / "crlnumber").write_text("01\n")
    (db / "ca.cnf").write_text(f"[ca]\ndefault_ca=d\n[d]\ndatabase={db}/index.txt\ncrlnumber={db}/crlnumber\n"
                               "default_md=sha256\ndefault_crl_days=2\n")
    openssl("ca", "-config", str(db / "ca.cnf"), "-revoke", f"{name}.crt", "-keyfile", "ca.key", "-cert", "ca.crt",
            cwd=pki)
    openssl("ca", "-config", str(db / "ca.cnf"), "-gencrl", "-keyfile", "ca.key", "-cert", "ca.crt",
            "-out", str(db / "crl.pem"), cwd=pki)
    return db / "crl.pem"


def test_client_crl_and_peer_allowed_cn(procs, etcd_bin, tmp_path, pki):
    issue("ca", "revoked", "root", "extendedKeyUsage=clientAuth", pki)
    crl = revoke(pki, "revoked")
    cluster = ",".join(f"m{i}={peer(i)}" for i in range(2))
    # m1 accepts peer certificates of one CN only, which m0's is not.
    proc = [start(procs, etcd_bin, tmp_path, i, cluster,
                  guide_flags(pki, i) + ["--client-crl-file", str(crl)] +
                  (["--peer-cert-allowed-cn", "someone-else"] if i == 1 else [])) for i in range(2)]
    wait_until(lambda: "CommonName" in log(tmp_path, 1) or proc[1].poll() is not None, timeout=30,
               what="m1 to refuse m0's certificate")
    assert 'rejected connection from "127.0.0.1:' in log(tmp_path, 1)
    assert "x509: certificate CommonName m0 is not allowed" in log(tmp_path, 1)
    # The client port: a revoked certificate is refused, a good one would be served.
    revoked = ["--cacert", str(pki / "ca.crt"), "--cert", str(pki / "revoked.crt"), "--key", str(pki / "revoked.key")]
    out = ctl(0, "endpoint", "health", creds=revoked, check=False)
    assert out.returncode != 0
    assert "x509: certificate revoked" in log(tmp_path, 0)


def test_http_https_and_unixs_client_listeners_on_one_member(procs, etcd_bin, tmp_path, pki):
    # etcd's unix URLs name the socket by their host:port, in the working directory.
    listen = f"http://{IPS[1]}:2379,{client(0)},unixs://etcd.sock:1"
    p = procs.start([etcd_bin, "--data-dir", str(tmp_path / "d"), "--listen-client-urls", listen,
                     "--advertise-client-urls", client(0), "--listen-peer-urls", peer(0, "http"),
                     "--initial-advertise-peer-urls", peer(0, "http"), "--initial-cluster", f"default={peer(0, 'http')}",
                     "--cert-file", str(pki / "m0.crt"), "--key-file", str(pki / "m0.key")],
                    log_path=str(tmp_path / "m.log"), cwd=str(tmp_path))
    plain = ["etcdctl", "--endpoints", f"http://{IPS[1]}:2379"]
    wait_until(lambda: p.poll() is not None or
               subprocess.run([*plain, "endpoint", "health"], capture_output=True, timeout=30).returncode == 0,
               timeout=30, what="the member")
    assert p.poll() is None, (tmp_path / "m.log").read_text()
    subprocess.run([*plain, "put", "mixed", "1"], check=True, capture_output=True, timeout=30)
    assert ctl(0, "get", "mixed", "--print-value-only", creds=["--cacert", str(pki / "ca.crt")]).stdout.strip() == "1"
    out = subprocess.run(["curl", "-s", "--unix-socket", str(tmp_path / "etcd.sock:1"), "-k", "https://localhost/health"],
                         capture_output=True, text=True, timeout=30)
    assert json.loads(out.stdout) == {"health": "true"}
