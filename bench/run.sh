#!/usr/bin/env bash
# The benchmark (README "Benchmark"): OrleansMail next to the NGINX mail proxy, in front of the same tuned Dovecot
# (IMAP, POP3), the same private Postfix (SMTP) and the same auth_http server, and a direct connection to Dovecot and
# Postfix, measured interleaved on this machine.
#
#   bash bench/run.sh                 full run (3 rounds, 10 s logins, 8 s relay and SMTP messages, 5,000 idle sessions)
#   bash bench/run.sh --smoke         CI smoke run (1 round, ~1 s per scenario, 50 idle sessions; output checked)
#   bash bench/run.sh --only tls      the TLS scenarios alone (with --rounds, --seconds, --relay-seconds as below)
#   bash bench/run.sh --only logins --baseline DLL   the plaintext IMAP, POP3 and SMTP logins alone, next to another build
#
# Scenarios (README "Benchmark"): IMAP logins (cold, auth cache warm, and through the cluster target: Redis, two Silo
# processes, two Frontends), IMAP OAUTHBEARER logins (a 6,000-byte bearer token: direct Dovecot and OrleansMail), relay of a 10 MB message, steady-state small commands (20 clients logged in, sequential
# and pipelined), idle sessions, POP3 and SMTP logins, SMTP messages; the Frontends'
# bytes allocated per login from their /metrics. The TLS scenarios (README "Benchmark"), next to nginx and
# direct Dovecot/Postfix with TLS configured on them too: IMAP logins over implicit TLS with a full handshake (an
# RSA-2048 and an ECDSA P-256 certificate, made with openssl in the temp folder), with session resumption, over
# STARTTLS; POP3 over implicit TLS; SMTP submission (STARTTLS, AUTH PLAIN, one message); the relay over implicit TLS.
#
# Options (after --smoke, if any, to override it):
#   --sessions N        idle sessions held at once (default 5000; at most 9000: 20,000 fds, 2 per proxied session)
#   --commands-clients N  logged-in clients of the steady-state command scenario (default 20)
#   --commands-depth N  commands in flight per client in its pipelined variant (default 4)
#   --flood-held N      idle pre-login connections held in the connection-flood measurement (default 10000; smoke 200)
#   --flood N           connections from one address in the flood (default 10000; smoke 500)
#   --seconds S         seconds per login run (default 10)
#   --relay-seconds S   seconds per relay run (default 8)
#   --rounds R          interleaved rounds, medians over them (default 3)
#   --concurrency C     concurrent logins (default 50)
#   --smtp-concurrency C  concurrent SMTP connections sending messages (default 8)
#   --orleans-protocols "imap pop3 smtp"   OrleansMail listeners to measure (default all three)
#   --token-bytes N     bearer token length of the OAUTHBEARER logins (default 6000; at most 6100, Dovecot 2.3's limit)
#   --out PREFIX        result files PREFIX.json/.md/.svg (default bench/results/latest; smoke: bench/results/smoke)
#   --keep              keep the temp folder (configs, logs) after the run
#   --only tls          only the TLS scenarios: no cluster target, no metrics-off or warm-cache OrleansMail, no flood
#   --only logins       only the plaintext IMAP, POP3 and SMTP login scenarios of direct, nginx, OrleansMail (and the
#                       baseline): a login path's before/after over more rounds than the full run affords
#   --baseline DLL      another build's Frontend.dll (a worktree of an earlier commit, built Release), started as OrleansMail
#                       is for plaintext IMAP, POP3 and SMTP and the TLS listeners, and measured in the same interleaved
#                       rounds as the column orleansmail-baseline: a change's cost or gain against the code before it
#
# Last, the connection flood (README "Connection limits"): a third OrleansMail with the default per-address pre-login
# limit holds --flood-held idle pre-login connections from many loopback addresses (RSS per connection), then takes
# --flood connections from 127.0.0.1 while the real user logs in from 127.0.0.2 (PREFIX-flood.json/.md).
#
# OrleansMail runs twice for IMAP: with metrics on (the default) and with Metrics:Enabled=false; the report states the
# cost of metrics per login and per GB relayed (README "Benchmark": target under 3 %).
#
# Everything runs on 127.0.0.1 at free high ports from a temp folder and is stopped at the end, always.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# shellcheck source=bench/lib/cluster.sh
source bench/lib/cluster.sh

MODE=full
SESSIONS=5000 SECONDS_LOGIN=10 SECONDS_RELAY=8 ROUNDS=3 CONCURRENCY=50 WARMUP=3 HOLD=3 SMTP_CONCURRENCY=8
FLOOD_HELD=10000 FLOOD=10000 PRELOGIN_PER_ADDRESS=20
COMMANDS_CLIENTS=20 COMMANDS_DEPTH=4 TOKEN_BYTES=6000
ORLEANS_PROTOCOLS="imap pop3 smtp"
OUT=bench/results/latest
KEEP=0
ONLY=""
BASELINE=""
CHECK=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = "--smoke" ]; then
        MODE=smoke SESSIONS=50 SECONDS_LOGIN=1 SECONDS_RELAY=1 ROUNDS=1 WARMUP=1 HOLD=1 OUT=bench/results/smoke
        FLOOD_HELD=200 FLOOD=500
        CHECK=(--check)
    fi
done
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) ;;
        --sessions) SESSIONS=$2; shift ;;
        --flood-held) FLOOD_HELD=$2; shift ;;
        --commands-clients) COMMANDS_CLIENTS=$2; shift ;;
        --commands-depth) COMMANDS_DEPTH=$2; shift ;;
        --flood) FLOOD=$2; shift ;;
        --seconds) SECONDS_LOGIN=$2; shift ;;
        --relay-seconds) SECONDS_RELAY=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --smtp-concurrency) SMTP_CONCURRENCY=$2; shift ;;
        --orleans-protocols) ORLEANS_PROTOCOLS=$2; shift ;;
        --token-bytes) TOKEN_BYTES=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=1 ;;
        --only) case "$2" in tls|logins) ONLY=$2 ;; *) echo "run.sh: --only: tls or logins" >&2; exit 2 ;; esac; shift ;;
        --baseline) BASELINE=$(realpath "$2"); shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -z "$BASELINE" ] || [ -f "$BASELINE" ] || { echo "run.sh: --baseline: no file $BASELINE" >&2; exit 2; }
