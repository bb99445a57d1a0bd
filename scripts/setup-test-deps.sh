#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, and nothing when they are all there already
# (so it is cheap to run before every `npm test`). Uses sudo when not root.
#
#   openssh-server openssh-client  real sshd + ssh for the tunnel and SSH tests
#   iproute2                       network namespaces (`ip netns`) for the remote-access tests
#   chromium                       headless browser for the Control UI tests
#   sudo                           the `sudo -n` retry of the tailscale driver (stand-in tailscale)
#   avahi-daemon avahi-utils dbus  `avahi-browse`, which the real `openclaw gateway discover` runs on
#                                  Linux; the tests start private instances inside a namespace only
set -euo pipefail

PACKAGES=(openssh-server openssh-client iproute2 chromium sudo avahi-daemon avahi-utils dbus)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "test dependencies: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "test dependencies: missing ${missing[*]}; run as root or install sudo, then retry" >&2
    exit 1
  fi
  SUDO=(sudo)
fi

echo "test dependencies: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
