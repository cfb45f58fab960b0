"""Helpers for end-to-end tests: locating binaries, free loopback ports, processes.

Every process is started through a ProcessGroup and stopped by its PID; every wait is
bounded by a deadline.
"""
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build_dir():
    return pathlib.Path(os.environ.get("ETCDPP_BUILD_DIR", ROOT / "build"))


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def peak_rss_kb(pid):
    """VmHWM of a running process, in KiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


class ProcessGroup:
    """The processes one test started; stop_all() ends each by PID."""

    def __init__(self):
        self.procs = []

    def start(self, args, env=None, log_path=None, cwd=None):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL
        p = subprocess.Popen(args, env=full_env, stdout=out, stderr=subprocess.STDOUT
                             if log_path else subprocess.DEVNULL, cwd=cwd,
                             start_new_session=True)
        p.log_path = log_path
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=timeout)
        return p.returncode

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)
        self.procs.clear()


class Member:
    """One etcd member (ours or etcd 3.4's) on loopback ports, in its own data dir."""

    def __init__(self, procs, binary, workdir, name="default"):
        self.procs = procs
        self.binary = binary
        self.workdir = pathlib.Path(workdir)
        self.name = name
        self.client_port = free_port()
        self.peer_port = free_port()
        self.client_url = f"http://127.0.0.1:{self.client_port}"
        self.peer_url = f"http://127.0.0.1:{self.peer_port}"
        self.proc = None
        self.log_path = self.workdir / f"{name}.log"

    def args(self, extra=()):
        return [self.binary, "--name", self.name,
                "--data-dir", str(self.workdir / f"{self.name}.etcd"),
                "--listen-client-urls", self.client_url,
                "--advertise-client-urls", self.client_url,
                "--listen-peer-urls", self.peer_url,
                "--initial-advertise-peer-urls", self.peer_url,
                "--initial-cluster", f"{self.name}={self.peer_url}", *extra]

    def start(self, extra=(), timeout=20):
        self.proc = self.procs.start(self.args(extra), log_path=str(self.log_path), cwd=str(self.workdir))
        wait_until(lambda: self.proc.poll() is not None or self.healthy(), timeout=timeout,
                   what=f"{self.name} to serve clients")
        assert self.proc.poll() is None, self.log()
        return self

    def healthy(self):
        import urllib.request
        try:
            with urllib.request.urlopen(self.client_url + "/health", timeout=1) as r:
                return b'"true"' in r.read()
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM):
        return self.procs.stop(self.proc, sig=sig)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ctl(self, *args, input=None, check=True, timeout=20):
        """Runs the real etcdctl (v3) against this member."""
        out = subprocess.run(["etcdctl", "--endpoints", self.client_url, "--command-timeout=5s", *args],
                             input=input, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, "ETCDCTL_API": "3"})
        if check:
            assert out.returncode == 0, f"etcdctl {args}: {out.stdout}{out.stderr}"
        return out


class Writer:
    """Puts keys "<prefix><n:07d>" through one member until stopped; remembers which were
    acknowledged (a write refused while the cluster changes is not)."""

    def __init__(self, host, port=2379, prefix="w"):
        import etcd3
        self.client = etcd3.client(host=host, port=port, timeout=10)
        self.prefix = prefix
        self.acked, self.stop_flag = [], threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def key(self, n):
        return f"{self.prefix}{n:07d}"

    def run(self):
        for n in range(1_000_000):
            if self.stop_flag.is_set():
                return
            try:
                self.client.put(self.key(n), str(n))
                self.acked.append(n)
            except Exception:
                pass

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=60)
        self.client.close()


def assert_same_session(run_session, procs, etcd_bin, tmp_path):
    """Runs `run_session(procs, binary, workdir) -> transcript` against our binary and then
    against etcd 3.4 (same addresses, so the same IDs) and asserts the transcripts are
    equal; both are kept in tmp_path and the assertion shows their diff."""
    import difflib
    import shutil
    import pytest
    if shutil.which("etcd") is None:
        pytest.skip("etcd 3.4 is not installed")
    ours = run_session(procs, etcd_bin, tmp_path / "ours")
    theirs = run_session(procs, shutil.which("etcd"), tmp_path / "etcd")
    (tmp_path / "ours.txt").write_text(ours)
    (tmp_path / "etcd.txt").write_text(theirs)
    diff = "".join(difflib.unified_diff(theirs.splitlines(True), ours.splitlines(True), "etcd 3.4", "etcdpp"))
    assert ours == theirs, diff


def cluster_member_args(binary, name, ip, data_dir, initial_cluster, token, state="new"):
    """The flags of member `name` of a static cluster whose members listen on <ip>:2379
    (clients) and <ip>:2380 (peers)."""
    return [binary, "--name", name, "--data-dir", str(data_dir),
            "--initial-advertise-peer-urls", f"http://{ip}:2380",
            "--listen-peer-urls", f"http://{ip}:2380",
            "--listen-client-urls", f"http://{ip}:2379",
            "--advertise-client-urls", f"http://{ip}:2379",
            "--initial-cluster-token", token, "--initial-cluster", initial_cluster,
            "--initial-cluster-state", state]