STARTED=$(date +%s)
log() { echo "[$(date +%H:%M:%S)] bench: $*"; }

# --- what the benchmark needs: Debian packages (nginx-full + mail module, dovecot-imapd/-pop3d, postfix) and a
# Release build ----------------------------------------------------------------------------------------------------
bash .ci/install-test-deps.sh
log "building Release (the load generator and, through its project reference, the Frontend; the Silo for the cluster target)"
dotnet build bench/LoadGenerator/LoadGenerator.csproj -c Release --nologo -v q -clp:NoSummary
dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:NoSummary
SILO="$ROOT/Silo/bin/Release/net10.0/Silo.dll"
FRONTEND="$ROOT/Frontend/bin/Release/net10.0/Frontend.dll"
LOADGEN="$ROOT/bench/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll"
NGINX_MAIL_MODULE=/usr/lib/nginx/modules/ngx_mail_module.so
[ -f "$NGINX_MAIL_MODULE" ] || { echo "run.sh: $NGINX_MAIL_MODULE missing (libnginx-mod-mail)" >&2; exit 1; }
# Postfix's master starts as root and runs its daemons as the postfix user.
[ "$(id -u)" -eq 0 ] || { echo "run.sh: run as root (the private Postfix's master needs it)" >&2; exit 1; }

