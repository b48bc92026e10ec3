#!/usr/bin/env bash
# The chaos soak (README "Chaos soak"): the whole cluster as operators run it, under a mixed load, while
# processes are killed, and invariants checked throughout.
#
#   bash bench/soak.sh                  30 minutes (writes bench/results/soak-latest.md/.json)
#   bash bench/soak.sh --minutes 3      the CI version: every kind of fault at least once (bench/results/soak-smoke.*)
#
# Options: --minutes N (default 30), --out PREFIX (result files PREFIX.md/.json), --idle N (IDLE sessions, default 100),
# --rate R (mixed-load login attempts per second, default 20), --keep (keep the temp folder: configs, logs).
#
# Started the way operators start it, all on 127.0.0.1 at free high ports from a temp folder: Redis (append-only file,
# fsync always), three Silo processes (Silo.dll), two Frontends (Frontend.dll -p PREFIX -c FILE, an nginx-style file,
# Orleans clients of the Redis cluster), cluster TLS from a throwaway CA, two Dovecots as the IMAP and POP3 upstream
# pool, a private Postfix as the SMTP upstream, and the soak's auth_http server, which logs every answer it gives.
# The load generator (bench/LoadGenerator, "soak") holds the load and checks the invariants; this script injects the
# faults on a schedule and logs each in faults.tsv:
#   - kill -9 a random Silo of silo2 and silo3 every 2 minutes, start it again;
#   - kill -9 frontend2 every 5 minutes, start it again: its sessions are lost by design;
#   - kill -9 Redis once, start it again 5 s later;
#   - stop one Dovecot (SIGTERM) once, start it again 30 s later;
#   - a configuration reload (SIGHUP, the file changed) of a Frontend every minute.
# silo1 and frontend1 are never killed: long-lived references. A process started again minutes before the end is
# still growing to its steady state (JIT, heap growth, grains placed on it), so RSS trends are checked on the
# references (and every other process that lives through the window), and each restarted Silo or Frontend is
# bounded by its reference's peak; frontend1's IDLE sessions must all survive (invariants (c), (e1), (e2)).
# Under 10 minutes the schedule is scaled so each kind still happens (3 minutes: two silo kills, one of each other).
# No fault in the last minute (or last quarter), so the recovery after the last one is measured.
# Exit status 0 only when every invariant held; every process started here is stopped at the end, always.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# shellcheck source=bench/lib/cluster.sh
source bench/lib/cluster.sh

MINUTES=30 OUT="" IDLE=100 RATE=20 KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) MINUTES=$2; shift ;;
        --out) OUT=$2; shift ;;
        --idle) IDLE=$2; shift ;;
        --rate) RATE=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 3 ] && [ "$MINUTES" -le 240 ] || { echo "soak.sh: --minutes takes 3 to 240" >&2; exit 2; }
[ -n "$OUT" ] || { [ "$MINUTES" -lt 10 ] && OUT=bench/results/soak-smoke || OUT=bench/results/soak-latest; }
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
log() { echo "[$(date +%H:%M:%S)] soak: $*"; }

# The login policy and cluster timings the soak runs with; the invariants' bounds are these figures.
LOGIN_THRESHOLD=5 ADDRESS_THRESHOLD=20 WINDOW=60 SESSION_LIMIT=3 LEASE_TTL=30 RETRY_BUDGET=10 AUTH_TIMEOUT=5

