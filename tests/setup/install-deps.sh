#!/usr/bin/env bash
# Installs what the tests need on a fresh machine. Each step checks first, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_install() {
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "install-deps: installing $*"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

# Debian packages: each test area lists its own in tests/<area>/apt-packages.txt, one a line.
mapfile -t apt_packages < <(cat tests/*/apt-packages.txt | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
fi

# The manifest tests render deploy/k8s with kubectl. The machine image may carry its own kubectl
# package, which owns the same path as Debian's kubernetes-client, so install that only when none is there.
command -v kubectl >/dev/null || apt_install kubernetes-client

# npm tools (buf for proto lint), pinned by the lock file.
if [ ! -x tests/tools/node_modules/.bin/buf ]; then
  (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error)
fi

dotnet restore GraphGrpc.sln
