#!/bin/sh
# apt-get install PACKAGE... without their Recommends, and with no service
# they bring started: Debian's nginx starts one on port 80 on install
# (prometheus one on 9090) wherever an init system lets it, and the tests
# run their own on free ports. While it installs, a policy-rc.d refuses
# every start (exit 101, which invoke-rc.d and deb-systemd-invoke obey),
# unless the machine has a policy of its own, which is left as it is.
# Run as root.
set -eu
policy=/usr/sbin/policy-rc.d
made=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/apt-install-lean.sh: no service starts while it installs\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    made=1
    trap 'rm -f "$policy"' EXIT INT TERM
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
