"""Shared fixtures for end-to-end tests: real binaries on loopback, stopped by PID."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from etcdpp_e2e import ProcessGroup, build_dir  # noqa: E402


@pytest.fixture
def procs():
    """Starts processes for one test and stops every one of them (by PID) afterwards."""
    group = ProcessGroup()
    try:
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def etcd_bin():
    path = build_dir() / "bin" / "etcd"
    assert path.exists(), f"{path} is missing: build first"
    return str(path)
