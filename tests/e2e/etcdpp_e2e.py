"""Helpers for end-to-end tests: locating binaries, free loopback ports, processes.

Every process is started through a ProcessGroup and stopped by its PID; every wait is
bounded by a deadline.
"""
import os
import pathlib
import signal
import socket
import subprocess
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
