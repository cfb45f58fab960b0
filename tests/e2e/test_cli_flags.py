"""The `etcd` command line behaves as etcd 3.4's: help, version, flag errors, env vars.

Each comparison runs our binary and the real etcd (/usr/bin/etcd, skipped when absent)
on command lines that stop before a server would start, and compares exit status and
output with timestamps normalized.
"""
import json
import os
import re
import subprocess

import pytest

from etcdpp_e2e import free_port

REAL_ETCD = "/usr/bin/etcd"
needs_real = pytest.mark.skipif(not os.path.exists(REAL_ETCD), reason="real etcd 3.4 not installed")

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} ", re.M)


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD")}
    env.update(extra or {})
    return env


def run(binary, args, env=None, cwd=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=20,
                          env=clean_env(env), cwd=cwd)


def normalized(text):
    return TIMESTAMP.sub("TS ", text)


def assert_same(ours, real):
    assert ours.returncode == real.returncode
    assert normalized(ours.stdout) == normalized(real.stdout)
    assert normalized(ours.stderr) == normalized(real.stderr)


def test_version_prints_etcd_lines_then_etcdpp_line(etcd_bin):
    out = run(etcd_bin, ["--version"])
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert [l.split(":")[0] for l in lines] == [
        "etcd Version", "Git SHA", "Go Version", "Go OS/Arch", "etcdpp Version"]
    assert lines[0] == "etcd Version: 3.4.23"
    assert re.fullmatch(r"etcdpp Version: \d+\.\d+\.\d+", lines[4])


@needs_real
@pytest.mark.parametrize("flag", ["--help", "-h", "-help"])
def test_help_output_matches_etcd(etcd_bin, flag, tmp_path):
    ours, real = run(etcd_bin, [flag], cwd=tmp_path), run(REAL_ETCD, [flag], cwd=tmp_path)
    assert ours.returncode == 0
    assert "--initial-cluster 'default=http://localhost:2380'" in ours.stdout
    assert_same(ours, real)


@needs_real
@pytest.mark.parametrize("args", [
    ["--nosuch"],
    ["-nosuch=1", "--name", "x"],
    ["--name"],
    ["--snapshot-count", "abc"],
    ["--heartbeat-interval", "99999999999999999999"],
    ["--enable-v2=maybe"],
    ["--backend-batch-interval", "5"],
    ["--max-concurrent-streams", "5000000000"],
    ["--initial-cluster-state", "foo"],
    ["--listen-client-urls", "http://foo"],
    ["--listen-client-urls", "ftp://127.0.0.1:1"],
    ["--listen-peer-urls", "http://127.0.0.1:1/path"],
    ["---x"],
])
def test_flag_errors_exit_two_like_etcd(etcd_bin, args, tmp_path):
    ours, real = run(etcd_bin, args, cwd=tmp_path), run(REAL_ETCD, args, cwd=tmp_path)
    assert ours.returncode == 2
    assert_same(ours, real)


@needs_real
def test_positional_argument_exits_one_like_etcd(etcd_bin, tmp_path):
    ours, real = run(etcd_bin, ["foo"], cwd=tmp_path), run(REAL_ETCD, ["foo"], cwd=tmp_path)
    assert ours.returncode == 1
    assert "E | etcdmain: error verifying flags, 'foo' is not a valid flag. See 'etcd --help'." in ours.stderr
    assert_same(ours, real)


@needs_real
@pytest.mark.parametrize("args", [
    ["--listen-client-urls", "http://example.com:2379", "--advertise-client-urls", "http://127.0.0.1:2379"],
    ["--listen-peer-urls", "http://example.com:2380"],
    ["--initial-advertise-peer-urls", "http://:2380"],
    ["--listen-client-urls", "http://127.0.0.1:2379"],
    ["--heartbeat-interval", "0"],
    ["--heartbeat-interval", "300"],
    ["--election-timeout", "60000"],
    ["--discovery", "http://127.0.0.1:1/x", "--initial-cluster", "a=http://127.0.0.1:2"],
    ["--auto-compaction-mode", "hourly"],
    ["--logger", "foo"],
    ["--log-outputs", "a,b"],
    ["--log-outputs", "/tmp/x.log"],
    ["--log-output", "stderr", "--log-outputs", "stderr"],
    ["--debug", "--heartbeat-interval", "0"],
    ["--v", "--heartbeat-interval", "0"],
    ["--logger", "zap", "--log-outputs", "/nonexistent-etcdpp-dir/etcd.log"],
])
def test_invalid_settings_exit_one_with_etcds_messages(etcd_bin, args, tmp_path):
    ours, real = run(etcd_bin, args, cwd=tmp_path), run(REAL_ETCD, args, cwd=tmp_path)
    assert ours.returncode == 1
    assert "error verifying flags" in ours.stderr
    assert_same(ours, real)


