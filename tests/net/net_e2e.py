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


def curl(*args, timeout=10, input_=None):
    return subprocess.run(["curl", "-sS", "--max-time", "5", *args], capture_output=True, timeout=timeout,
                          input=input_)


# --- hand-made HTTP/2 frames, for clients that misbehave on purpose -----------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 7, 8
END_STREAM, END_HEADERS = 0x1, 0x4


def frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def hpack_literal(name, value):
    """A header as 'literal without indexing, new name' (no Huffman); short strings only."""
    name, value = name.encode(), value.encode()
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def grpc_request_frames(path, stream=1, end_stream=True, body=b""):
    block = b"".join(hpack_literal(k, v) for k, v in [
        (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
        ("content-type", "application/grpc"), ("te", "trailers")])
    out = frame(HEADERS, END_HEADERS, stream, block)
    if body or end_stream:
        out += frame(DATA, END_STREAM if end_stream else 0, stream, body)
    return out


def client_start(initial_window=None):
    """Preface and SETTINGS; with initial_window, also opens the connection window that far."""
    settings = b""
    if initial_window is not None:
        settings = (4).to_bytes(2, "big") + initial_window.to_bytes(4, "big")
    out = PREFACE + frame(SETTINGS, 0, 0, settings)
    if initial_window is not None:
        out += frame(WINDOW_UPDATE, 0, 0, (initial_window - 65535).to_bytes(4, "big"))
    return out


def read_frames(sock, until, timeout=10):
    """Reads frames until until(kind, flags, stream, payload) is true; returns all read."""
    import socket as _socket
    import time
    sock.settimeout(timeout)
    buf, frames = b"", []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
            n = int.from_bytes(buf[:3], "big")
            f = (buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF, buf[9:9 + n])
            buf = buf[9 + n:]
            frames.append(f)
            if until(*f):
                return frames
        try:
            chunk = sock.recv(65536)
        except _socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    return frames
