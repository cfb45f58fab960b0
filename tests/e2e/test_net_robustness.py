"""Misbehaving clients: garbage, truncated prefaces, bogus message lengths, crowds of
idle connections and clients that stop reading. net_testd must stay up, keep its memory
bounded and keep serving everyone else."""
import os
import pathlib
import resource
import socket
import sys

import grpc
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "net"))
from net_e2e import (END_STREAM, GOAWAY, HEADERS, RST_STREAM, SERVING, client_start, curl,  # noqa: E402
                     grpc_request_frames, read_frames, rss_kib, start_testd, unary)
from etcdpp_e2e import wait_until  # noqa: E402

MIB = 1024


@pytest.fixture
def server(procs, tmp_path):
    p, addr = start_testd(procs, tmp_path)
    return p, addr


def healthy(addr):
    with grpc.insecure_channel(addr) as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING
    assert curl(f"http://{addr}/health").stdout == b'{"health":"true"}'
    return True


def connect(addr):
    host, port = addr.split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def test_random_bytes_are_dropped(server):
    p, addr = server
    for seed in range(5):
        with connect(addr) as s:
            s.sendall(os.urandom(64 * 1024) if seed else b"\x00" * 100)
            s.settimeout(5)
            try:
                while s.recv(65536):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
    with connect(addr) as s:  # valid preface, then garbage frames
        s.sendall(client_start() + os.urandom(4096))
        frames = read_frames(s, lambda k, f, st, pl: k == GOAWAY)
        assert any(k == GOAWAY for k, *_ in frames)
    assert p.poll() is None
    assert healthy(addr)


def test_truncated_preface_does_not_block_others(server):
    p, addr = server
    stalled = connect(addr)
    stalled.sendall(b"PRI * HTTP/2.0\r\n")
    with connect(addr) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nS")
    assert healthy(addr)
    stalled.close()
    assert p.poll() is None
    assert healthy(addr)


def test_bogus_100_mib_length_prefix_is_refused_without_allocating(server):
    p, addr = server
    before = rss_kib(p.pid)
    with connect(addr) as s:
        bogus = b"\x00\x06\x40\x00\x00" + b"x" * 1000  # claims 100 MiB
        s.sendall(client_start() + grpc_request_frames("/nettest.Echo/Unary", end_stream=False, body=bogus))
        frames = read_frames(s, lambda k, f, st, pl: st == 1 and (k == RST_STREAM or
                                                                 (k == HEADERS and f & END_STREAM)))
        assert any(st == 1 and k in (HEADERS, RST_STREAM) for k, f, st, pl in frames)
    assert rss_kib(p.pid) - before < 50 * MIB
    assert healthy(addr)


def test_thousand_idle_connections(server):
    p, addr = server
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    before = rss_kib(p.pid)
    conns = []
    try:
        for i in range(1000):
            s = connect(addr)
            if i % 2:
                s.sendall(client_start())  # half of them speak HTTP/2 and then idle
            conns.append(s)
        assert healthy(addr)
        # Generous: a few tens of KiB per idle connection at most.
        assert rss_kib(p.pid) - before < 100 * MIB
    finally:
        for s in conns:
            s.close()
    assert p.poll() is None
    assert healthy(addr)


def test_client_that_stops_reading_mid_stream(server):
    p, addr = server
    before = rss_kib(p.pid)
    s = connect(addr)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    # A 2 GiB window on the stream and the connection: only TCP holds the server back.
    request = b"\x00" + len(b"100000 65536").to_bytes(4, "big") + b"100000 65536"
    s.sendall(client_start(initial_window=2**31 - 1) +
              grpc_request_frames("/nettest.Echo/ServerStream", body=request))
    try:
        with grpc.insecure_channel(addr) as ch:
            # The stuck stream is active and stays so while others are served.
            wait_until(lambda: unary(ch, "/nettest.Echo/Stats").split()[2] == b"1", what="stream started")
            for _ in range(20):
                assert unary(ch, "/nettest.Echo/Unary", b"still here") == b"still here"
            body = unary(ch, "/nettest.Echo/Large", b"%d" % (3 << 20), timeout=30)
            assert len(body) == 3 << 20
            assert rss_kib(p.pid) - before < 100 * MIB
    finally:
        s.close()
    with grpc.insecure_channel(addr) as ch:
        wait_until(lambda: unary(ch, "/nettest.Echo/Stats").split()[2] == b"0", what="stream cancelled")
    assert healthy(addr)
