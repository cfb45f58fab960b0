#!/usr/bin/env bash
# Installs every Debian package that building and testing etcdpp needs.
# Idempotent, and silent when everything is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libnghttp2-dev libssl-dev openssl liblmdb-dev
  protobuf-compiler libprotobuf-dev libc-ares-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libyaml-cpp-dev libcrypt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libgrpc++-dev protobuf-compiler-grpc
  python3-grpcio python3-etcd3 python3-pytest curl procps iproute2 dnsmasq-base
  etcd-server etcd-client
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
