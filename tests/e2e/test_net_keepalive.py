"""HTTP/2 connection management: SETTINGS_MAX_CONCURRENT_STREAMS, server keepalive
pings (--grpc-keepalive-interval/-timeout) and ping-rate enforcement
(--grpc-keepalive-min-time → GOAWAY ENHANCE_YOUR_CALM "too_many_pings")."""
import pathlib
import socket
import sys

import grpc

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "net"))
from net_e2e import (END_STREAM, GOAWAY, HEADERS, SETTINGS, client_start, frame,  # noqa: E402
                     grpc_request_frames, read_frames, start_testd, unary)
from etcdpp_e2e import wait_until  # noqa: E402

PING = 6
ENHANCE_YOUR_CALM = 0xB


def connect(addr):
    host, port = addr.split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def settings_of(frames):
    for kind, flags, stream, payload in frames:
        if kind == SETTINGS and not flags & 1:
            return {int.from_bytes(payload[i:i + 2], "big"): int.from_bytes(payload[i + 2:i + 6], "big")
                    for i in range(0, len(payload), 6)}
    return None


def test_max_concurrent_streams_is_advertised_and_honoured(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--max-concurrent-streams", "2"])
    with connect(addr) as s:
        s.sendall(client_start())
        frames = read_frames(s, lambda k, f, st, pl: k == SETTINGS and not f & 1)
        assert settings_of(frames)[3] == 2  # SETTINGS_MAX_CONCURRENT_STREAMS
    own = [("grpc.use_local_subchannel_pool", 1)]  # two real connections, not one shared
    with grpc.insecure_channel(addr, options=own) as ch, grpc.insecure_channel(addr, options=own) as probe:
        hang = ch.unary_unary("/nettest.Echo/Hang")
        futures = [hang.future(b"", timeout=30) for _ in range(4)]
        wait_until(lambda: unary(probe, "/nettest.Echo/Stats").split()[2] == b"2", what="two streams open")
        # The channel holds the other two back; the server never sees more than the limit.
        for _ in range(5):
            assert int(unary(probe, "/nettest.Echo/Stats").split()[2]) <= 2
        for f in futures:
            f.cancel()


def test_unanswered_keepalive_ping_closes_connection(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--grpc-keepalive-interval", "200ms",
                                                   "--grpc-keepalive-timeout", "200ms"])
    with connect(addr) as s:
        s.sendall(client_start())
        frames = read_frames(s, lambda k, f, st, pl: k == PING and not f & 1)
        assert any(k == PING for k, *_ in frames), "server never pinged"
        # We never acknowledge: the server must hang up.
        s.settimeout(10)
        closed = False
        for _ in range(1000):
            try:
                if not s.recv(65536):
                    closed = True
                    break
            except ConnectionResetError:
                closed = True
                break
        assert closed


def unary_frames(stream, payload):
    return grpc_request_frames("/nettest.Echo/Unary", stream=stream,
                               body=b"\x00" + len(payload).to_bytes(4, "big") + payload)


def answered(frames, stream):
    return any(k == HEADERS and f & END_STREAM and st == stream for k, f, st, pl in frames)


def test_answered_keepalive_pings_keep_the_connection(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--grpc-keepalive-interval", "100ms",
                                                   "--grpc-keepalive-timeout", "100ms"])
    with connect(addr) as s:
        s.sendall(client_start())
        for _ in range(3):
            frames = read_frames(s, lambda k, f, st, pl: k == PING and not f & 1)
            assert frames and frames[-1][0] == PING
            s.sendall(frame(PING, 1, 0, frames[-1][3]))
        # Still open and serving after three rounds.
        s.sendall(unary_frames(1, b"alive"))
        assert answered(read_frames(s, lambda k, f, st, pl: k == HEADERS and f & END_STREAM), 1)


def test_pinging_faster_than_min_time_gets_too_many_pings(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--grpc-keepalive-min-time", "10s"])
    with connect(addr) as s:
        s.sendall(client_start() + grpc_request_frames("/nettest.Echo/Hang", end_stream=False))
        for i in range(4):
            s.sendall(frame(PING, 0, 0, i.to_bytes(8, "big")))
        frames = read_frames(s, lambda k, f, st, pl: k == GOAWAY)
        goaway = [pl for k, f, st, pl in frames if k == GOAWAY]
        assert goaway, "no GOAWAY"
        assert int.from_bytes(goaway[0][4:8], "big") == ENHANCE_YOUR_CALM
        assert goaway[0][8:] == b"too_many_pings"


def test_two_ping_strikes_are_tolerated_and_our_data_resets_them(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--grpc-keepalive-min-time", "10s"])
    with connect(addr) as s:
        s.sendall(client_start() + grpc_request_frames("/nettest.Echo/Hang", end_stream=False))
        stream = 3
        for _ in range(3):
            for i in range(3):  # the first ping is free, the next two are strikes
                s.sendall(frame(PING, 0, 0, i.to_bytes(8, "big")))
                frames = read_frames(s, lambda k, f, st, pl: k == GOAWAY or (k == PING and f & 1))
                assert frames and frames[-1][0] == PING, "unexpected GOAWAY"
            # A response from the server (HEADERS/DATA) forgives the strikes, as in grpc-go.
            s.sendall(unary_frames(stream, b"x"))
            assert answered(read_frames(s, lambda k, f, st, pl: k == HEADERS and f & END_STREAM), stream)
            stream += 2
