#!/usr/bin/env bash
# Publishes the fuzz harness into DIR and instruments the copies of Frontend.dll and Grains.dll there for AFL
# (SharpFuzz's sharpfuzz tool, restored from .config/dotnet-tools.json). The solution's own build output is never
# instrumented. Usage: Tests/Fuzz/build.sh DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="${1:?usage: build.sh DIR}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# A fresh folder: sharpfuzz refuses an assembly it already instrumented, and publish keeps newer files.
rm -rf "$dir"
mkdir -p "$dir"
(cd "$root" && dotnet tool restore >/dev/null)
dotnet publish "$here/Fuzz.csproj" -c Release -o "$dir" --nologo -v quiet
for dll in Frontend.dll Grains.dll; do
    (cd "$root" && dotnet tool run sharpfuzz "$dir/$dll") >/dev/null
done
echo "build.sh: instrumented harness in $dir"