# A proxy holds two descriptors per session; everything started from here inherits the raised limit.
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-bench.XXXXXX")
chmod 755 "$WORK"   # Dovecot's mail processes (nobody) must reach the homes below
# Postfix's queue in memory when /dev/shm exists: the messages are discarded, the disk is not what is measured.
POSTFIX_QUEUE=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo "$WORK")/orleansmail-bench-postfix.XXXXXX")
chmod 755 "$POSTFIX_QUEUE"   # root-owned, world-readable: Postfix's own layout (postfix check)
PIDS=()
cleanup() {
    local rc=$?
    set +e
    stop_pids "${PIDS[@]}"
    [ "$rc" -ne 0 ] && tail_logs 30 "$WORK"/*.log "$WORK"/nginx*/error.log "$WORK"/dovecot*/dovecot.log "$WORK"/postfix/maillog
    if [ "$KEEP" = 1 ]; then echo "bench: kept $WORK and $POSTFIX_QUEUE" >&2; else rm -rf "$WORK" "$POSTFIX_QUEUE"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r P_DOVECOT P_DOVECOT_IDLE P_AUTH P_NGINX P_NGINX64 P_ORLEANS P_SILO P_GATEWAY \
    P_DOVECOT_POP3 P_POSTFIX P_NGINX_POP3 P_NGINX_SMTP P_ORLEANS_POP3 P_ORLEANS_SMTP \
    P_WARM P_WARM_SILO P_WARM_GATEWAY P_FLOOD P_FLOOD_SILO P_FLOOD_GATEWAY \
    P_OFF P_OFF_SILO P_OFF_GATEWAY P_ORLEANS_METRICS P_WARM_METRICS \
    P_NGINX_FLOOD P_REDIS P_C_SILO1 P_C_GATEWAY1 P_C_HEALTH1 P_C_SILO2 P_C_GATEWAY2 P_C_HEALTH2 P_C_FRONTEND1 P_C_FRONTEND2 \
    P_ORLEANS_OAUTH P_DOVECOT_IMAPS P_DOVECOT_POP3S P_NGINX_IMAPS P_NGINX_IMAPS_ECDSA P_NGINX_STARTTLS P_NGINX_POP3S \
    P_NGINX_SUBMISSION P_NGINX64_IMAPS P_ORLEANS_IMAPS P_ORLEANS_IMAPS_ECDSA P_ORLEANS_STARTTLS P_ORLEANS_POP3S \
    P_ORLEANS_SUBMISSION P_BASE P_BASE_POP3 P_BASE_SMTP P_BASE_SILO P_BASE_GATEWAY \
    P_BASE_IMAPS P_BASE_IMAPS_ECDSA P_BASE_STARTTLS P_BASE_POP3S P_BASE_SUBMISSION < <(dotnet "$LOADGEN" free-ports 59)
USERS=200
PASSWORD=benchpass

# --- the TLS scenarios' server certificates: RSA-2048 and ECDSA P-256, self-signed, for localhost and
# *.bench.localhost (the load generator's SNI names), given to every server alike; the load generator pins them ------
TLS="$WORK/tls"
make_server_certificates "$TLS"


# --- Dovecot, tuned so its own cost does not hide the proxies' -----------------------------------------------
# Two instances from one template: "dovecot" serves the login and relay scenarios (users bench*), tuned for speed
# (one process per session, reused); "dovecot-idle" holds the idle sessions (users idle*) with many
# sessions per imap process, so opening 5,000 sessions does not fork 5,000 processes per run. The idle scenario
# measures the proxy's memory, not Dovecot's.
if [ "$(id -u)" -eq 0 ]; then
    MAIL_UID=$(id -u nobody) MAIL_GID=$(id -g nobody)
    INTERNAL_USER=$(id -un dovecot 2>/dev/null || echo nobody)
    INTERNAL_GROUP=$(id -gn "$INTERNAL_USER")
    LOGIN_USER=$(id -un dovenull 2>/dev/null || echo nobody)
    CHROOT=""
else
    MAIL_UID=$(id -u) MAIL_GID=$(id -g) INTERNAL_USER=$(id -un) INTERNAL_GROUP=$(id -gn) LOGIN_USER=$(id -un)
    CHROOT="chroot ="
fi
write_dovecot() { # name port user-prefix imap-service-settings [protocols] [more-services] [imaps-port]
    local d="$WORK/$1"
    mkdir -p "$d/home"
    chmod 1777 "$d/home"
    for ((u = 0; u < USERS; u++)); do echo "$3$u:{PLAIN}$PASSWORD::::::"; done > "$d/users"
    echo "benchrelay:{PLAIN}$PASSWORD::::::" >> "$d/users"
    # Bearer tokens (README "Bearer-token logins") are checked at the auth server's RFC 7662 introspection endpoint
    # (Dovecot 2.3's oauth2 passdb, "Open Authentication v2.0 database"); the token names the user, and Dovecot checks
    # it is the one logging in.
    cat > "$d/dovecot-oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://127.0.0.1:$P_AUTH/introspect
username_attribute = username
active_attribute = active
active_value = true
EOF
    cat > "$d/dovecot.conf" <<EOF
# Generated by bench/run.sh (Dovecot 2.3).
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
instance_name = orleansmail-bench-$1-$(basename "$WORK")
protocols = ${5:-imap}
listen = 127.0.0.1
# TLS for the TLS scenarios' direct rows (STARTTLS on the plaintext listeners, imaps/pop3s where a port is given):
# the run's RSA-2048 certificate, and its ECDSA P-256 one for clients that ask for ecdsa.bench.localhost (SNI).
ssl = yes
ssl_cert = <$TLS/rsa.crt
ssl_key = <$TLS/rsa.key
ssl_min_protocol = TLSv1.2
local_name ecdsa.bench.localhost {
  ssl_cert = <$TLS/ecdsa.crt
  ssl_key = <$TLS/ecdsa.key
}
disable_plaintext_auth = no
auth_mechanisms = plain login oauthbearer xoauth2
auth_failure_delay = 0
mail_location = maildir:~/Maildir
# Keep stored messages in CRLF form, so FETCH sends the file as it is.
mail_save_crlf = yes
first_valid_uid = $MAIL_UID
last_valid_uid = 0
first_valid_gid = $MAIL_GID
last_valid_gid = 0
default_internal_user = $INTERNAL_USER
default_internal_group = $INTERNAL_GROUP
default_login_user = $LOGIN_USER
mail_max_userip_connections = 100000
default_client_limit = $((SESSIONS * 2 + 2000))
default_process_limit = 100
default_vsz_limit = 1G
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $d/dovecot-oauth2.conf.ext
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = $d/users
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$d/home/%u
}
# Long-lived login processes handle every connection (no fork per login).
service imap-login {
  $CHROOT
  inet_listener imap {
    address = 127.0.0.1
    port = $2
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${7:-0}
  }
  service_count = 0
  process_min_avail = 2
}
service imap {
$4
}
${6:-}
service anvil {
  $CHROOT
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}
start_dovecot() { # name port
    log "starting $1 on 127.0.0.1:$2"
    /usr/sbin/dovecot -F -c "$WORK/$1/dovecot.conf" > "$WORK/$1-master.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$1" "$2" "$pid"
    STARTED_PID=$pid
}
# Mail processes are reused for 1000 sessions and kept warm. This instance also serves POP3 (tuned
# the same way) and lends its auth service to Postfix (SASL for the direct SMTP logins) through a socket.
write_dovecot dovecot "$P_DOVECOT" bench "  service_count = 1000
  process_min_avail = 8
  idle_kill = 5 secs
  process_limit = $((CONCURRENCY * 2 + 500))" "imap pop3" "service pop3-login {
  $CHROOT
  inet_listener pop3 {
    address = 127.0.0.1
    port = $P_DOVECOT_POP3
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $P_DOVECOT_POP3S
  }
  service_count = 0
  process_min_avail = 2
}
service pop3 {
  service_count = 1000
  process_min_avail = 8
  idle_kill = 5 secs
  process_limit = $((CONCURRENCY * 2 + 500))
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}" "$P_DOVECOT_IMAPS"
# Up to 250 sessions per imap process (all users share one uid, so Dovecot allows it).
write_dovecot dovecot-idle "$P_DOVECOT_IDLE" idle "  service_count = 0
  client_limit = 250
  process_min_avail = 4
  process_limit = $((SESSIONS / 250 + 20))"
start_dovecot dovecot "$P_DOVECOT"
DOVECOT_PID=$STARTED_PID
wait_port dovecot-pop3 "$P_DOVECOT_POP3" "$DOVECOT_PID"
wait_port dovecot-imaps "$P_DOVECOT_IMAPS" "$DOVECOT_PID"
wait_port dovecot-pop3s "$P_DOVECOT_POP3S" "$DOVECOT_PID"
start_dovecot dovecot-idle "$P_DOVECOT_IDLE"

# --- the one auth_http server both proxies ask (Kestrel; OK + Dovecot's address for bench users) ---------------
log "starting the auth_http server on 127.0.0.1:$P_AUTH"
dotnet "$LOADGEN" serve-auth --port "$P_AUTH" --upstream-port "$P_DOVECOT" --idle-upstream-port "$P_DOVECOT_IDLE" \
    --pop3-upstream-port "$P_DOVECOT_POP3" --smtp-upstream-port "$P_POSTFIX" --password "$PASSWORD" --token-bytes "$TOKEN_BYTES" --max-seconds 3600 \
    > "$WORK/auth.log" 2>&1 &
AUTH_PID=$!
PIDS+=("$AUTH_PID")
wait_port auth "$P_AUTH" "$AUTH_PID"

# --- Postfix: a private instance whose smtpd is the SMTP upstream of both proxies and the direct SMTP target ------
# (bench/lib/cluster.sh's write_postfix: messages discarded, XCLIENT from loopback). The direct logins use AUTH PLAIN
# checked by Dovecot's auth service (SASL type dovecot) against the same users.
PF="$WORK/postfix"
write_postfix "$PF" "$POSTFIX_QUEUE" "$P_POSTFIX" $((CONCURRENCY * 2 + 100)) "smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $WORK/dovecot/run/auth-postfix
smtpd_tls_security_level = may
smtpd_tls_cert_file = $TLS/rsa.crt
smtpd_tls_key_file = $TLS/rsa.key"
log "starting Postfix on 127.0.0.1:$P_POSTFIX (queue $POSTFIX_QUEUE)"
start_postfix "$PF" "$WORK/postfix-master.log"
POSTFIX_PID=$STARTED_PID
PIDS+=("$POSTFIX_PID")
wait_port postfix "$P_POSTFIX" "$POSTFIX_PID"

# --- nginx, two variants: the default proxy_buffer (4k/8k) and proxy_buffer 64k ---------------------------------
# The first also has a POP3 and an SMTP server (xclient on: XCLIENT to Postfix, then the client's MAIL/RCPT/DATA).
start_nginx() { # name port extra-directive [more-servers]
    local dir="$WORK/$1"
    mkdir -p "$dir/logs"
    cat > "$dir/nginx.conf" <<EOF
# Generated by bench/run.sh.
load_module $NGINX_MAIL_MODULE;
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile $(ulimit -Hn);
events {
    worker_connections $(( (SESSIONS > FLOOD_HELD ? SESSIONS : FLOOD_HELD) * 2 + 1000 ));
}
mail {
    server_name localhost;
    auth_http 127.0.0.1:$P_AUTH/auth;
    imap_capabilities IMAP4 IMAP4rev1 UIDPLUS;
    # TLS (the TLS scenarios): the run's RSA-2048 certificate; sessions resumable through the cache and tickets; the
    # protocols OrleansMail offers by default (nginx 1.22's default leaves TLSv1.3 out, which 1.23.4 added).
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $TLS/rsa.crt;
    ssl_certificate_key $TLS/rsa.key;
    ssl_session_cache shared:SSL:10m;
    ssl_session_tickets on;
    $3
    server {
        listen 127.0.0.1:$2;
        protocol imap;
    }
${4:-}
}
EOF
    log "starting $1 on 127.0.0.1:$2"
    /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" > "$WORK/$1.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$1" "$2" "$pid"
    STARTED_PID=$pid
}
start_nginx nginx "$P_NGINX" "" "    server {
        listen 127.0.0.1:$P_NGINX_POP3;
        protocol pop3;
        pop3_auth plain;
    }
    server {
        listen 127.0.0.1:$P_NGINX_SMTP;
        protocol smtp;
        smtp_auth plain login;
        xclient on;
    }
    server {
        listen 127.0.0.1:$P_NGINX_IMAPS ssl;
        protocol imap;
    }
    server {
        listen 127.0.0.1:$P_NGINX_IMAPS_ECDSA ssl;
        protocol imap;
        ssl_certificate $TLS/ecdsa.crt;
        ssl_certificate_key $TLS/ecdsa.key;
    }
    server {
        listen 127.0.0.1:$P_NGINX_STARTTLS;
        protocol imap;
        starttls on;
    }
    server {
        listen 127.0.0.1:$P_NGINX_POP3S ssl;
        protocol pop3;
        pop3_auth plain;
    }
    server {
        listen 127.0.0.1:$P_NGINX_SUBMISSION;
        protocol smtp;
        smtp_auth plain login;
        starttls on;
        xclient on;
    }"
