#!/usr/bin/env bash
# The project's test command: installs the real servers the tests start privately, builds
# the solution (warnings are errors), runs every test and prints "N passed, N failed".
# Fails when a test fails or is skipped, when no test ran, or when the run itself breaks.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash .ci/install-test-deps.sh

dotnet build OrleansMail.sln -c Release --nologo

log=$(mktemp "${TMPDIR:-/tmp}/orleansmail-test-log.XXXXXX")
status=0
dotnet test OrleansMail.sln -c Release --no-build --nologo \
    --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?

# Servers a crashed test host left behind (their parent is gone): only ours, by their folder.
for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    cwd=$(readlink "$proc/cwd" 2>/dev/null || true)
    case "$cwd" in
        */orleansmail-dovecot-*|*/orleansmail-redis-*|*/orleansmail-postfix-*)
            ppid=$(awk '/^PPid:/ {print $2}' "$proc/status" 2>/dev/null || echo "")
            if [ "$ppid" = "1" ]; then
                echo "test.sh: stopping leftover server $pid in $cwd" >&2
                kill "$pid" 2>/dev/null || true
            fi
            ;;
    esac
done

# "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total:    42, Duration: ..."
# one such line per test assembly.
read -r failed passed skipped total assemblies < <(
    sed -E 's/\x1b\[[0-9;]*m//g' "$log" |
    awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+, +Total: +[0-9]+/ {
            line = $0
            sub(/.*Failed: +/, "", line);  f += line + 0
            line = $0
            sub(/.*Passed: +/, "", line);  p += line + 0
            line = $0
            sub(/.*Skipped: +/, "", line); s += line + 0
            line = $0
            sub(/.*Total: +/, "", line);   t += line + 0
            n++
         }
         END { printf "%d %d %d %d %d\n", f, p, s, t, n }')
rm -f "$log"

echo
echo "$passed passed, $failed failed"

if [ "$status" -ne 0 ]; then
    echo "test.sh: dotnet test exited with $status" >&2
    exit "$status"
fi
if [ "$assemblies" -eq 0 ] || [ "$total" -eq 0 ]; then
    echo "test.sh: no tests ran" >&2
    exit 1
fi
if [ "$failed" -ne 0 ]; then
    exit 1
fi
if [ "$skipped" -ne 0 ]; then
    echo "test.sh: $skipped test(s) skipped; skips count as failures here" >&2
    exit 1
fi
if [ $((passed + failed + skipped)) -ne "$total" ]; then
    echo "test.sh: counts don't add up ($passed + $failed + $skipped != $total)" >&2
    exit 1
fi

# Every fuzz target under AFL++ for 60 s, two at a time (Tests/Fuzz/fuzz-all.sh, README "Fuzzing"): fails when one
# finds a crash, a hang or a broken invariant, printing the input.
bash Tests/Fuzz/fuzz-all.sh 60

# The benchmark's smoke mode: every scenario for ~1 s against direct Dovecot, nginx (two variants) and OrleansMail,
# 50 idle sessions, then POP3 logins and SMTP logins and messages (direct Dovecot / Postfix, nginx, OrleansMail); fails
# unless every scenario produced numbers with zero errors, Postfix discarded the messages and the files were written.
bash bench/run.sh --smoke

# The chaos soak's CI version (README "Reliability"): Redis, three Silos, two Frontends, two Dovecots, Postfix and the
# auth server for 3 minutes under a mixed load while a Dovecot is stopped, two Silos, a Frontend and Redis are killed
# and Frontends reload; fails unless every invariant held.
bash bench/soak.sh --minutes 3