@needs_real
def test_zap_logger_reports_invalid_settings_as_json(etcd_bin, tmp_path):
    args = ["--logger", "zap", "--listen-peer-urls", "http://example.com:2380"]
    ours, real = run(etcd_bin, args, cwd=tmp_path), run(REAL_ETCD, args, cwd=tmp_path)
    assert ours.returncode == real.returncode == 1
    mine, theirs = json.loads(ours.stderr.splitlines()[-1]), json.loads(real.stderr.splitlines()[-1])
    for key in ("level", "msg", "error"):
        assert mine[key] == theirs[key]


@needs_real
def test_env_and_flag_for_same_setting_is_fatal_like_etcd(etcd_bin, tmp_path):
    env = {"ETCD_NAME": "a"}
    ours = run(etcd_bin, ["--name", "b"], env=env, cwd=tmp_path)
    real = run(REAL_ETCD, ["--name", "b"], env=env, cwd=tmp_path)
    assert ours.returncode == 1
    assert ('C | pkg/flags: conflicting environment variable "ETCD_NAME" is shadowed by corresponding '
            "command-line flag") in ours.stderr
    assert_same(ours, real)


@needs_real
def test_env_values_are_used_logged_and_checked_like_etcd(etcd_bin, tmp_path):
    env = {"ETCD_DATA_DIR": str(tmp_path / "d"), "ETCD_FOO": "1", "ETCD_SNAPSHOT_COUNT": "xyz"}
    ours, real = run(etcd_bin, [], env=env, cwd=tmp_path), run(REAL_ETCD, [], env=env, cwd=tmp_path)
    assert ours.returncode == 1
    assert f"I | pkg/flags: recognized and used environment variable ETCD_DATA_DIR={tmp_path}/d" in ours.stderr
    assert "W | pkg/flags: unrecognized environment variable ETCD_FOO=1" in ours.stderr
    assert 'invalid value "xyz" for ETCD_SNAPSHOT_COUNT: parse error' in ours.stderr
    assert_same(ours, real)


@needs_real
def test_env_value_is_validated_like_a_flag(etcd_bin, tmp_path):
    env = {"ETCD_LISTEN_PEER_URLS": "http://example.com:2380"}
    ours, real = run(etcd_bin, [], env=env, cwd=tmp_path), run(REAL_ETCD, [], env=env, cwd=tmp_path)
    assert ours.returncode == 1
    assert "expected IP in URL for binding (http://example.com:2380)" in ours.stderr
    assert_same(ours, real)


def isolated_member_args(tmp_path):
    """Loopback ports and a data dir of the test's own, in case a member does start."""
    client, peer = free_port(), free_port()
    return ["--data-dir", str(tmp_path / "data"),
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"default=http://127.0.0.1:{peer}"]


def test_unsupported_setting_is_refused_by_name(etcd_bin, tmp_path):
    # Uses a setting the first releases do not serve; update it when that changes.
    out = run(etcd_bin, ["--force-new-cluster", *isolated_member_args(tmp_path)], cwd=tmp_path)
    assert out.returncode == 1
    assert "etcd: --force-new-cluster is not supported yet by etcdpp" in out.stderr
    assert not any(tmp_path.iterdir())  # nothing created before refusing


def test_https_client_url_without_cert_is_refused_with_etcds_message(etcd_bin, tmp_path):
    port = free_port()
    args = ["--listen-client-urls", f"https://127.0.0.1:{port}", "--advertise-client-urls",
            f"https://127.0.0.1:{port}"]
    out = run(etcd_bin, args, cwd=tmp_path)
    assert out.returncode == 1
    assert ("C | etcdmain: TLS key/cert (--cert-file, --key-file) must be provided for client url "
            f"https://127.0.0.1:{port} with HTTPS scheme") in out.stderr
    assert not any(tmp_path.iterdir())


@needs_real
def test_data_dir_with_member_and_proxy_is_fatal_like_etcd(etcd_bin, tmp_path):
    data = tmp_path / "data"
    (data / "member").mkdir(parents=True)
    (data / "proxy").mkdir()
    (data / "junk").write_text("")
    args = ["--data-dir", str(data)]
    ours, real = run(etcd_bin, args, cwd=tmp_path), run(REAL_ETCD, args, cwd=tmp_path)
    assert ours.returncode == 1
    assert "C | etcdmain: invalid datadir. Both member and proxy directories exist." in ours.stderr
    # Identical but for the Git SHA of the version banner.
    strip = lambda text: [l for l in normalized(text).splitlines() if "Git SHA" not in l]
    assert strip(ours.stderr) == strip(real.stderr)
    assert real.returncode == 1
