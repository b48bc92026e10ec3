#!/usr/bin/env bash
# CPU per TLS handshake: the NGINX mail proxy next to OrleansMail on implicit-TLS IMAP listeners (listen PORT ssl)
# with the same certificates, measured interleaved in the same run. The client is `openssl s_time` (one client):
# -new (a full handshake per connection), and a client that resumes its session (below), with an RSA-2048 and an ECDSA P-256
# certificate, each with ssl_ciphers unset and set. Per target: handshakes in the window and the proxy's own CPU
# (utime + stime from /proc/PID/stat; nginx's master and worker) per handshake, and its ratio to nginx's in the same
# round. No auth_http call is made: s_time only handshakes and closes.
#
#   bash bench/tls-handshake.sh [--seconds S] [--rounds R] [--warmup S] [--keep]   (default 8 s per run, 2 rounds, 20 s)
#       [--modes "new reuse"] [--keys "rsa ecdsa"] [--ciphers "unset set"]   (a subset of the scenarios)
#       [--baseline DIR/Frontend.dll]   (another build, e.g. main's, measured as a third target in the same rounds)
#
# Needs: nginx with the mail module (libnginx-mod-mail), openssl, a Release build of the Frontend
# (dotnet build Frontend/Frontend.csproj -c Release). Everything runs on 127.0.0.1 from a temp folder and is
# stopped at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=bench/lib/cluster.sh
source bench/lib/cluster.sh

SECONDS_RUN=8 ROUNDS=2 WARMUP=20 KEEP=0 BASELINE=""
MODES="new reuse" KEYS="rsa ecdsa" CIPHERS="unset set"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --modes) MODES=$2; shift ;;
        --keys) KEYS=$2; shift ;;
        --ciphers) CIPHERS=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "tls-handshake.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
