"""TLS on the shared port: gRPC through ALPN h2 and HTTP/1.1 on one https listener,
client certificate auth, unix sockets, and start-up errors for bad certificate flags."""
import pathlib
import subprocess
import sys

import grpc
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "net"))
from net_e2e import SERVING, curl, start_testd, net_testd_path, unary  # noqa: E402
from etcdpp_e2e import free_port  # noqa: E402


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=test-ca", cwd=d)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                      ("client", "extendedKeyUsage=clientAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    return d


def tls_flags(certs, client_auth=False):
    flags = ["--cert-file", str(certs / "server.crt"), "--key-file", str(certs / "server.key"),
             "--trusted-ca-file", str(certs / "ca.crt")]
    return flags + (["--client-cert-auth"] if client_auth else [])


def creds(certs, with_client=False):
    root = (certs / "ca.crt").read_bytes()
    if not with_client:
        return grpc.ssl_channel_credentials(root_certificates=root)
    return grpc.ssl_channel_credentials(root_certificates=root,
                                        private_key=(certs / "client.key").read_bytes(),
                                        certificate_chain=(certs / "client.crt").read_bytes())


def test_https_port_serves_grpc_and_http1(procs, tmp_path, certs):
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"https://127.0.0.1:{port}"], extra=tls_flags(certs), port=port)
    with grpc.secure_channel(f"127.0.0.1:{port}", creds(certs)) as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING
    ca = str(certs / "ca.crt")
    out = curl("--http1.1", "--cacert", ca, f"https://127.0.0.1:{port}/version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == b'{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'
    out = curl("--http1.1", "--cacert", ca, f"https://127.0.0.1:{port}/health")
    assert out.stdout == b'{"health":"true"}'
    # curl offering h2 by ALPN gets the HTTP handlers over HTTP/2.
    out = curl("--http2", "-w", "%{http_version}", "--cacert", ca, f"https://127.0.0.1:{port}/health")
    assert out.stdout == b'{"health":"true"}2'


def test_plaintext_client_on_https_port_is_refused(procs, tmp_path, certs):
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"https://127.0.0.1:{port}"], extra=tls_flags(certs), port=port)
    out = curl(f"http://127.0.0.1:{port}/version")
    assert out.returncode != 0 or not out.stdout.startswith(b'{"etcdserver"')


def test_client_cert_auth_requires_a_client_certificate(procs, tmp_path, certs):
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"https://127.0.0.1:{port}"],
                extra=tls_flags(certs, client_auth=True), port=port)
    ca = str(certs / "ca.crt")
    assert curl("--cacert", ca, f"https://127.0.0.1:{port}/health").returncode != 0
    out = curl("--cacert", ca, "--cert", str(certs / "client.crt"), "--key", str(certs / "client.key"),
               f"https://127.0.0.1:{port}/health")
    assert out.stdout == b'{"health":"true"}'
    with grpc.secure_channel(f"127.0.0.1:{port}", creds(certs, with_client=True)) as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING
        # The certificate's CN is what etcd's authentication takes as the user name.
        assert unary(ch, "/nettest.Echo/PeerCommonName") == b"client"
    with grpc.secure_channel(f"127.0.0.1:{port}", creds(certs)) as ch:
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/grpc.health.v1.Health/Check", timeout=5)
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE


def test_same_address_as_http_and_https_serves_both(procs, tmp_path, certs):
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"http://127.0.0.1:{port}", f"https://127.0.0.1:{port}"],
                extra=tls_flags(certs), port=port)
    assert curl(f"http://127.0.0.1:{port}/health").stdout == b'{"health":"true"}'
    out = curl("--cacert", str(certs / "ca.crt"), f"https://127.0.0.1:{port}/health")
    assert out.stdout == b'{"health":"true"}'
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING
    with grpc.secure_channel(f"127.0.0.1:{port}", creds(certs)) as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING


def test_unix_and_unixs_sockets(procs, tmp_path, certs):
    plain, secure = tmp_path / "plain.sock", tmp_path / "secure.sock"
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"http://127.0.0.1:{port}", f"unix://{plain}", f"unixs://{secure}"],
                extra=tls_flags(certs), port=port)
    out = curl("--unix-socket", str(plain), "http://localhost/version")
    assert out.stdout == b'{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'
    out = curl("--unix-socket", str(secure), "--cacert", str(certs / "ca.crt"), "https://localhost/health")
    assert out.stdout == b'{"health":"true"}', out.stderr
    with grpc.insecure_channel(f"unix:{plain}") as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING


def run_testd(args):
    return subprocess.run([net_testd_path(), *args], capture_output=True, text=True, timeout=20)


def test_https_without_certificates_fails_at_start():
    url = f"https://127.0.0.1:{free_port()}"
    out = run_testd(["--listen-urls", url])
    assert out.returncode == 1
    assert (f"TLS key/cert (--cert-file, --key-file) must be provided for client url {url} "
            "with HTTPS scheme") in out.stderr


def test_missing_certificate_file_fails_at_start(tmp_path, certs):
    out = run_testd(["--listen-urls", f"https://127.0.0.1:{free_port()}",
                     "--cert-file", str(tmp_path / "nope.crt"), "--key-file", str(certs / "server.key")])
    assert out.returncode == 1
    assert f"open {tmp_path / 'nope.crt'}: no such file or directory" in out.stderr


def test_key_not_matching_certificate_fails_at_start(certs):
    out = run_testd(["--listen-urls", f"https://127.0.0.1:{free_port()}",
                     "--cert-file", str(certs / "server.crt"), "--key-file", str(certs / "client.key")])
    assert out.returncode == 1
    assert "private key does not match public key" in out.stderr


def served_common_name(port, ca):
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]


def test_certificate_files_replaced_on_disk_are_used_by_new_handshakes(procs, tmp_path, certs):
    import os
    import shutil
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(certs / "server.crt", live / "server.crt")
    shutil.copy(certs / "server.key", live / "server.key")
    port = free_port()
    start_testd(procs, tmp_path, urls=[f"https://127.0.0.1:{port}"], port=port,
                extra=["--cert-file", str(live / "server.crt"), "--key-file", str(live / "server.key")])
    ca = str(certs / "ca.crt")
    assert served_common_name(port, ca) == "server"
    # A new pair for another name (same CA), swapped in by rename as tools do.
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "next.key", "-out", "next.csr",
            "-subj", "/CN=renewed", cwd=live)
    (live / "next.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "next.csr", "-CA", str(certs / "ca.crt"), "-CAkey", str(certs / "ca.key"),
            "-CAcreateserial", "-out", "next.crt", "-days", "2", "-extfile", "next.ext", cwd=live)
    os.replace(live / "next.key", live / "server.key")
    os.replace(live / "next.crt", live / "server.crt")
    assert served_common_name(port, ca) == "renewed"
    out = curl("--cacert", ca, f"https://127.0.0.1:{port}/health")
    assert out.stdout == b'{"health":"true"}'
