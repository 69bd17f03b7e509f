#!/usr/bin/env bash
# install-debs.sh installs the Debian packages the tests use (Chromium for the
# browser tests, PostgreSQL for the store tests), only when they are missing.
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji) # emoji in browser tests and screenshots
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null || need+=(nodejs npm)
command -v c++ >/dev/null || need+=(g++ make python3)
command -v systemd-analyze >/dev/null || need+=(systemd) # TestSystemdUnits verifies deploy/systemd
command -v podman >/dev/null || need+=(podman)            # TestContainerImage builds and runs deploy/Containerfile
command -v runc >/dev/null || need+=(runc)                # crun refuses hybrid cgroups (these VMs); runc runs there
[[ ${#need[@]} -eq 0 ]] && exit 0

echo "install-debs: installing ${need[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || { echo "install-debs: FAILED at step: apt-get update" >&2; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || { echo "install-debs: FAILED at step: apt-get install ${need[*]}" >&2; exit 1; }
