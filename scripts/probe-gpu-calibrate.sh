#!/usr/bin/env bash
# Calibrates the GPU image probe on an NVIDIA machine in one call (see probe/README.md): records
# the GPU's state, builds the probe with the provider's own nvcc line, runs that build three times
# and a binary built elsewhere (scripts/probe-compile-check.sh) once, measures a PyTorch copy as
# the machine's ceiling, and prints a summary. Everything lands in $OUT (8 files).
# Usage: OUT=dir [PROBE_SRC=dir] [PROBE_BIN=file] scripts/probe-gpu-calibrate.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
src=${PROBE_SRC:-$root/probe}
carried=${PROBE_BIN:-$root/target/probe-compile/gpu-probe-cuda}
: "${OUT:?set OUT to the folder the results go to}"
ARGS=(--expect-gpus 1 --expect-arch sm_90 --min-memory-gib 80 --timeout-s 120)
t_start=$(date +%s.%N)
ts() { python3 -c "import sys;print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$(date +%s.%N)"; }

{
  echo "== uname"; uname -a
  echo "== nvidia-smi"; nvidia-smi
  echo "== query"
  nvidia-smi --query-gpu=name,pci.bus_id,driver_version,memory.total,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,power.limit,pcie.link.gen.current,pcie.link.width.current,pcie.link.gen.max,pcie.link.width.max,ecc.mode.current,compute_mode,persistence_mode --format=csv
  echo "== topo"; nvidia-smi topo -m
  echo "== nvcc"; command -v nvcc; nvcc --version
  echo "== cpu"; nproc; grep -m1 'model name' /proc/cpuinfo
} > "$OUT/nvidia-smi.txt" 2>&1

# Clocks, power and temperature every 200 ms while the probe runs.
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu,pcie.link.gen.current --format=csv -lms 200 > "$OUT/clocks.csv" 2>&1 &
smi_pid=$!

# The provider's nvcc line (src/providers/validation/probe.rs, nvcc_line).
mkdir -p /tmp/p && cp "$src"/probe.hip.cpp "$src"/*.h /tmp/p/
t0=$(date +%s.%N)
( cd /tmp/p && nvcc -x cu -O3 -std=c++17 -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
    -o gpu-probe probe.hip.cpp ) > "$OUT/build.log" 2>&1
build_rc=$?
t_build=$(ts "$t0")
echo "build rc $build_rc in $t_build s" >> "$OUT/build.log"

: > "$OUT/reports.jsonl"; : > "$OUT/runs.log"
run_one() {  # label binary
  local label=$1 bin=$2 t0 rc line
  t0=$(date +%s.%N)
  timeout 150 "$bin" "${ARGS[@]}" > /tmp/run.out 2>>"$OUT/runs.log"; rc=$?
  line=$(tail -n 1 /tmp/run.out)
  echo "run $label: exit $rc wall $(ts "$t0") s" | tee -a "$OUT/runs.log" >> "$OUT/timings.txt"
  printf '{"run":"%s","report":%s}\n' "$label" "${line:-null}" >> "$OUT/reports.jsonl"
  [ "$label" = native-1 ] && printf '%s\n' "$line" > "$OUT/report.json"
}
if [ $build_rc -eq 0 ]; then
  for i in 1 2 3; do run_one native-$i /tmp/p/gpu-probe; done
fi
if [ -x "$carried" ]; then run_one carried-static "$carried"; fi
kill $smi_pid 2>/dev/null

# Ceiling on this machine: a 1 GiB device-to-device copy through PyTorch (bytes read + written).
timeout 120 python3 - > "$OUT/torch.txt" 2>&1 <<'PY'
import torch
n = 1 << 27
a = torch.rand(n, dtype=torch.float64, device="cuda"); c = torch.empty_like(a)
def med(f, reps=20):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True); t = []
    for i in range(reps + 2):
        s.record(); f(); e.record(); e.synchronize()
        if i >= 2: t.append(s.elapsed_time(e))
    t.sort(); return t[len(t) // 2]
ms = med(lambda: c.copy_(a)); print(f"torch copy_ 1 GiB float64: {2*n*8/(ms*1e6):.0f} GB/s ({ms:.3f} ms)")
b = torch.rand(n, dtype=torch.float64, device="cuda")
ms = med(lambda: torch.add(b, c, alpha=0.4, out=a)); print(f"torch triad-like add 1 GiB x3: {3*n*8/(ms*1e6):.0f} GB/s ({ms:.3f} ms)")
PY
echo "total $(ts "$t_start") s" >> "$OUT/timings.txt"

# Short table last.
echo "== build rc $build_rc in $t_build s"; cat "$OUT/timings.txt"; cat "$OUT/torch.txt"
python3 - "$OUT/reports.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); rep = r["report"]
    if not rep: print(r["run"], "no report"); continue
    v = {(c["id"]): (c.get("value"), c["status"]) for c in rep["checks"]}
    print(r["run"], rep["verdict"], rep.get("backend"), {k: v[k] for k in ("hbm_copy","hbm_triad","h2d","d2h","memory_touch","gemm") if k in v},
          "ms", rep.get("duration_ms", rep.get("elapsed_ms")))
PY
