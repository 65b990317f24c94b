#!/usr/bin/env bash
# Everything migra owes a GPU host, in stages, with every log and result written to OUT (the
# device tool's $OUT comes back; default ./gpu-out). ../shared/gpu/README.md is the recipe:
# PyTorch's LibTorch with CUDA, the header-only dependencies from .deps (carry it along).
#
#   build     configure and build build-gpu/ (-DMIGRA_CUDA=ON, arch ${CUDA_ARCH:-90})
#   test      ctest on build-gpu, test_cuda included (CUDA against the CPU oracle)
#   sanitize  test_cuda's cases for our kernels under compute-sanitizer memcheck, racecheck, initcheck
#   bench     the GPU benchmarks: flows, dynamics, OT, GraphSAGE (with PyG when installed), PINN,
#             and the scheduler's concurrent GPU + CPU execution against serial
#   all       build test sanitize bench
#
# Stages run in the order given and go on after a failure (the build excepted); OUT/summary.txt
# has one line per stage: its exit status and seconds. A device call is limited to 10 minutes,
# so split the stages over calls; build-gpu/ is kept between calls:
#   tools/gpu_check.sh build test        then        tools/gpu_check.sh sanitize bench
# PY picks the Python with torch (default python3); BENCH_SCALE=small shortens the benchmarks.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out/results"
py=${PY:-python3}
build=${BUILD_DIR:-build-gpu}
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(all)
[ "${stages[0]}" = all ] && stages=(build test sanitize bench)

log() { echo "[gpu_check $(date -u +%H:%M:%S)] $*" | tee -a "$out/summary.txt"; }

stage_build() {
  local torch_prefix
  torch_prefix=$("$py" -c 'import torch;print(torch.utils.cmake_prefix_path)') || return 1
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMIGRA_CUDA=ON \
    -DCMAKE_PREFIX_PATH="$PWD/.deps/root/usr;$torch_prefix" -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" &&
    cmake --build "$build" -j "$(nproc)"
}

stage_test() {
  nvidia-smi
  "$build/host/migra" info
  ctest --test-dir "$build" -j 4 --output-on-failure
  local rc=$?
  # test_cuda's own report, every assertion's section named (ctest shows it only on failure)
  "$build/tests/test_cuda" --durations yes
  return $(( rc || $? ))
}

stage_sanitize() {
  # our kernels only: the GNN's and PINN's CUDA work is LibTorch's
  local ours="~[gnn]~[pinn]"
  compute-sanitizer --tool memcheck --leak-check full --error-exitcode 1 "$build/tests/test_cuda" "$ours" || return 1
  compute-sanitizer --tool racecheck --error-exitcode 1 "$build/tests/test_cuda" "$ours" || return 1
  compute-sanitizer --tool initcheck --error-exitcode 1 "$build/tests/test_cuda" "$ours"
}

stage_bench() {
  local small=${BENCH_SCALE:-full} rc=0
  local flows_sizes=1024,4096,16384 ot_sizes=1024,2048,4096,8192,16384 maps=1000
  if [ "$small" = small ]; then flows_sizes=1024,4096; ot_sizes=1024,4096; maps=100; fi
  "$py" bench/run_flows.py --build "$build" --device cuda --sizes "$flows_sizes" --out "$out/results" || rc=1
  "$py" bench/run_dynamics.py --build "$build" --device cuda --maps "$maps" --out "$out/results" || rc=1
  "$py" bench/run_ot.py --build "$build" --device cuda --sizes "$ot_sizes" --out "$out/results" || rc=1
  "$py" bench/run_gnn.py --build "$build" --device cuda --python "$py" --threads 1 --tag gpu \
    --accuracy-steps 2000 --accuracy-big --out "$out/results" || rc=1
  "$py" bench/run_pinn.py --build "$build" --device cuda --python "$py" --threads 1 --tag gpu --out "$out/results" || rc=1
  # scheduler overhead, and concurrent GPU + CPU ensembles against the same tasks one by one
  "$build/bench/bench_scheduler" "$build/host/migra" "$out/scheduler-work" --tasks 2000 --workers 16 --mixed 8 \
    >"$out/results/scheduler-gpu.jsonl" || rc=1
  rm -rf "$out/scheduler-work"
  return $rc
}

for s in "${stages[@]}"; do
  case $s in build|test|sanitize|bench) ;; *) echo "gpu_check: unknown stage '$s' (build test sanitize bench all)" >&2; exit 2 ;; esac
done
for s in "${stages[@]}"; do
  start=$(date +%s)
  log "stage $s: started (commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
  "stage_$s" >"$out/$s.log" 2>&1
  rc=$?
  log "stage $s: exit $rc in $(( $(date +%s) - start )) s (log: $s.log)"
  if [ "$s" = build ] && [ $rc -ne 0 ]; then tail -40 "$out/build.log"; exit 1; fi
done
tail -3 "$out"/*.log
