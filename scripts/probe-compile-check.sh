#!/usr/bin/env bash
# Compile-checks the GPU image probe for real GPUs, without needing one:
#   AMD:    Debian's hipcc (apt package `hipcc`, ROCm 5.2 / LLVM 15) for --offload-arch=gfx90a.
#           LLVM 15 does not know gfx942 (MI300); that target is only tried and reported.
#   NVIDIA: nvcc from the PyPI wheel `nvidia-cuda-nvcc` (CUDA 13, pulls in the runtime headers and
#           static cudart) in a venv under target/, for sm_90; the binary links statically.
# Each binary is then started once: with no GPU here it must print a report line for its backend
# and exit 2 ("could not run"); on a machine with a GPU it runs the probe for real.
# Installs are skipped when already done, so re-runs only compile (about 15 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/probe/probe.hip.cpp"
out="$root/target/probe-compile"
venv="$root/target/probe-toolchains/nvcc-venv"
mkdir -p "$out"
failed=()

log() { echo "== $*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Runs a built probe with no GPU expected; checks its last stdout line names the backend.
smoke() {
    local bin=$1 backend=$2 rc=0 line
    line=$(timeout 120 "$bin" --skip memory_touch 2>/dev/null | tail -n 1) || rc=$?
    if ! printf '%s' "$line" | grep "\"schema\":\"gpu-image-probe/1\".*\"backend\":\"$backend\"" >/dev/null; then
        echo "unexpected report from $bin (exit $rc): $line" >&2
        return 1
    fi
    echo "$bin ran: exit $rc, $(printf '%s' "$line" | grep -o '"verdict":"[a-z]*"')" >&2
}

# ---- AMD: hipcc ------------------------------------------------------------------------------
t0=$SECONDS
# The candidate version apt would install, empty when the package lists do not have hipcc.
hipcc_candidate() { apt-cache policy hipcc 2>/dev/null | sed -n 's/.*Candidate: \([0-9].*\)/\1/p' || true; }
if ! command -v hipcc >/dev/null 2>&1; then
    if [ -z "$(hipcc_candidate)" ]; then
        log "apt-get update (hipcc not in the package lists yet)"
        "${sudo_cmd[@]}" apt-get update -qq
    fi
    if [ -n "$(hipcc_candidate)" ]; then
        log "installing hipcc $(hipcc_candidate) from apt"
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends hipcc >/dev/null
    else
        echo "hipcc is not available from this machine's apt sources (Debian bookworm has 5.2.3)" >&2
    fi
fi
if command -v hipcc >/dev/null 2>&1; then
    log "hipcc $(hipcc --version 2>/dev/null | sed -n 's/^HIP version: //p') ready after $((SECONDS - t0)) s; compiling for gfx90a"
    t1=$SECONDS
    if hipcc -x hip --offload-arch=gfx90a -O2 -std=c++17 -Wall -o "$out/gpu-probe-hip" "$src" &&
        grep -ac 'amdgcn-amd-amdhsa--gfx90a' "$out/gpu-probe-hip" >/dev/null &&
        smoke "$out/gpu-probe-hip" hip; then
        log "hipcc gfx90a: OK in $((SECONDS - t1)) s (gfx90a code object embedded)"
    else
        failed+=("hipcc gfx90a")
    fi
    if hipcc -x hip --offload-arch=gfx942 -O2 -std=c++17 -c -o "$out/gpu-probe-gfx942.o" "$src" 2>/dev/null; then
        log "hipcc gfx942: OK"
    else
        log "hipcc gfx942: not supported by this hipcc (needs ROCm >= 5.7); not counted as a failure"
    fi
else
    failed+=("hipcc unavailable")
fi

# ---- NVIDIA: nvcc from PyPI ------------------------------------------------------------------
t0=$SECONDS
find_nvcc() { ls "$venv"/lib/python3*/site-packages/nvidia/cu*/bin/nvcc 2>/dev/null | head -n 1 || true; }
nvcc=$(find_nvcc)
if [ -z "$nvcc" ]; then
    log "installing nvidia-cuda-nvcc (CUDA 13) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'nvidia-cuda-nvcc>=13,<14'
    nvcc=$(find_nvcc)
fi
if [ -n "$nvcc" ]; then
    log "nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') ready after $((SECONDS - t0)) s; compiling for sm_90"
    t1=$SECONDS
    if "$nvcc" -x cu -arch=sm_90 -O2 -std=c++17 -Xcompiler -Wall -o "$out/gpu-probe-cuda" "$src" &&
        smoke "$out/gpu-probe-cuda" cuda; then
        log "nvcc sm_90: OK in $((SECONDS - t1)) s"
    else
        failed+=("nvcc sm_90")
    fi
else
    failed+=("nvcc unavailable")
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "OK: probe compiles for AMD (hipcc gfx90a) and NVIDIA (nvcc sm_90)" >&2