NGINX_PID=$STARTED_PID
start_nginx nginx-64k "$P_NGINX64" "proxy_buffer 64k;" "    server {
        listen 127.0.0.1:$P_NGINX64_IMAPS ssl;
        protocol imap;
    }"
NGINX64_PID=$STARTED_PID
for port in "$P_NGINX_IMAPS" "$P_NGINX_IMAPS_ECDSA" "$P_NGINX_STARTTLS" "$P_NGINX_POP3S" "$P_NGINX_SUBMISSION"; do
    wait_port nginx-tls "$port" "$NGINX_PID"
done
wait_port nginx-64k-tls "$P_NGINX64_IMAPS" "$NGINX64_PID"

# One more OrleansMail with a single IMAP listener and its own embedded silo: NAME PORT SILO_PORT GATEWAY_PORT [settings...];
# quiet logging; its pid in STARTED_PID once it accepts.
start_imap_orleansmail() {
    local name=$1 port=$2 silo=$3 gateway=$4
    shift 4
    dotnet "$FRONTEND" \
        --Mail:AuthHttp="http://127.0.0.1:$P_AUTH/auth" \
        --Mail:Servers:0:Name=imap --Mail:Servers:0:Listen="127.0.0.1:$port" --Mail:Servers:0:Protocol=imap \
        --Cluster:SiloPort="$silo" --Cluster:GatewayPort="$gateway" \
        --Logging:LogLevel:Default=Warning --Logging:LogLevel:OrleansMail=Warning "$@" \
        > "$WORK/$name.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    wait_port "$name" "$port" "$STARTED_PID"
}

# --- OrleansMail: the Release Frontend, embedded silo, quiet logging --------------------------------------------
log "starting OrleansMail on 127.0.0.1:$P_ORLEANS ($ORLEANS_PROTOCOLS)"
# The same servers as nginx's, with nginx's defaults (pop3_auth plain, smtp_auth plain login, xclient on).
ORLEANS_SERVERS=(--Mail:Servers:0:Name=imap --Mail:Servers:0:Listen="127.0.0.1:$P_ORLEANS" --Mail:Servers:0:Protocol=imap)
POP3_TARGETS=(--pop3-target "direct:$P_DOVECOT_POP3" --pop3-target "nginx:$P_NGINX_POP3:$NGINX_PID")
SMTP_TARGETS=(--smtp-target "direct:$P_POSTFIX" --smtp-target "nginx:$P_NGINX_SMTP:$NGINX_PID")
n=1
for protocol in $ORLEANS_PROTOCOLS; do
    case "$protocol" in
        imap) continue ;;
        pop3) port=$P_ORLEANS_POP3 ;;
        smtp) port=$P_ORLEANS_SMTP ;;
        *) echo "run.sh: --orleans-protocols: unknown protocol $protocol" >&2; exit 2 ;;
    esac
    ORLEANS_SERVERS+=(--Mail:Servers:$n:Name="$protocol" --Mail:Servers:$n:Listen="127.0.0.1:$port"
        --Mail:Servers:$n:Protocol="$protocol" --Mail:Servers:$n:ServerName=localhost)
    n=$((n + 1))
done
# One more IMAP listener for the OAUTHBEARER logins (README "Bearer-token logins") in the same process, so its CPU per
# login sits next to the LOGIN figure of the same process and round: imap_auth oauthbearer, SASL-IR advertised (clients
# send the token on the AUTHENTICATE line), allowed without TLS (loopback). proxy_oauth_login token (the default): the
# proxy logs in to Dovecot with AUTHENTICATE OAUTHBEARER and the client's token, which Dovecot introspects at the auth
# server.
ORLEANS_SERVERS+=(--Mail:Servers:$n:Name=imap-oauth --Mail:Servers:$n:Listen="127.0.0.1:$P_ORLEANS_OAUTH" --Mail:Servers:$n:Protocol=imap
    --Mail:Servers:$n:ImapAuth="plain oauthbearer" --Mail:Servers:$n:ImapCapabilities="IMAP4 IMAP4rev1 UIDPLUS SASL-IR"
    --Mail:Servers:$n:SaslOauthPlaintext=on)
