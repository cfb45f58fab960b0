"""The member's client port over TLS: etcdctl and curl with the guide's certificate flags."""
import subprocess

from etcdpp_e2e import Member, wait_until
from test_net_tls import certs, tls_flags  # noqa: F401  (certs is a fixture)


def https_member(procs, etcd_bin, tmp_path, certs, client_auth):
    m = Member(procs, etcd_bin, tmp_path)
    m.client_url = m.client_url.replace("http://", "https://")
    m.proc = procs.start(m.args(tls_flags(certs, client_auth)), log_path=str(m.log_path), cwd=str(tmp_path))
    return m


def ctl(m, certs, *args, client_cert=True, check=True):
    flags = ["--cacert", str(certs / "ca.crt")]
    if client_cert:
        flags += ["--cert", str(certs / "client.crt"), "--key", str(certs / "client.key")]
    out = subprocess.run(["etcdctl", "--endpoints", m.client_url, "--command-timeout=5s", *flags, *args],
                         capture_output=True, text=True, timeout=30)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr + m.log()
    return out


def test_client_certificate_auth_over_https(procs, etcd_bin, tmp_path, certs):
    m = https_member(procs, etcd_bin, tmp_path, certs, client_auth=True)
    wait_until(lambda: m.proc.poll() is not None or ctl(m, certs, "endpoint", "health", check=False).returncode == 0,
               timeout=30, what="the https member")
    assert m.proc.poll() is None, m.log()
    assert ctl(m, certs, "put", "secure", "yes").stdout.strip() == "OK"
    assert ctl(m, certs, "get", "secure", "--print-value-only").stdout.strip() == "yes"
    refused = ctl(m, certs, "get", "secure", client_cert=False, check=False)
    assert refused.returncode != 0
    health = subprocess.run(["curl", "-s", "--cacert", str(certs / "ca.crt"), "--cert", str(certs / "client.crt"),
                             "--key", str(certs / "client.key"), m.client_url + "/health"],
                            capture_output=True, text=True, timeout=30)
    assert health.stdout == '{"health":"true"}'
    no_cert = subprocess.run(["curl", "-s", "--cacert", str(certs / "ca.crt"), m.client_url + "/health"],
                             capture_output=True, text=True, timeout=30)
    assert no_cert.returncode != 0
