#!/bin/sh
# Finds a Python that has the integration tests' packages and prints its path.
# When none has them: installs them from Debian's packages if running as root,
# otherwise prints the exact install line and fails.
# (The python3 first on PATH may be a separate build that cannot see Debian's
# packages, so Debian's own interpreter is tried first.)
set -u
PACKAGES="python3 python3-pytest python3-websockets groff-base openssl"
# Installed without their Recommends (prometheus would bring node-exporter,
# smartmontools and ipmitool along) and with their services kept from
# starting (scripts/apt-install-lean.sh).
LEAN_PACKAGES="prometheus nginx redis-server"
MODULES="import pytest, websockets"

find_python() {
    command -v groff >/dev/null 2>&1 || return 1  # the man page's render check
    # integration/test_metrics.py: promtool and a real Prometheus server
    command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || return 1
    # integration/test_proxy.py: nginx (in /usr/sbin, off a user's PATH) and openssl
    { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || return 1
    command -v openssl >/dev/null 2>&1 || return 1
    # tests/test_redis_*.cpp: a real redis-server, started on a port of their own
    command -v redis-server >/dev/null 2>&1 || return 1
    for py in /usr/bin/python3 python3; do
        if command -v "$py" >/dev/null 2>&1 && "$py" -c "$MODULES" >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

if find_python; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing $PACKAGES $LEAN_PACKAGES" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PACKAGES &&
      "$(dirname "$0")/apt-install-lean.sh" $LEAN_PACKAGES; } >&2 \
        || { echo "test-deps: apt-get install failed" >&2; exit 1; }
    find_python && exit 0
fi

echo "test-deps: missing test packages; install them with:" >&2
echo "  apt-get install -y $PACKAGES && apt-get install -y --no-install-recommends $LEAN_PACKAGES" >&2
exit 1
