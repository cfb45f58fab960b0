#!/usr/bin/env bash
# One command for the etcdpp / etcd 3.4 comparison: builds our etcd and etcd-bench, runs
# the matrix against 1- and 3-member clusters of both servers in one run, then the bigval
# and defrag scenarios, and rewrites docs/performance.md. Options go to bench/compare.py
# (--scale 0.05 for a quick check, --scenarios to pick, --json-out FILE to keep the raw
# results, --render FILE to rewrite the page from them after editing the notes,
# --ours/--etcd for other binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
scripts/deps.sh
[[ -f $build/build.ninja ]] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C "$build" -j "${JOBS:-2}" bin/etcd bin/etcd-bench
exec /usr/bin/python3 bench/compare.py --ours "$build/bin/etcd" --bench "$build/bin/etcd-bench" "$@"
