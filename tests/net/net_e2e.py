"""Helpers for the net end-to-end tests: starting net_testd, raw gRPC calls, memory."""
import os
import pathlib
import subprocess

import grpc

from etcdpp_e2e import build_dir, free_port, port_open, wait_until

SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}


def net_testd_path():
    path = build_dir() / "bin" / "net_testd"
    assert path.exists(), f"{path} is missing: build first"
    return str(path)


def start_testd(procs, tmp_path, urls=None, extra=(), port=None):
    """Starts net_testd; returns (process, host:port of the first TCP URL)."""
    port = port or free_port()
    urls = urls or [f"http://127.0.0.1:{port}"]
    log = tmp_path / f"net_testd-{port}.log"
    p = procs.start([net_testd_path(), "--listen-urls", ",".join(urls), *extra], log_path=str(log))
    wait_until(lambda: p.poll() is not None or _ready(log), timeout=15, what="net_testd ready")
    assert p.poll() is None, log.read_text()
    return p, f"127.0.0.1:{port}"


def _ready(log):
    try:
        return pathlib.Path(log).read_text().startswith("ready")
    except FileNotFoundError:
        return False


def unary(channel, method, request=b"", timeout=10, metadata=None):
    return channel.unary_unary(method)(request, timeout=timeout, metadata=metadata)


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def curl(*args, timeout=10):
    return subprocess.run(["curl", "-sS", "--max-time", "5", *args], capture_output=True, timeout=timeout)
