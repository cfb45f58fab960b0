"""`etcd --config-file` / ETCD_CONFIG_FILE behave as in etcd 3.4: the file wins over
flags and env vars, and its errors are reported with etcd's texts and exit statuses."""

import pytest

from etcdpp_e2e import free_port
from test_cli_flags import REAL_ETCD, assert_same, needs_real, run


def write(tmp_path, text, name="etcd.yml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@needs_real
def test_file_wins_over_flags_and_env(etcd_bin, tmp_path):
    # The flags and env are valid (and even conflict with each other); only the file's
    # heartbeat is not, so failing on it shows the file alone was read.
    path = write(tmp_path, "name: fromfile\nheartbeat-interval: 0\n")
    args = ["--config-file", path, "--name", "flag", "--heartbeat-interval", "100"]
    env = {"ETCD_NAME": "env", "ETCD_FOO": "1"}
    ours, real = run(etcd_bin, args, env=env, cwd=tmp_path), run(REAL_ETCD, args, env=env, cwd=tmp_path)
    assert ours.returncode == 1
    assert f'I | etcdmain: Loading server configuration from "{path}". Other configuration' in ours.stderr
    assert "--heartbeat-interval must be >0 (set to 0ms)" in ours.stderr
    assert "ETCD_" not in ours.stderr
    assert_same(ours, real)


@needs_real
def test_env_names_the_config_file(etcd_bin, tmp_path):
    path = write(tmp_path, "election-timeout: 60000\n")
    env = {"ETCD_CONFIG_FILE": path}
    ours, real = run(etcd_bin, [], env=env, cwd=tmp_path), run(REAL_ETCD, [], env=env, cwd=tmp_path)
    assert ours.returncode == 1
    assert "is too long, and should be set less than 50000ms" in ours.stderr
    assert_same(ours, real)


@needs_real
@pytest.mark.parametrize("text", [
    "listen-peer-urls: http://foo\n",
    "advertise-client-urls: ftp://127.0.0.1:1\n",
    "snapshot-count: abc\n",
    "heartbeat-interval: \"100\"\n",
    "pre-vote: 1\n",
    "listen-client-urls: http://example.com:2379\n",
    "logger: zap\nheartbeat-interval: 0\n",
    "initial-cluster-state: sideways\n",
])
def test_file_errors_match_etcd(etcd_bin, tmp_path, text):
    path = write(tmp_path, text)
    ours = run(etcd_bin, ["--config-file", path], cwd=tmp_path)
    real = run(REAL_ETCD, ["--config-file", path], cwd=tmp_path)
    assert ours.returncode == 1
    assert_same(ours, real)


@needs_real
def test_missing_file_matches_etcd(etcd_bin, tmp_path):
    args = ["--config-file", "nosuch.yml"]
    ours, real = run(etcd_bin, args, cwd=tmp_path), run(REAL_ETCD, args, cwd=tmp_path)
    assert ours.returncode == 1
    assert "open nosuch.yml: no such file or directory" in ours.stderr
    assert_same(ours, real)


def test_malformed_yaml_is_a_verify_error(etcd_bin, tmp_path):
    path = write(tmp_path, "name: [a\n")
    out = run(etcd_bin, ["--config-file", path], cwd=tmp_path)
    assert out.returncode == 1
    assert "E | etcdmain: error verifying flags, error converting YAML to JSON: yaml: line " in out.stderr


def test_settings_from_file_reach_the_unsupported_check(etcd_bin, tmp_path):
    client, peer = free_port(), free_port()
    path = write(tmp_path, f"""name: fromfile
force-new-cluster: true
data-dir: {tmp_path}/data
listen-client-urls: http://127.0.0.1:{client}
advertise-client-urls: http://127.0.0.1:{client}
listen-peer-urls: http://127.0.0.1:{peer}
initial-advertise-peer-urls: http://127.0.0.1:{peer}
initial-cluster: fromfile=http://127.0.0.1:{peer}
""")
    out = run(etcd_bin, ["--config-file", path], cwd=tmp_path)
    assert out.returncode == 1
    assert "etcd: --force-new-cluster is not supported yet by etcdpp" in out.stderr