bash .ci/install-test-deps.sh
log "building Release (the load generator, the Frontend through its project reference, the Silo)"
dotnet build bench/LoadGenerator/LoadGenerator.csproj -c Release --nologo -v q -clp:NoSummary
dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:NoSummary
SILO="$ROOT/Silo/bin/Release/net10.0/Silo.dll"
FRONTEND="$ROOT/Frontend/bin/Release/net10.0/Frontend.dll"
LOADGEN="$ROOT/bench/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll"
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: run as root (the private Postfix's master needs it)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-soak.XXXXXX")
chmod 755 "$WORK"   # Dovecot's mail processes (nobody) must reach the homes below
POSTFIX_QUEUE=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo "$WORK")/orleansmail-soak-postfix.XXXXXX")
chmod 755 "$POSTFIX_QUEUE"
mkdir -p "$WORK/pids"
: > "$WORK/faults.tsv"
: > "$WORK/auth-answers.tsv"
PIDS=()   # every process ever started here (the killed ones are gone already; kill on a dead pid is harmless)
cleanup() {
    local rc=$?
    set +e
    stop_pids "${PIDS[@]}"
    [ "$rc" -ne 0 ] && tail_logs 20 "$WORK"/*.log "$WORK"/frontend*/logs/error.log "$WORK"/dovecot*/dovecot.log
    if [ "$KEEP" = 1 ]; then echo "soak: kept $WORK" >&2; else rm -rf "$WORK" "$POSTFIX_QUEUE"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r P_AUTH P_POSTFIX P_REDIS P_D1_IMAP P_D1_POP3 P_D2_IMAP P_D2_POP3 \
    P_S1 P_G1 P_H1 P_S2 P_G2 P_H2 P_S3 P_G3 P_H3 \
    P_F1_IMAP P_F1_POP3 P_F1_SMTP P_F1_HEALTH P_F2_IMAP P_F2_POP3 P_F2_SMTP P_F2_HEALTH < <(dotnet "$LOADGEN" free-ports 24)
SILO_PORTS=("" "$P_S1 $P_G1 $P_H1" "$P_S2 $P_G2 $P_H2" "$P_S3 $P_G3 $P_H3")
FRONTEND_PORTS=("" "$P_F1_IMAP $P_F1_POP3 $P_F1_SMTP $P_F1_HEALTH" "$P_F2_IMAP $P_F2_POP3 $P_F2_SMTP $P_F2_HEALTH")
DOVECOT_PORTS=("" "$P_D1_IMAP $P_D1_POP3" "$P_D2_IMAP $P_D2_POP3")
ADMIN_TOKEN=$(openssl rand -hex 32)
SECRET_HASH_KEY=$(openssl rand -base64 32)
CLUSTER_ID="soak-$(basename "$WORK")"

# set_pid ROLE PID: the role's current pid, for the scheduler and the load generator's RSS sampler.
# disown: a process this script kills is expected to die, bash need not report it.
set_pid() { echo "$2" > "$WORK/pids/$1"; PIDS+=("$2"); disown "$2" 2>/dev/null || true; }
pid_of() { cat "$WORK/pids/$1"; }
fault() { printf '%s\t%s\t%s\n' "$(date +%s%3N)" "$1" "$2" >> "$WORK/faults.tsv"; log "fault: $1 $2"; }

# --- users and their mail: one passwd file for both Dovecots, one message per user in each backend's INBOX -------
USERS=()
for ((u = 0; u < 200; u++)); do USERS+=("load$u"); done
for ((u = 0; u < IDLE; u++)); do USERS+=("idle$u"); done
for ((u = 0; u < 8; u++)); do USERS+=("probe$u"); done
for user in "${USERS[@]}"; do echo "$user:{PLAIN}pw-$user::::::"; done > "$WORK/users"
MESSAGE="$WORK/message.eml"
{ printf 'From: soak@localhost\r\nTo: user@localhost\r\nSubject: soak relay\r\n\r\n'
  for _ in $(seq 1 400); do printf '%s\r\n' "The relay scenario fetches this 32 KB message through the proxy, line after line of it."; done; } > "$MESSAGE"
MAIL_UID=$(id -u nobody) MAIL_GID=$(id -g nobody)
INTERNAL_USER=$(id -un dovecot 2>/dev/null || echo nobody)
INTERNAL_GROUP=$(id -gn "$INTERNAL_USER")
LOGIN_USER=$(id -un dovenull 2>/dev/null || echo nobody)

# --- Dovecot: two backends of the pool, IMAP and POP3 each; each names itself in its IMAP ID answer (x-backend), so
# a session the soak loses can be blamed on the backend that was stopped ----------------------------------------------
write_dovecot() { # N
    local d="$WORK/dovecot$1" imap pop3
    read -r imap pop3 <<< "${DOVECOT_PORTS[$1]}"
    mkdir -p "$d/home"
    for user in "${USERS[@]}"; do
        mkdir -p "$d/home/$user/Maildir/"{cur,new,tmp}
        cp "$MESSAGE" "$d/home/$user/Maildir/cur/1000000000.soak.localhost:2,S"
    done
    chown -R "$MAIL_UID:$MAIL_GID" "$d/home"
    cat > "$d/dovecot.conf" <<EOF
# Generated by bench/soak.sh (Dovecot 2.3).
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
instance_name = orleansmail-soak-dovecot$1-$(basename "$WORK")
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
imap_id_send = "name" * "x-backend" "dovecot$1"
first_valid_uid = $MAIL_UID
last_valid_uid = 0
first_valid_gid = $MAIL_GID
last_valid_gid = 0
default_internal_user = $INTERNAL_USER
default_internal_group = $INTERNAL_GROUP
default_login_user = $LOGIN_USER
mail_max_userip_connections = 100000
default_client_limit = 4000
default_vsz_limit = 1G
passdb {
  driver = passwd-file
  args = $WORK/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$d/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    port = 0
  }
  service_count = 0
  process_min_avail = 1
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    port = 0
  }
  service_count = 0
  process_min_avail = 1
}
# Many sessions per mail process (every user has one uid): the IDLE sessions do not fork a process each.
service imap {
  service_count = 0
  client_limit = 100
  process_limit = 50
}
service pop3 {
  service_count = 100
  process_limit = 50
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}
start_dovecot() { # N
    /usr/sbin/dovecot -F -c "$WORK/dovecot$1/dovecot.conf" >> "$WORK/dovecot$1-master.log" 2>&1 &
    set_pid "dovecot$1" $!
}
for n in 1 2; do
    write_dovecot "$n"
    start_dovecot "$n"
    read -r imap pop3 <<< "${DOVECOT_PORTS[$n]}"
    wait_port "dovecot$n" "$imap" "$(pid_of "dovecot$n")"
    wait_port "dovecot$n-pop3" "$pop3" "$(pid_of "dovecot$n")"
