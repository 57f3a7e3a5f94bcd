#!/usr/bin/env bash
# Installs the Debian 12 packages mfa-migrate needs to build, test and run.
# The one list of dependencies: the README's commands and CI both use it.
set -euo pipefail
DEPS=(build-essential cmake pkg-config
      libcsv-dev libxlsxwriter-dev libcjson-dev zlib1g-dev
      libcurl4-openssl-dev libssl-dev libmicrohttpd-dev
      libcmocka-dev python3 unzip openssl curl nghttp2-proxy
      clang libclang-rt-14-dev
      dpkg-dev man-db systemd zsh fish time)
# dpkg-dev: cpack's shlibdeps for the .deb; man-db, systemd (systemd-analyze),
# zsh and fish: tests/install checks the man page, the units and the
# completion scripts with them; time: /usr/bin/time -v for the sign-in test's peak RSS
# node and npm run Microsoft's Graph JS SDK in tests/conformance; a node that
# brought its own npm (NodeSource's package) is kept as it is
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || DEPS+=(nodejs npm)
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: not root; install these yourself: ${DEPS[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${DEPS[@]}" >/dev/null
