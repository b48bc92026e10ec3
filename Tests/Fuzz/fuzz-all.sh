#!/usr/bin/env bash
# Fuzzes every target for SECONDS each, two at a time (the machine has two cores): Tests/Fuzz/fuzz-all.sh SECONDS [OUTDIR]
# Builds and instruments the harness once. Fails when any target found a crash or a hang; each target's figures
# and findings are printed by fuzz.sh, its AFL output kept under OUTDIR/TARGET.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${1:?usage: fuzz-all.sh SECONDS [OUTDIR]}"
out="${2:-$(mktemp -d "${TMPDIR:-/tmp}/orleansmail-fuzz.XXXXXX")}"
parallel="${FUZZ_PARALLEL:-2}"

export FUZZ_BIN="$out/bin"
bash "$here/build.sh" "$FUZZ_BIN"
mapfile -t targets < <(dotnet "$FUZZ_BIN/Fuzz.dll" --list)

failed=()
pids=()
names=()
wait_one() {
    wait "${pids[0]}" || failed+=("${names[0]}")
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
}
for target in "${targets[@]}"; do
    [ "${#pids[@]}" -lt "$parallel" ] || wait_one
    bash "$here/fuzz.sh" "$target" "$seconds" "$out/$target" &
    pids+=("$!")
    names+=("$target")
done
while [ "${#pids[@]}" -gt 0 ]; do wait_one; done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "fuzz-all.sh: findings (or a failed run) in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz-all.sh: ${#targets[@]} targets, ${seconds} s each, no crash or hang"
