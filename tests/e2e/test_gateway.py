"""`etcd gateway start`: the guide's TCP gateway in front of a member, with etcd 3.4's
command line (help, flag errors and refusals compared with etcd's own binary), its
round robin, setting aside an endpoint that refuses a dial and taking it back once a
probe succeeds."""
import json
import socket
import subprocess

import pytest

from etcdpp_e2e import Member, free_port, wait_until

REFERENCE_ETCD = "/usr/bin/etcd"


def run(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True, timeout=20, cwd="/tmp")
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("args", [
    ["gateway"],
    ["gateway", "--help"],
    ["gateway", "start", "--help"],
    ["gateway", "start", "--foo"],
    ["gateway", "start", "-x"],
    ["gateway", "start", "--retry-delay=abc"],
    ["gateway", "start", "--insecure-discovery=maybe"],
    ["gateway", "start", "--listen-addr"],
    ["gateway", "start", "--listen-addr=nope"],
    ["gateway", "start", "--endpoints=a:b:c"],
    ["gateway", "start", "--endpoints="],
    ["gateway", "start", "--listen-addr=127.0.0.1:2379", "--endpoints=127.0.0.1:2379"],
])
def test_command_line_matches_etcd(etcd_bin, args):
    assert run(etcd_bin, *args) == run(REFERENCE_ETCD, *args)


def log_entries(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_forwards_to_members_sets_a_refusing_endpoint_aside_and_takes_it_back(procs, etcd_bin, tmp_path):
    member = Member(procs, etcd_bin, tmp_path).start()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there yet
    listen = f"127.0.0.1:{free_port()}"
    log = tmp_path / "gateway.log"
    gateway = procs.start([etcd_bin, "gateway", "start", f"--listen-addr={listen}", "--retry-delay=1s",
                           f"--endpoints={dead},{member.client_url}"], log_path=str(log))
    wait_until(lambda: any(e["msg"] == "ready to proxy client requests" for e in log_entries(log)),
               what="the gateway to start")
    ready = next(e for e in log_entries(log) if e["msg"] == "ready to proxy client requests")
    assert ready["level"] == "info"
    assert ready["endpoints"] == [dead, member.client_url.removeprefix("http://")]

    def ctl(*args):
        out = subprocess.run(["etcdctl", "--endpoints", listen, "--command-timeout=10s", *args],
                             capture_output=True, text=True, timeout=30, env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})
        assert out.returncode == 0, out.stderr
        return out.stdout

    # Round robin starts at the dead endpoint: it is set aside and the member serves.
    assert ctl("put", "through", "gateway") == "OK\n"
    for _ in range(3):
        assert ctl("get", "through", "--print-value-only") == "gateway\n"
    warned = [e for e in log_entries(log) if e["msg"] == "deactivated endpoint"]
    assert [e["address"] for e in warned] == [dead]
    assert warned[0]["level"] == "warn" and warned[0]["interval"] == 1
    assert "connection refused" in warned[0]["error"]
    wait_until(lambda: any(e["msg"] == "failed to activate endpoint (stay inactive for another interval)"
                           for e in log_entries(log)), timeout=10, what="a failed probe")

    # Something listens there now: the next probe takes the endpoint back.
    host, port = dead.split(":")
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, int(port)))
        listener.listen(8)
        wait_until(lambda: any(e["msg"] == "activated" and e["address"] == dead for e in log_entries(log)),
                   timeout=10, what="the endpoint to be taken back")
    procs.stop(gateway)
