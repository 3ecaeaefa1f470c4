#!/usr/bin/env bash
# Builds the GPU image probe with g++ and its CPU shim, runs it, and checks the report:
# a healthy run must pass (exit 0) and the GEMM fault switch must fail it (exit 1).
# Usage: scripts/probe-cpu-test.sh [extra probe arguments...]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/probe"
out="$root/target/probe-cpu"
mkdir -p "$out"

echo "== building with g++ (CPU shim)" >&2
g++ -O2 -std=c++17 -Wall -Wextra -Werror -o "$out/gpu-probe" "$src/probe.hip.cpp"

# Prints the value of a top-level string field of the report line on stdin.
field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }

echo "== healthy run" >&2
set +e
report=$("$out/gpu-probe" "$@")
rc=$?
set -e
verdict=$(printf '%s\n' "$report" | field verdict)
echo "exit $rc, verdict $verdict" >&2
if [ "$rc" -ne 0 ] || [ "$verdict" != pass ]; then
    printf '%s\n' "$report"
    echo "FAIL: expected exit 0 and verdict pass" >&2
    exit 1
fi

echo "== fault-injected run (GPU_PROBE_FAULT=gemm)" >&2
set +e
report=$(GPU_PROBE_FAULT=gemm "$out/gpu-probe" "$@" 2>/dev/null)
rc=$?
set -e
verdict=$(printf '%s\n' "$report" | field verdict)
gemm=$(printf '%s\n' "$report" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); print([c["status"] for c in r["checks"] if c["id"]=="gemm"][0])')
echo "exit $rc, verdict $verdict, gemm $gemm" >&2
if [ "$rc" -ne 1 ] || [ "$verdict" != fail ] || [ "$gemm" != fail ]; then
    printf '%s\n' "$report"
    echo "FAIL: expected exit 1, verdict fail, gemm fail" >&2
    exit 1
fi
echo "OK: probe CPU build passes healthy and fails on the injected GEMM fault" >&2
