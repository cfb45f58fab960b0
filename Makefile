# The two commands of the README are `make run` and `make test`; the rest serve them.
BUILD_DIR ?= build
# ccache: paths relative to the checkout and no working directory in the hash, so a fresh
# clone in another folder reuses the objects of earlier builds.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test unit e2e clean

deps:
	@scripts/deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# A single-member etcd on the default ports (client 2379, peer 2380), data in ./default.etcd.
run: build
	exec $(BUILD_DIR)/bin/etcd

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

e2e: build
	ETCDPP_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 -m pytest -q tests/e2e

# Unit tests (ctest) and end-to-end tests (pytest); fails if either fails.
test: build
	@status=0; \
	(cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)) || status=1; \
	ETCDPP_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 -m pytest -q tests/e2e || status=1; \
	exit $$status

clean:
	rm -rf $(BUILD_DIR)