# The TLS listeners, as nginx's above: implicit TLS with the RSA-2048 certificate (the full-handshake, resumption and
# TLS relay rows) and with the ECDSA P-256 one, IMAP STARTTLS, POP3 over implicit TLS, SMTP submission with STARTTLS;
# the certificate and nginx's session settings (ssl_session_cache shared:SSL:10m, ssl_session_tickets on) for all.
# The baseline (--baseline) gets the same ones on its own ports.
tls_servers() { # first-index imaps imaps-ecdsa starttls pop3s submission: the arguments, one per line
    local n=$1
    printf '%s\n' --Mail:SslCertificate:0="$TLS/rsa.crt" --Mail:SslCertificateKey:0="$TLS/rsa.key" \
        --Mail:SslSessionCache="shared:SSL:10m" --Mail:SslSessionTickets=on \
        --Mail:Servers:$n:Name=imaps --Mail:Servers:$n:Listen="127.0.0.1:$2 ssl" --Mail:Servers:$n:Protocol=imap \
        --Mail:Servers:$((n + 1)):Name=imaps-ecdsa --Mail:Servers:$((n + 1)):Listen="127.0.0.1:$3 ssl" --Mail:Servers:$((n + 1)):Protocol=imap \
        --Mail:Servers:$((n + 1)):SslCertificate:0="$TLS/ecdsa.crt" --Mail:Servers:$((n + 1)):SslCertificateKey:0="$TLS/ecdsa.key" \
        --Mail:Servers:$((n + 2)):Name=imap-starttls --Mail:Servers:$((n + 2)):Listen="127.0.0.1:$4" --Mail:Servers:$((n + 2)):Protocol=imap \
        --Mail:Servers:$((n + 2)):Starttls=on \
        --Mail:Servers:$((n + 3)):Name=pop3s --Mail:Servers:$((n + 3)):Listen="127.0.0.1:$5 ssl" --Mail:Servers:$((n + 3)):Protocol=pop3 \
        --Mail:Servers:$((n + 3)):ServerName=localhost \
        --Mail:Servers:$((n + 4)):Name=submission --Mail:Servers:$((n + 4)):Listen="127.0.0.1:$6" --Mail:Servers:$((n + 4)):Protocol=smtp \
        --Mail:Servers:$((n + 4)):ServerName=localhost --Mail:Servers:$((n + 4)):Starttls=on
}
n=$((n + 1))
mapfile -t ORLEANS_TLS_SERVERS < <(tls_servers "$n" "$P_ORLEANS_IMAPS" "$P_ORLEANS_IMAPS_ECDSA" "$P_ORLEANS_STARTTLS" "$P_ORLEANS_POP3S" "$P_ORLEANS_SUBMISSION")
ORLEANS_SERVERS+=("${ORLEANS_TLS_SERVERS[@]}")
# /metrics on a loopback health port, scraped by the load generator only around its IMAP login runs: the runtime's
# allocation counter (dotnet.gc.heap.total_allocated) gives bytes allocated per login (README "Benchmark"). No admin
# token here, so anonymous scraping; stopped at once (no shutdown_delay, which Health:Listen would otherwise turn on).
METRICS_ENDPOINT=(--Metrics:AnonymousScrape=true --ShutdownDelay=0)
# appsettings.json sets the OrleansMail category to Information; Default=Warning alone would leave it on.
# The auth-decision cache is off: here every login is decided by the auth server, as nginx's are (the cache would
# answer repeated logins from the grain, which is a different scenario from nginx's; the token cache likewise, so every
# OAUTHBEARER login is decided by the auth server too). The session limit is off too:
# the idle scenario holds thousands of sessions of a few hundred users from one address, as nginx allows (the bench
# Dovecot sets mail_max_userip_connections high for the same reason). Every client comes from 127.0.0.1, 50 at a
# time, so the per-address pre-login limit (20 by default; nginx has none) is off here; the flood below measures it.
dotnet "$FRONTEND" \
    --Mail:AuthHttp="http://127.0.0.1:$P_AUTH/auth" \
    "${ORLEANS_SERVERS[@]}" \
    --Cluster:SiloPort="$P_SILO" --Cluster:GatewayPort="$P_GATEWAY" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:OrleansMail=Warning \
    --LoginPolicy:AuthCacheTtl=0 --LoginPolicy:AuthCacheTokenTtl=0 --LoginPolicy:SessionLimitPerLoginAddress=0 --PreloginConnectionsPerAddress=0 \
    "${METRICS_ENDPOINT[@]}" --Health:Listen="127.0.0.1:$P_ORLEANS_METRICS" \
    > "$WORK/orleansmail.log" 2>&1 &
ORLEANS_PID=$!
PIDS+=("$ORLEANS_PID")
wait_port orleansmail "$P_ORLEANS" "$ORLEANS_PID"
wait_port orleansmail-oauth "$P_ORLEANS_OAUTH" "$ORLEANS_PID"
for port in "$P_ORLEANS_IMAPS" "$P_ORLEANS_IMAPS_ECDSA" "$P_ORLEANS_STARTTLS" "$P_ORLEANS_POP3S" "$P_ORLEANS_SUBMISSION"; do
    wait_port orleansmail-tls "$port" "$ORLEANS_PID"
done
for protocol in $ORLEANS_PROTOCOLS; do
    case "$protocol" in
        pop3) wait_port orleansmail-pop3 "$P_ORLEANS_POP3" "$ORLEANS_PID"
              POP3_TARGETS+=(--pop3-target "orleansmail:$P_ORLEANS_POP3:$ORLEANS_PID") ;;
        smtp) wait_port orleansmail-smtp "$P_ORLEANS_SMTP" "$ORLEANS_PID"
              SMTP_TARGETS+=(--smtp-target "orleansmail:$P_ORLEANS_SMTP:$ORLEANS_PID") ;;
    esac
done