done
log "Dovecots on 127.0.0.1:$P_D1_IMAP/$P_D1_POP3 and :$P_D2_IMAP/$P_D2_POP3 (the IMAP and POP3 pools)"

write_postfix "$WORK/postfix" "$POSTFIX_QUEUE" "$P_POSTFIX" 100
start_postfix "$WORK/postfix" "$WORK/postfix-master.log"
set_pid postfix "$STARTED_PID"
wait_port postfix "$P_POSTFIX" "$STARTED_PID"

log "starting the auth_http server on 127.0.0.1:$P_AUTH (answer log auth-answers.tsv)"
dotnet "$LOADGEN" soak-auth "$P_AUTH" "$P_POSTFIX" "$WORK/auth-answers.tsv" $((MINUTES * 60 + 900)) > "$WORK/auth.log" 2>&1 &
set_pid auth $!
wait_port auth "$P_AUTH" "$(pid_of auth)"

# --- Redis: the cluster's membership and grain state; append-only with fsync always, so its restart loses nothing
# (a production Redis persists; without it the restart would also be a wipe of every throttling count) ---------------
start_redis() {
    redis-server --bind 127.0.0.1 --port "$P_REDIS" --save "" --appendonly yes --appendfsync always --dir "$WORK/redis" \
        --daemonize no >> "$WORK/redis.log" 2>&1 &
    set_pid redis $!
}
mkdir -p "$WORK/redis"
start_redis
wait_port redis "$P_REDIS" "$(pid_of redis)"

