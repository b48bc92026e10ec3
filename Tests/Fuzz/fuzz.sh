#!/usr/bin/env bash
# Fuzzes one target with AFL++ for SECONDS: Tests/Fuzz/fuzz.sh TARGET SECONDS [OUTDIR]
# Seeds are Tests/Fuzz/corpus/TARGET. Builds and instruments the harness first (build.sh) unless FUZZ_BIN names a
# folder build.sh already made. Prints AFL's executions and paths, and fails (printing each input as hex) when AFL
# saved a crash or a hang. Targets: dotnet Fuzz.dll --list (README "Fuzzing").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:?usage: fuzz.sh TARGET SECONDS [OUTDIR]}"
seconds="${2:?usage: fuzz.sh TARGET SECONDS [OUTDIR]}"
out="${3:-$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-fuzz-$target.XXXXXX")}"
corpus="$here/corpus/$target"
[ -d "$corpus" ] || { echo "fuzz.sh: no corpus $corpus" >&2; exit 2; }

bin="${FUZZ_BIN:-}"
if [ -z "$bin" ]; then
    bin="$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-fuzz-bin.XXXXXX")"
    bash "$here/build.sh" "$bin"
fi

# The target is a .NET program: AFL's checks for an instrumented native binary do not apply (SharpFuzz README).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
# dotnet takes a while to start before the first input; the machine may be busy.
export AFL_FORKSRV_INIT_TMOUT="${AFL_FORKSRV_INIT_TMOUT:-60000}"
# Minutes-long runs on a shared machine do not need AFL's one-off deterministic stage.
mkdir -p "$out"
status=0
export FUZZ_FAILURE_LOG="$out/failures.log"
afl-fuzz -V "$seconds" -m none -t "${FUZZ_TIMEOUT_MS:-10000}" -i "$corpus" -o "$out" -- dotnet "$bin/Fuzz.dll" "$target" \
    > "$out/afl.log" 2>&1 || status=$?

stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
    echo "fuzz.sh: $target: afl-fuzz did not start (exit $status); its log:" >&2
    tail -n 30 "$out/afl.log" >&2
    exit 1
fi
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "fuzz.sh: $target: $(field execs_done) executions in $(field run_time) s ($(field execs_per_sec) exec/s), paths (corpus) $(field corpus_count), edges $(field edges_found)/$(field total_edges), crashes $(field saved_crashes), hangs $(field saved_hangs); output in $out"

found=0
for file in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [ -f "$file" ] || continue
    found=1
    echo "fuzz.sh: $target: $(basename "$(dirname "$file")") input $file (hex):"
    od -An -v -tx1 "$file" | tr -d ' \n'; echo
done
if [ "$found" -ne 0 ]; then
    echo "fuzz.sh: $target: the exceptions are in $out/failures.log; replay an input with: dotnet Tests/Fuzz/bin/Release/net10.0/Fuzz.dll $target FILE" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $target: afl-fuzz exited with $status; its log:" >&2
    tail -n 30 "$out/afl.log" >&2
    exit 1
fi