# --- the baseline (--baseline): the other build, with OrleansMail's plaintext listeners and login policy ----------
BASELINE_TARGETS=()
if [ -n "$BASELINE" ]; then
    BASELINE_COMMIT=$(git -C "$(dirname "$BASELINE")" rev-parse --short HEAD 2>/dev/null || echo '?')
    log "starting the baseline OrleansMail ($BASELINE, $BASELINE_COMMIT) on 127.0.0.1:$P_BASE, POP3 $P_BASE_POP3, SMTP $P_BASE_SMTP, TLS $P_BASE_IMAPS.."
    mapfile -t BASE_TLS_SERVERS < <(tls_servers 3 "$P_BASE_IMAPS" "$P_BASE_IMAPS_ECDSA" "$P_BASE_STARTTLS" "$P_BASE_POP3S" "$P_BASE_SUBMISSION")
    dotnet "$BASELINE" \
        --Mail:AuthHttp="http://127.0.0.1:$P_AUTH/auth" \
        --Mail:Servers:0:Name=imap --Mail:Servers:0:Listen="127.0.0.1:$P_BASE" --Mail:Servers:0:Protocol=imap \
        --Mail:Servers:1:Name=pop3 --Mail:Servers:1:Listen="127.0.0.1:$P_BASE_POP3" --Mail:Servers:1:Protocol=pop3 --Mail:Servers:1:ServerName=localhost \
        --Mail:Servers:2:Name=smtp --Mail:Servers:2:Listen="127.0.0.1:$P_BASE_SMTP" --Mail:Servers:2:Protocol=smtp --Mail:Servers:2:ServerName=localhost \
        "${BASE_TLS_SERVERS[@]}" \
        --Cluster:SiloPort="$P_BASE_SILO" --Cluster:GatewayPort="$P_BASE_GATEWAY" \
        --Logging:LogLevel:Default=Warning --Logging:LogLevel:OrleansMail=Warning \
        --LoginPolicy:AuthCacheTtl=0 --LoginPolicy:AuthCacheTokenTtl=0 --LoginPolicy:SessionLimitPerLoginAddress=0 --PreloginConnectionsPerAddress=0 \
        --ShutdownDelay=0 > "$WORK/orleansmail-baseline.log" 2>&1 &
    BASE_PID=$!
    PIDS+=("$BASE_PID")
    for port in "$P_BASE" "$P_BASE_POP3" "$P_BASE_SMTP" "$P_BASE_IMAPS" "$P_BASE_IMAPS_ECDSA" "$P_BASE_STARTTLS" "$P_BASE_POP3S" "$P_BASE_SUBMISSION"; do
        wait_port orleansmail-baseline "$port" "$BASE_PID"
    done
    BASELINE_TARGETS=(--target "orleansmail-baseline:$P_BASE:$BASE_PID" --pop3-target "orleansmail-baseline:$P_BASE_POP3:$BASE_PID"
        --smtp-target "orleansmail-baseline:$P_BASE_SMTP:$BASE_PID")
fi

# The targets only the full run has (--only leaves them out: a quick before/after of the TLS scenarios or the logins).
if [ -z "$ONLY" ]; then
    # The same OrleansMail (IMAP) with metrics off (Metrics:Enabled=false: no meter provider): the cost of collecting
    # metrics, metrics on being the default (README "Metrics"), per login and per GB relayed, in the same interleaved rounds.
    log "starting OrleansMail (metrics off) on 127.0.0.1:$P_OFF"
    start_imap_orleansmail orleansmail-metrics-off "$P_OFF" "$P_OFF_SILO" "$P_OFF_GATEWAY" \
        --LoginPolicy:AuthCacheTtl=0 --LoginPolicy:SessionLimitPerLoginAddress=0 --PreloginConnectionsPerAddress=0 \
        --Metrics:Enabled=false
    OFF_PID=$STARTED_PID

    # A second OrleansMail with the auth-decision cache on (its default, 60 s): the warm-cache login rate (README "LoginPolicy").
    log "starting OrleansMail (auth cache on) on 127.0.0.1:$P_WARM"
    start_imap_orleansmail orleansmail-warm "$P_WARM" "$P_WARM_SILO" "$P_WARM_GATEWAY" --PreloginConnectionsPerAddress=0 \
        "${METRICS_ENDPOINT[@]}" --Health:Listen="127.0.0.1:$P_WARM_METRICS"
    WARM_PID=$STARTED_PID

    # --- the cluster target (README "The cluster target"): Redis, two Silo processes and two Frontends as Orleans clients of that cluster,
    # all on loopback (README "Running a cluster"), cluster TLS on as a Redis cluster requires ("Cluster security"): a
    # throwaway CA and one member certificate (server + client authentication) made here with openssl. Login policy as
    # the first OrleansMail's: every login decided by the auth server, no session limit, no per-address pre-login limit.
    CLUSTER_PKI="$WORK/cluster-pki"
    make_cluster_pki "$CLUSTER_PKI"
    log "starting the cluster target: Redis on 127.0.0.1:$P_REDIS"
    mkdir -p "$WORK/redis"
    redis-server --bind 127.0.0.1 --port "$P_REDIS" --save "" --appendonly no --dir "$WORK/redis" --daemonize no \
        > "$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_port redis "$P_REDIS" "$REDIS_PID"
    CLUSTER_SETTINGS=(--Cluster:Mode=Redis --Cluster:Redis="127.0.0.1:$P_REDIS" --Cluster:ServiceId=orleansmail-bench
        --Cluster:ClusterId="bench-$(basename "$WORK")" --Cluster:Tls:Certificate="$CLUSTER_PKI/member.crt"
        --Cluster:Tls:Key="$CLUSTER_PKI/member.key" --Cluster:Tls:Ca="$CLUSTER_PKI/ca.crt"
        --LoginPolicy:AuthCacheTtl=0 --LoginPolicy:SessionLimitPerLoginAddress=0
        --Logging:LogLevel:Default=Warning --Logging:LogLevel:OrleansMail=Warning)
    start_silo() { # name silo-port gateway-port health-port
        log "starting $1 (Silo.dll) on 127.0.0.1:$2, gateway $3"
        dotnet "$SILO" "${CLUSTER_SETTINGS[@]}" --Cluster:SiloPort="$2" --Cluster:GatewayPort="$3" --Cluster:AdvertisedIp=127.0.0.1 \
            --Health:Urls="http://127.0.0.1:$4" --ShutdownTimeout=5s > "$WORK/$1.log" 2>&1 &
        STARTED_PID=$!
        PIDS+=("$STARTED_PID")
    }
    start_silo cluster-silo1 "$P_C_SILO1" "$P_C_GATEWAY1" "$P_C_HEALTH1"
    SILO1_PID=$STARTED_PID
    start_silo cluster-silo2 "$P_C_SILO2" "$P_C_GATEWAY2" "$P_C_HEALTH2"
    SILO2_PID=$STARTED_PID
    for health in "$P_C_HEALTH1" "$P_C_HEALTH2"; do
        for _ in $(seq 1 600); do
            curl -fsS -o /dev/null "http://127.0.0.1:$health/health/ready" 2>/dev/null && break
            kill -0 "$SILO1_PID" 2>/dev/null && kill -0 "$SILO2_PID" 2>/dev/null || { echo "run.sh: a cluster silo exited during start-up" >&2; exit 1; }
            sleep 0.1
        done
        curl -fsS -o /dev/null "http://127.0.0.1:$health/health/ready" || { echo "run.sh: a cluster silo was not ready within 60 s" >&2; exit 1; }
    done
    start_cluster_frontend() { # name port
        log "starting $1 (Frontend.dll, client of the cluster) on 127.0.0.1:$2"
        dotnet "$FRONTEND" "${CLUSTER_SETTINGS[@]}" --Mail:AuthHttp="http://127.0.0.1:$P_AUTH/auth" \
            --Mail:Servers:0:Name=imap --Mail:Servers:0:Listen="127.0.0.1:$2" --Mail:Servers:0:Protocol=imap \
            --PreloginConnectionsPerAddress=0 > "$WORK/$1.log" 2>&1 &
        STARTED_PID=$!
        PIDS+=("$STARTED_PID")
        wait_port "$1" "$2" "$STARTED_PID"
    }
    start_cluster_frontend cluster-frontend1 "$P_C_FRONTEND1"
    FRONTEND1_PID=$STARTED_PID
    start_cluster_frontend cluster-frontend2 "$P_C_FRONTEND2"
    FRONTEND2_PID=$STARTED_PID
    CLUSTER="ports=$P_C_FRONTEND1,$P_C_FRONTEND2;frontends=$FRONTEND1_PID,$FRONTEND2_PID;silos=$SILO1_PID,$SILO2_PID;redis=$REDIS_PID"
