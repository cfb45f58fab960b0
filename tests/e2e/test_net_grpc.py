"""gRPC call shapes, deadlines, cancellation and limits against net_testd, driven by
the grpc-core Python client."""
import pathlib
import sys
import threading

import grpc
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "net"))
from net_e2e import start_testd, unary  # noqa: E402
from etcdpp_e2e import wait_until  # noqa: E402


@pytest.fixture
def server(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path, extra=["--max-request-bytes", "65536"])
    return addr


def stats(ch):
    cancelled, finished, active = unary(ch, "/nettest.Echo/Stats").split()
    return int(cancelled), int(finished), int(active)


def test_server_streaming_delivers_every_message(server):
    with grpc.insecure_channel(server) as ch:
        call = ch.unary_stream("/nettest.Echo/ServerStream")
        msgs = list(call(b"200 1000", timeout=20))
        assert len(msgs) == 200
        assert all(m == b"x" * 1000 for m in msgs)


def test_client_streaming_counts_messages(server):
    with grpc.insecure_channel(server) as ch:
        call = ch.stream_unary("/nettest.Echo/ClientStream")
        assert call(iter([b"a" * 10] * 50), timeout=10) == b"50 500"
        assert call(iter([]), timeout=10) == b"0 0"


def test_bidi_echoes_in_order(server):
    with grpc.insecure_channel(server) as ch:
        call = ch.stream_stream("/nettest.Echo/Bidi")
        requests = [b"m%d" % i for i in range(100)]
        assert list(call(iter(requests), timeout=10)) == requests


def test_large_unary_response(server):
    with grpc.insecure_channel(server, options=[("grpc.max_receive_message_length", 64 << 20)]) as ch:
        body = unary(ch, "/nettest.Echo/Large", b"%d" % (20 << 20), timeout=30)
        assert len(body) == 20 << 20


def test_request_over_limit_is_resource_exhausted(server):
    with grpc.insecure_channel(server) as ch:
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/nettest.Echo/Unary", b"x" * (65536 + 512 * 1024 + 1))
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "received message larger than max" in e.value.details()
        # The same connection keeps working.
        assert unary(ch, "/nettest.Echo/Unary", b"ok") == b"ok"


def test_deadline_exceeded_and_handler_learns_of_it(server):
    with grpc.insecure_channel(server) as ch:
        with pytest.raises(grpc.RpcError) as e:
            ch.unary_unary("/nettest.Echo/Hang")(b"", timeout=0.2)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        wait_until(lambda: stats(ch)[0] >= 1 and stats(ch)[2] == 0, what="handler cancelled")


def test_client_cancel_reaches_handler(server):
    with grpc.insecure_channel(server) as ch:
        future = ch.unary_unary("/nettest.Echo/Hang").future(b"", timeout=30)
        wait_until(lambda: stats(ch)[2] == 1, what="call started")
        future.cancel()
        wait_until(lambda: stats(ch) == (1, 0, 0), what="handler saw the cancel")


def test_connection_loss_cancels_handler(server):
    with grpc.insecure_channel(server) as probe:
        ch = grpc.insecure_channel(server)
        future = ch.unary_unary("/nettest.Echo/Hang").future(b"", timeout=30)
        wait_until(lambda: stats(probe)[2] == 1, what="call started")
        ch.close()
        wait_until(lambda: stats(probe)[2] == 0 and stats(probe)[0] == 1, what="handler cancelled")
        assert future.done()


def test_many_concurrent_calls_on_one_channel(server):
    with grpc.insecure_channel(server) as ch:
        call = ch.unary_unary("/nettest.Echo/Unary")
        futures = [call.future(b"r%d" % i, timeout=20) for i in range(300)]
        assert [f.result() for f in futures] == [b"r%d" % i for i in range(300)]


def test_calls_from_many_threads(server):
    errors = []

    def worker(n):
        try:
            with grpc.insecure_channel(server) as ch:
                for i in range(20):
                    assert unary(ch, "/nettest.Echo/Unary", b"%d-%d" % (n, i)) == b"%d-%d" % (n, i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