# --- three Silos (README "Running a cluster"), cluster TLS, the login policy and the upstream pools ---------------
make_cluster_pki "$WORK/cluster-pki"
PKI="$WORK/cluster-pki"
start_silo() { # N
    local silo gateway health
    read -r silo gateway health <<< "${SILO_PORTS[$1]}"
    dotnet "$SILO" --Cluster:Mode=Redis --Cluster:Redis="127.0.0.1:$P_REDIS" --Cluster:ServiceId=orleansmail-soak \
        --Cluster:ClusterId="$CLUSTER_ID" --Cluster:Tls:Certificate="$PKI/member.crt" --Cluster:Tls:Key="$PKI/member.key" \
        --Cluster:Tls:Ca="$PKI/ca.crt" --Cluster:SiloPort="$silo" --Cluster:GatewayPort="$gateway" --Cluster:AdvertisedIp=127.0.0.1 \
        --Cluster:AllowedAuthServers="http://127.0.0.1:$P_AUTH/auth" \
        --Health:Urls="http://127.0.0.1:$health" --Admin:Token="$ADMIN_TOKEN" --ShutdownTimeout=5s \
        --LoginPolicy:SecretHashKey="$SECRET_HASH_KEY" --LoginPolicy:BruteforceIpv4Prefix=24 \
        --LoginPolicy:TrustedNetworks=127.0.0.0/24 --LoginPolicy:BruteforceWindow="${WINDOW}s" \
        --LoginPolicy:BruteforceLoginThreshold="$LOGIN_THRESHOLD" --LoginPolicy:BruteforceAddressThreshold="$ADDRESS_THRESHOLD" \
        --LoginPolicy:SessionLimitPerLogin="$SESSION_LIMIT" --LoginPolicy:SessionLeaseTtl="${LEASE_TTL}s" \
        --UpstreamPools:Imap:0="127.0.0.1:$P_D1_IMAP" --UpstreamPools:Imap:1="127.0.0.1:$P_D2_IMAP" \
        --UpstreamPools:Pop3:0="127.0.0.1:$P_D1_POP3" --UpstreamPools:Pop3:1="127.0.0.1:$P_D2_POP3" \
        --UpstreamPools:CheckInterval=1s --UpstreamPools:CheckTimeout=1s \
        --Logging:LogLevel:Default=Warning --Logging:LogLevel:OrleansMail=Warning >> "$WORK/silo$1.log" 2>&1 &
    set_pid "silo$1" $!
}
wait_ready() { # NAME URL PID
    for _ in $(seq 1 900); do
        curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || { echo "soak.sh: $1 exited during start-up" >&2; return 1; }
        sleep 0.1
    done
    echo "soak.sh: $1 not ready within 90 s" >&2
    return 1
}
for n in 1 2 3; do start_silo "$n"; done
for n in 1 2 3; do
    read -r _ _ health <<< "${SILO_PORTS[$n]}"
    wait_ready "silo$n" "http://127.0.0.1:$health/health/ready" "$(pid_of "silo$n")"
done
log "three Silos ready (health and admin API on :$P_H1, :$P_H2, :$P_H3)"