fi

VERSIONS="nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||'), Dovecot $(/usr/sbin/dovecot --version | cut -d' ' -f1), Postfix $(/usr/sbin/postconf -d -h mail_version), .NET $(dotnet --version), OrleansMail $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[ -z "$BASELINE" ] || VERSIONS="$VERSIONS, baseline OrleansMail $BASELINE_COMMIT"
log "$VERSIONS; mode $MODE: $ROUNDS round(s), logins ${SECONDS_LOGIN}s x $CONCURRENCY, relay and SMTP messages ${SECONDS_RELAY}s, $SESSIONS idle sessions"

# --- the measurements (the load generator interleaves the targets and reads /proc) -------------------------------
# The TLS scenarios' targets: direct is Dovecot's imaps/pop3s listeners and STARTTLS on its IMAP port, and
# Postfix's smtpd with STARTTLS; the ECDSA row reaches Dovecot's ECDSA certificate by its SNI name. The relay over TLS
# runs against nginx 64k, the plaintext relay's better nginx.
TLS_TARGETS=(--tls-certificate rsa="$TLS/rsa.crt" --tls-certificate ecdsa="$TLS/ecdsa.crt")
for scenario in imaps_rsa imaps_resumed; do
    TLS_TARGETS+=(--tls-target "$scenario=direct:$P_DOVECOT_IMAPS" --tls-target "$scenario=nginx:$P_NGINX_IMAPS:$NGINX_PID"
        --tls-target "$scenario=orleansmail:$P_ORLEANS_IMAPS:$ORLEANS_PID")
done
TLS_TARGETS+=(--tls-target "imaps_ecdsa=direct:$P_DOVECOT_IMAPS" --tls-target "imaps_ecdsa=nginx:$P_NGINX_IMAPS_ECDSA:$NGINX_PID"
    --tls-target "imaps_ecdsa=orleansmail:$P_ORLEANS_IMAPS_ECDSA:$ORLEANS_PID"
    --tls-target "imap_starttls=direct:$P_DOVECOT" --tls-target "imap_starttls=nginx:$P_NGINX_STARTTLS:$NGINX_PID"
    --tls-target "imap_starttls=orleansmail:$P_ORLEANS_STARTTLS:$ORLEANS_PID"
    --tls-target "pop3s=direct:$P_DOVECOT_POP3S" --tls-target "pop3s=nginx:$P_NGINX_POP3S:$NGINX_PID"
    --tls-target "pop3s=orleansmail:$P_ORLEANS_POP3S:$ORLEANS_PID"
    --tls-target "submission=direct:$P_POSTFIX" --tls-target "submission=nginx:$P_NGINX_SUBMISSION:$NGINX_PID"
    --tls-target "submission=orleansmail:$P_ORLEANS_SUBMISSION:$ORLEANS_PID"
    --tls-target "tls_relay=direct:$P_DOVECOT_IMAPS" --tls-target "tls_relay=nginx-64k:$P_NGINX64_IMAPS:$NGINX64_PID"
    --tls-target "tls_relay=orleansmail:$P_ORLEANS_IMAPS:$ORLEANS_PID")
if [ -n "$BASELINE" ]; then
    for scenario in imaps_rsa imaps_resumed tls_relay; do TLS_TARGETS+=(--tls-target "$scenario=orleansmail-baseline:$P_BASE_IMAPS:$BASE_PID"); done
    TLS_TARGETS+=(--tls-target "imaps_ecdsa=orleansmail-baseline:$P_BASE_IMAPS_ECDSA:$BASE_PID"
        --tls-target "imap_starttls=orleansmail-baseline:$P_BASE_STARTTLS:$BASE_PID"
        --tls-target "pop3s=orleansmail-baseline:$P_BASE_POP3S:$BASE_PID"
        --tls-target "submission=orleansmail-baseline:$P_BASE_SUBMISSION:$BASE_PID")
