"""One net_testd port serves gRPC (HTTP/2 cleartext) and HTTP/1.1 side by side."""
import pathlib
import sys

import grpc
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "net"))
from net_e2e import SERVING, curl, start_testd, unary  # noqa: E402


@pytest.fixture
def server(procs, tmp_path):
    _, addr = start_testd(procs, tmp_path)
    return addr


def test_grpc_health_check_answers_serving(server):
    with grpc.insecure_channel(server) as ch:
        assert unary(ch, "/grpc.health.v1.Health/Check") == SERVING


def test_grpc_health_check_unknown_service_is_not_found(server):
    with grpc.insecure_channel(server) as ch:
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/grpc.health.v1.Health/Check", b"\x0a\x03foo")
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        assert e.value.details() == "unknown service"


def test_version_over_http1_matches_etcd(server):
    out = curl("-i", f"http://{server}/version")
    assert out.returncode == 0
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: application/json" in head
    assert body == b'{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'


def test_health_over_http1_matches_etcd(server):
    out = curl("-i", f"http://{server}/health")
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: text/plain; charset=utf-8" in head
    assert body == b'{"health":"true"}'


def test_post_to_version_is_method_not_allowed(server):
    out = curl("-i", "-X", "POST", f"http://{server}/version")
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 405 Method Not Allowed")
    assert b"Allow: GET" in head
    assert body == b"Method Not Allowed\n"


def test_unknown_path_is_go_404(server):
    out = curl("-i", f"http://{server}/nope")
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 404 Not Found")
    assert body == b"404 page not found\n"


def test_http_over_h2c_prior_knowledge(server):
    out = curl("--http2-prior-knowledge", f"http://{server}/version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == b'{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'


def test_http1_keepalive_serves_several_requests_on_one_connection(server):
    out = curl("-v", f"http://{server}/version", f"http://{server}/health")
    assert out.stdout == b'{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}{"health":"true"}'
    assert b"Re-using existing connection" in out.stderr or b"Reusing existing" in out.stderr


def test_chunked_streaming_http_response(server):
    out = curl("-i", f"http://{server}/nettest/stream?n=5")
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"".join(b"chunk %d\n" % i for i in range(5))


def test_unary_echo_and_metadata(server):
    with grpc.insecure_channel(server) as ch:
        assert unary(ch, "/nettest.Echo/Unary", b"hello") == b"hello"
        assert unary(ch, "/nettest.Echo/Unary", b"") == b""
        assert unary(ch, "/nettest.Echo/Metadata", b"token", metadata=[("token", "abc")]) == b"abc"


def test_error_status_and_percent_encoded_message(server):
    with grpc.insecure_channel(server) as ch:
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/nettest.Echo/Error", "9 etcdserver: requested lease not found 100% é".encode())
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert e.value.details() == "etcdserver: requested lease not found 100% é"


def test_unknown_method_is_unimplemented(server):
    with grpc.insecure_channel(server) as ch:
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/nettest.Echo/Nope")
        assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert e.value.details() == "unknown method Nope for service nettest.Echo"
        with pytest.raises(grpc.RpcError) as e:
            unary(ch, "/no.Such/Method")
        assert e.value.details() == "unknown service no.Such"


def test_http1_post_body_with_expect_continue(server):
    body = b"b" * 200000
    out = curl("-H", "Expect: 100-continue", "--data-binary", "@-", f"http://{server}/nettest/echo", input_=body)
    assert out.returncode == 0, out.stderr
    assert out.stdout == body