FRONTEND="$ROOT/Frontend/bin/Release/net10.0/Frontend.dll"
NGINX_MAIL_MODULE=/usr/lib/nginx/modules/ngx_mail_module.so
[ -f "$FRONTEND" ] || { echo "tls-handshake.sh: build the Frontend first (Release)" >&2; exit 1; }
[ -f "$NGINX_MAIL_MODULE" ] || { echo "tls-handshake.sh: $NGINX_MAIL_MODULE missing (libnginx-mod-mail)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-tls-handshake.XXXXXX")
PIDS=()
cleanup() {
    local rc=$?
    set +e
    stop_pids "${PIDS[@]}"
    [ "$rc" -ne 0 ] && tail_logs 30 "$WORK"/*.log "$WORK"/*/error.log
    if [ "$KEEP" = 1 ]; then echo "tls-handshake: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() { # N
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# --- one self-signed certificate per key type, shared by both proxies --------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -out "$WORK/rsa.pem" -days 2 -subj /CN=localhost 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ecdsa.key" -out "$WORK/ecdsa.pem" \
    -days 2 -subj /CN=localhost 2>/dev/null
chmod 600 "$WORK"/*.key

# Listener per (key, ciphers): ssl_ciphers "set" is nginx's own default string written out, so both proxies get the
# same suites with and without the directive.
TARGETS="nginx orleansmail"
[ -n "$BASELINE" ] && TARGETS="$TARGETS baseline"
declare -A PORT
read -r -a PORTS < <(free_ports 16)
i=0
for target in nginx orleansmail baseline; do
    for key in rsa ecdsa; do
        for ciphers in unset set; do
            PORT[$target-$key-$ciphers]=${PORTS[$i]}
            i=$((i + 1))
        done
    done
done

servers() { # target
    local key ciphers port
    for key in rsa ecdsa; do
        for ciphers in unset set; do
            port=${PORT[$1-$key-$ciphers]}
            echo "    server {"
            echo "        listen 127.0.0.1:$port ssl;"
            echo "        protocol imap;"
            echo "        ssl_certificate $WORK/$key.pem;"
            echo "        ssl_certificate_key $WORK/$key.key;"
            echo "        ssl_protocols TLSv1.2 TLSv1.3;"
            [ "$ciphers" = set ] && echo "        ssl_ciphers HIGH:!aNULL:!MD5;"
            echo "    }"
        done
    done
}

mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<EOF
load_module $NGINX_MAIL_MODULE;
worker_processes 1;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log crit;
events { worker_connections 1024; }
mail {
    server_name localhost;
    auth_http 127.0.0.1:9/auth;
$(servers nginx)
}
EOF
/usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" > "$WORK/nginx.log" 2>&1 &
declare -A PID
PID[nginx]=$!
PIDS+=("${PID[nginx]}")
wait_port nginx "${PORT[nginx-rsa-unset]}" "${PID[nginx]}"

start_orleansmail() { # target Frontend.dll
    local dir="$WORK/$1" ports
    read -r -a ports < <(free_ports 2)
    mkdir -p "$dir/logs"
    cat > "$dir/orleansmail.conf" <<EOF
pid run/orleansmail.pid;
error_log logs/error.log crit;
cluster_silo_port ${ports[0]};
cluster_gateway_port ${ports[1]};
mail {
    server_name localhost;
    auth_http 127.0.0.1:9/auth;
$(servers "$1")
}
EOF
    dotnet "$2" -p "$dir" -c orleansmail.conf > "$WORK/$1.log" 2>&1 &
    PID[$1]=$!
    PIDS+=("${PID[$1]}")
    for _ in $(seq 1 600); do
        [ -f "$dir/run/orleansmail.pid" ] && return 0
        kill -0 "${PID[$1]}" 2>/dev/null || { echo "tls-handshake.sh: $1 exited during start-up" >&2; exit 1; }
        sleep 0.1
    done
    echo "tls-handshake.sh: $1 was not ready within 60 s" >&2
    exit 1
}
start_orleansmail orleansmail "$FRONTEND"
[ -n "$BASELINE" ] && start_orleansmail baseline "$BASELINE"

# CPU seconds x 100 (clock ticks) of a process and its threads; nginx: master + workers.
ticks() {
    local total=0 pid
    for pid in "$@"; do
        read -r -a f < "/proc/$pid/stat"
        total=$((total + f[13] + f[14]))
    done
    echo "$total"
}
pids_of() { # target: nginx's master and workers, or the Frontend
    if [ "$1" = nginx ]; then echo "${PID[nginx]} $(pgrep -P "${PID[nginx]}" | tr '\n' ' ')"; else echo "${PID[$1]}"; fi
}

echo "negotiated (openssl s_client -brief):"
for key in $KEYS; do
    for target in $TARGETS; do
        port=${PORT[$target-$key-unset]}
        printf '  %-12s %-6s ' "$target" "$key"
        openssl s_client -connect "127.0.0.1:$port" -brief < /dev/null 2>&1 |
            grep -E "Protocol version|Ciphersuite|Peer signature type|Server Temp Key|Negotiated TLS1.3 group" | cut -d: -f2- | tr -d '\n'
        echo
    done
done

# Resumption: `openssl s_time -reuse` closes before reading anything, so under TLS 1.3 it never receives the session
# ticket (sent after the handshake) and nothing resumes. This client reads the greeting (the ticket arrives before it),
# keeps the session and offers it on the next connection, as a mail client does; it prints connections and resumed ones.
cat > "$WORK/reuse.py" <<'EOF'
import socket, ssl, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
session, count, resumed = None, 0, 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw, session=session) as tls:
        # An immediate ACK of the tickets: else a server that sends the greeting as a second small segment waits
        # for a delayed ACK (40 ms, Nagle's algorithm) and the window holds too few handshakes to measure.
        tls.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        tls.recv(512)
        resumed += tls.session_reused
        session = tls.session
        count += 1
print(count, resumed)
EOF

# Warm-up: every listener once, then OrleansMail for --warmup seconds. A fresh .NET process keeps compiling methods
# at higher tiers for a while (tiered compilation, the embedded silo's too); that JIT work is a start-up cost, not a
# handshake's, so the measured windows start once most of it is done.
for port in "${PORT[@]}"; do openssl s_time -connect "127.0.0.1:$port" -new -time 1 > /dev/null 2>&1 || true; done
for target in $TARGETS; do
    [ "$target" = nginx ] && continue
    openssl s_time -connect "127.0.0.1:${PORT[$target-rsa-unset]}" -new -time "$WARMUP" > /dev/null 2>&1 || true
    python3 "$WORK/reuse.py" "${PORT[$target-rsa-unset]}" 2 > /dev/null
done

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        for key in $KEYS; do
            for ciphers in $CIPHERS; do
                for target in $TARGETS; do
                    port=${PORT[$target-$key-$ciphers]}
                    pids=$(pids_of "$target")
                    # shellcheck disable=SC2086
                    before=$(ticks $pids)
                    if [ "$mode" = new ]; then
                        out=$(openssl s_time -connect "127.0.0.1:$port" -new -time "$SECONDS_RUN" 2>&1 || true)
                        count=$(echo "$out" | grep -Eo '^[0-9]+ connections in' | tail -1 | cut -d' ' -f1)
                        reused=0
                    else
                        read -r count reused < <(python3 "$WORK/reuse.py" "$port" "$SECONDS_RUN")
                    fi
                    # shellcheck disable=SC2086
                    after=$(ticks $pids)
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$key" "$ciphers" "$target" "${count:-0}" "$((after - before))" "$reused" >> "$RESULTS"
                done
            done
        done
    done
done

# Per scenario, medians over the rounds: handshakes in the window (resumed ones), ms of the proxy's CPU per handshake,
# and each OrleansMail's ratio to nginx's CPU per handshake, round by round (the ratio is what compares across runs).
python3 - "$RESULTS" "$(getconf CLK_TCK)" $TARGETS <<'EOF'
import sys, statistics
from collections import defaultdict
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
hz, targets = int(sys.argv[2]), sys.argv[3:]
per = defaultdict(lambda: defaultdict(dict))
for rnd, mode, key, ciphers, target, count, ticks, reused in rows:
    count, ticks = int(count), int(ticks)
    per[(mode, key, ciphers)][rnd][target] = (count, 1000.0 * ticks / hz / count if count else float("nan"), int(reused))
head = ["mode", "key", "ssl_ciphers"]
for t in targets:
    head += [f"{t} handshakes (resumed)", f"{t} ms CPU/hs"] + ([f"{t}/nginx per round", f"{t}/nginx median"] if t != "nginx" else [])
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for (mode, key, ciphers), rounds in per.items():
    cells = [mode, key, ciphers]
    med = lambda f: statistics.median(f(r) for r in rounds.values())
    for t in targets:
        cells += [f"{med(lambda r: r[t][0]):.0f} ({med(lambda r: r[t][2]):.0f})", f"{med(lambda r: r[t][1]):.3f}"]
        if t != "nginx":
            ratios = [r[t][1] / r["nginx"][1] for r in rounds.values()]
            cells += [" / ".join(f"{x:.2f}" for x in ratios), f"{statistics.median(ratios):.2f}"]
    print("| " + " | ".join(cells) + " |")
EOF