# --- two Frontends, each from its nginx-style file (-p PREFIX -c FILE); a reload rewrites the included capabilities ---
write_frontend() { # N
    local d="$WORK/frontend$1" imap pop3 smtp health
    read -r imap pop3 smtp health <<< "${FRONTEND_PORTS[$1]}"
    mkdir -p "$d/conf" "$d/logs" "$d/run"
    echo "imap_capabilities IMAP4 IMAP4rev1 UIDPLUS IDLE;" > "$d/conf/capabilities.conf"
    cat > "$d/conf/mail.conf" <<EOF
# Generated by bench/soak.sh: a Frontend of the soak's Redis cluster.
pid run/frontend.pid;
error_log logs/error.log info;
cluster_mode Redis;
cluster_redis 127.0.0.1:$P_REDIS;
cluster_service_id orleansmail-soak;
cluster_id $CLUSTER_ID;
cluster_tls_certificate $PKI/member.crt;
cluster_tls_key $PKI/member.key;
cluster_tls_ca $PKI/ca.crt;
cluster_login_retry_budget ${RETRY_BUDGET}s;
bruteforce_ipv4_prefix 24;
trusted_networks 127.0.0.0/24;
health_listen 127.0.0.1:$health;
shutdown_delay 0;
mail {
    auth_http 127.0.0.1:$P_AUTH/auth;
    auth_http_timeout ${AUTH_TIMEOUT}s;
    include capabilities.conf;
    server {
        listen 127.0.0.1:$imap;
        protocol imap;
    }
    server {
        listen 127.0.0.1:$pop3;
        protocol pop3;
    }
    server {
        listen 127.0.0.1:$smtp;
        protocol smtp;
        smtp_auth plain login;
        xclient on;
    }
}
EOF
}
start_frontend() { # N
    rm -f "$WORK/frontend$1/run/frontend.pid"
    dotnet "$FRONTEND" -p "$WORK/frontend$1" -c conf/mail.conf >> "$WORK/frontend$1.log" 2>&1 &
    set_pid "frontend$1" $!
}
wait_frontend() { # N: its pid file appears once every listener accepts (README "Readiness")
    for _ in $(seq 1 900); do
        [ -s "$WORK/frontend$1/run/frontend.pid" ] && return 0
        kill -0 "$(pid_of "frontend$1")" 2>/dev/null || { echo "soak.sh: frontend$1 exited during start-up" >&2; return 1; }
        sleep 0.1
    done
    echo "soak.sh: frontend$1 not ready within 90 s" >&2
    return 1
}
reload_frontend() { # N: a changed file, then SIGHUP (nginx's -s reload); only to a Frontend that is up (its pid file
    # written): .NET's default action for SIGHUP, before the program takes it, ends the process
    local caps="$WORK/frontend$1/conf/capabilities.conf"
    [ "$(cat "$WORK/frontend$1/run/frontend.pid" 2>/dev/null)" = "$(pid_of "frontend$1")" ] || { log "reload of frontend$1 skipped: not up"; return 1; }
    if grep -q ' ID;' "$caps"; then echo "imap_capabilities IMAP4 IMAP4rev1 UIDPLUS IDLE;" > "$caps"
    else echo "imap_capabilities IMAP4 IMAP4rev1 UIDPLUS IDLE ID;" > "$caps"; fi
    fault reload "frontend$1"
    kill -HUP "$(pid_of "frontend$1")" 2>/dev/null || true
}
for n in 1 2; do write_frontend "$n"; start_frontend "$n"; done
for n in 1 2; do wait_frontend "$n"; done
log "two Frontends ready: IMAP/POP3/SMTP on :$P_F1_IMAP/$P_F1_POP3/$P_F1_SMTP and :$P_F2_IMAP/$P_F2_POP3/$P_F2_SMTP"

# --- the schedule: "OFFSET KIND TARGET" lines, offsets in seconds from the start of the load ----------------------
T=$((MINUTES * 60))
SCHEDULE="$WORK/schedule"
if [ "$MINUTES" -ge 10 ]; then
    for ((t = 120; t <= T - 60; t += 120)); do echo "$t silo-kill random"; done
    for ((t = 30; t <= T - 60; t += 300)); do echo "$t frontend-kill frontend2"; done
    echo "$((T / 2 + 90)) redis-kill redis"
    echo "$((T * 3 / 10 + 10)) dovecot-stop dovecot2"
    echo "$((T * 3 / 10 + 40)) dovecot-start dovecot2"
    k=0; for ((t = 45; t <= T - 60; t += 60)); do echo "$t reload frontend$((k % 2 + 1))"; k=$((k + 1)); done
else
    # 3 minutes (180 s): a Dovecot stopped 20–35 s (before the RSS trend's 2-minute window: the sessions it loses move
    # to the other backend once), silo kills at 50 and 120 s, a Frontend at 80, Redis at 100, reloads at 65, 110, 140.
    s() { echo $(($1 * T / 180)); }
    echo "$(s 20) dovecot-stop dovecot2"; echo "$(s 35) dovecot-start dovecot2"
    echo "$(s 50) silo-kill random"; echo "$(s 120) silo-kill random"
    echo "$(s 80) frontend-kill frontend2"
    echo "$(s 100) redis-kill redis"
    echo "$(s 65) reload frontend2"; echo "$(s 110) reload frontend1"; echo "$(s 140) reload frontend2"
fi | sort -n > "$SCHEDULE"
log "schedule: $(awk '{print $2}' "$SCHEDULE" | sort | uniq -c | awk '{printf "%s %s×%s", (NR>1?",":""), $2, $1}')"

