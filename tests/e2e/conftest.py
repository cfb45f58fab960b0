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


@pytest.fixture(autouse=True)
def _free_disk_after_test(request):
    """A suite run writes gigabytes of data dirs (WAL segments are preallocated at 64 MiB);
    pytest keeps every test's tmp_path until the session ends, which fills a small disk. Each
    test's tmp_path is removed once its processes are stopped (this fixture is torn down last);
    a failed test keeps its logs."""
    root = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if root is None:
        return
    failed = getattr(request.node, "_etcdpp_failed", False)
    for path in sorted(root.rglob("*"), reverse=True):
        if failed and path.is_file() and path.suffix in (".log", ".txt", ".out", ".err"):
            continue
        if path.is_dir() and not path.is_symlink():
            try:
                path.rmdir()
            except OSError:
                pass  # still holds a kept log
        else:
            path.unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if outcome.get_result().failed:
        item._etcdpp_failed = True