fi
if [ "$ONLY" = tls ]; then
    PLAINTEXT_TARGETS=(--only tls)
elif [ "$ONLY" = logins ]; then
    TLS_TARGETS=()
    PLAINTEXT_TARGETS=(--only logins --target "direct:$P_DOVECOT" --target "nginx:$P_NGINX:$NGINX_PID"
        --target "orleansmail:$P_ORLEANS:$ORLEANS_PID" "${POP3_TARGETS[@]}" "${SMTP_TARGETS[@]}"
        --metrics "orleansmail=http://127.0.0.1:$P_ORLEANS_METRICS/metrics" "${BASELINE_TARGETS[@]}")
else
    PLAINTEXT_TARGETS=(
        --target "direct:$P_DOVECOT"
        --target "nginx:$P_NGINX:$NGINX_PID"
        --target "nginx-64k:$P_NGINX64:$NGINX64_PID"
        --target "orleansmail:$P_ORLEANS:$ORLEANS_PID"
        --target "orleansmail-metrics-off:$P_OFF:$OFF_PID"
        "${POP3_TARGETS[@]}" "${SMTP_TARGETS[@]}" --warm-target "orleansmail-warm:$P_WARM:$WARM_PID"
        --oauth-target "direct:$P_DOVECOT" --oauth-target "orleansmail:$P_ORLEANS_OAUTH:$ORLEANS_PID" --token-bytes "$TOKEN_BYTES"
        --metrics "orleansmail=http://127.0.0.1:$P_ORLEANS_METRICS/metrics" --metrics "orleansmail-warm=http://127.0.0.1:$P_WARM_METRICS/metrics"
        --cluster "$CLUSTER"
        --commands-clients "$COMMANDS_CLIENTS" --commands-depth "$COMMANDS_DEPTH" --commands-seconds "$SECONDS_RELAY"
        "${BASELINE_TARGETS[@]}")
fi
dotnet "$LOADGEN" bench "${PLAINTEXT_TARGETS[@]}" "${TLS_TARGETS[@]}" \
    --direct-port "$P_DOVECOT" --dovecot-pid "$DOVECOT_PID" --auth-port "$P_AUTH" --auth-pid "$AUTH_PID" \
    --postfix-pid "$POSTFIX_PID" --smtp-concurrency "$SMTP_CONCURRENCY" \
    --rounds "$ROUNDS" --login-seconds "$SECONDS_LOGIN" --relay-seconds "$SECONDS_RELAY" --warmup-seconds "$WARMUP" \
    --concurrency "$CONCURRENCY" --idle-sessions "$SESSIONS" --idle-hold-seconds "$HOLD" --users "$USERS" \
    --password "$PASSWORD" --out "$OUT" --mode "$MODE" --versions "$VERSIONS" "${CHECK[@]}"

if [ -z "$ONLY" ]; then
    # --- the connection flood: a third OrleansMail with its defaults (PreloginConnectionsPerAddress 20), room for the
    # held connections (WorkerConnections), started only now so it takes no CPU from the measurements above -----------
    # A fresh nginx too (no other client has used it), which holds the same idle pre-login connections first: nginx's RSS
    # per idle pre-login connection next to the fresh OrleansMail's (README "Connection flood").
    start_nginx nginx-flood "$P_NGINX_FLOOD" ""
    NGINX_FLOOD_PID=$STARTED_PID
    log "starting OrleansMail (connection flood) on 127.0.0.1:$P_FLOOD"
    start_imap_orleansmail orleansmail-flood "$P_FLOOD" "$P_FLOOD_SILO" "$P_FLOOD_GATEWAY" --WorkerConnections=$((FLOOD_HELD + PRELOGIN_PER_ADDRESS + 1000))
    FLOOD_PID=$STARTED_PID
    log "connection flood: $FLOOD_HELD idle pre-login connections held (nginx-flood first, then OrleansMail), then $FLOOD from 127.0.0.1, the real user from 127.0.0.2"
    dotnet "$LOADGEN" flood "$P_FLOOD" "$FLOOD_PID" "$FLOOD_HELD" "$PRELOGIN_PER_ADDRESS" "$FLOOD" bench0 "$PASSWORD" "$OUT-flood" \
        --nginx "$P_NGINX_FLOOD" "$NGINX_FLOOD_PID" "${CHECK[@]}"
fi

for pid in "${PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "run.sh: a server (pid $pid) died during the run" >&2; exit 1; fi
done
# The cluster target stops in order, as in a rollout: the Frontends, then the silos one after the other (a silo
# leaving tells the others; two stopping at once each wait for the other), then Redis. Bounded: cleanup's KILL.
stop_and_wait() { # pid...
    kill -TERM "$@" 2>/dev/null
    for pid in "$@"; do
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
}
if [ -z "$ONLY" ]; then
    log "stopping the cluster target"
    stop_and_wait "$FRONTEND1_PID" "$FRONTEND2_PID"
    stop_and_wait "$SILO2_PID"
    stop_and_wait "$SILO1_PID"
    stop_and_wait "$REDIS_PID"
fi
# Every message the SMTP scenario sent went through Postfix's queue into discard(8), none stayed behind (qmgr may
# still be finishing the last ones: up to 10 s).
for _ in $(seq 1 100); do
    QUEUED=$(find "$POSTFIX_QUEUE"/{incoming,active,deferred,hold} -type f 2>/dev/null | wc -l)
    [ "$QUEUED" -eq 0 ] && break
    sleep 0.1
done
DISCARDED=$(grep -c 'postfix/discard.*status=sent' "$PF/maillog" || true)
log "Postfix discarded $DISCARDED message(s); $QUEUED left in its queue"
if [ "$MODE" = smoke ] && { [ "$DISCARDED" -eq 0 ] || [ "$QUEUED" -ne 0 ]; }; then
    echo "run.sh: Postfix did not discard the SMTP scenario's messages" >&2
    exit 1
fi
log "done in $(( $(date +%s) - STARTED )) s: $OUT.json $OUT.md $OUT.svg$([ -n "$ONLY" ] || echo " $OUT-flood.json $OUT-flood.md")"