VERSIONS="Dovecot $(/usr/sbin/dovecot --version | cut -d' ' -f1), Postfix $(/usr/sbin/postconf -d -h mail_version), Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), .NET $(dotnet --version), OrleansMail $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
log "$VERSIONS; $MINUTES minutes, $IDLE IDLE sessions, $RATE login attempts/s"
dotnet "$LOADGEN" soak --minutes "$MINUTES" --work "$WORK" --out "$OUT" \
    --frontend "frontend1:$P_F1_IMAP:$P_F1_POP3:$P_F1_SMTP" --frontend "frontend2:$P_F2_IMAP:$P_F2_POP3:$P_F2_SMTP" \
    --admin "http://127.0.0.1:$P_H1" --admin "http://127.0.0.1:$P_H2" --admin "http://127.0.0.1:$P_H3" --admin-token "$ADMIN_TOKEN" \
    --idle "$IDLE" --load-rate "$RATE" --login-threshold "$LOGIN_THRESHOLD" --address-threshold "$ADDRESS_THRESHOLD" \
    --window-seconds "$WINDOW" --session-limit "$SESSION_LIMIT" --lease-ttl-seconds "$LEASE_TTL" \
    --retry-budget-seconds "$RETRY_BUDGET" --auth-timeout-seconds "$AUTH_TIMEOUT" --versions "$VERSIONS" \
    --reference silo1 --reference frontend1 &
DRIVER=$!
PIDS+=("$DRIVER")
for _ in $(seq 1 600); do [ -s "$WORK/load-started" ] && break; kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.1; done
[ -s "$WORK/load-started" ] || { echo "soak.sh: the load generator did not start" >&2; exit 1; }
T0=$(cat "$WORK/load-started")

# --- the faults, each at its offset; a killed process is started again at once (its restart is not waited for) ----
while read -r offset kind target; do
    now=$(date +%s%3N)
    wait_ms=$((T0 + offset * 1000 - now))
    # sleep in the background and wait for it: a TERM to this script is acted on at once, not after the sleep
    if [ "$wait_ms" -gt 0 ]; then sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))" & PIDS+=("$!"); wait $!; fi
    kill -0 "$DRIVER" 2>/dev/null || break
    case "$kind" in
        silo-kill)
            n=$((RANDOM % 2 + 2))   # silo2 or silo3: silo1 is the reference, never killed
            fault silo-kill "silo$n"
            kill -KILL "$(pid_of "silo$n")"
            sleep 1
            start_silo "$n" ;;
        frontend-kill)
            n=${target#frontend}
            fault frontend-kill "$target"
            kill -KILL "$(pid_of "$target")"
            sleep 1
            start_frontend "$n" ;;
        redis-kill)
            fault redis-kill redis
            kill -KILL "$(pid_of redis)"
            sleep 5
            start_redis
            fault redis-start redis ;;
        dovecot-stop)
            fault dovecot-stop "$target"
            kill -TERM "$(pid_of "$target")" ;;
        dovecot-start)
            for _ in $(seq 1 100); do kill -0 "$(pid_of "$target")" 2>/dev/null || break; sleep 0.1; done
            start_dovecot "${target#dovecot}"
            fault dovecot-start "$target" ;;
        reload)
            reload_frontend "${target#frontend}" || true ;;
    esac
done < "$SCHEDULE"

set +e
wait "$DRIVER"
RC=$?
set -e
# Every process the soak depends on must still be running (restarted ones included).
for role in redis silo1 silo2 silo3 frontend1 frontend2 dovecot1 dovecot2 postfix auth; do
    kill -0 "$(pid_of "$role")" 2>/dev/null || { echo "soak.sh: $role (pid $(pid_of "$role")) is not running at the end" >&2; RC=1; }
done
RELOADS=$(cat "$WORK"/frontend*/logs/error.log 2>/dev/null | grep -c 'reload: .* applied' || true)
log "reloads applied (Frontends' error logs): $RELOADS of $(grep -c $'\treload\t' "$WORK/faults.tsv" || true)"
[ "$RC" -eq 0 ] && log "every invariant held: $OUT.md $OUT.json" || log "INVARIANTS BROKEN (see above): $OUT.md $OUT.json"
exit "$RC"
