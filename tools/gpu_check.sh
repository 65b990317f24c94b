#!/usr/bin/env bash
# Everything migra owes a GPU host, in stages, with every log and result written to OUT (the
# device tool's $OUT comes back; default ./gpu-out). ../shared/gpu/README.md is the recipe:
# PyTorch's LibTorch with CUDA, the header-only dependencies from .deps (carry it along).
#
#   build     configure build-gpu/ (-DMIGRA_CUDA=ON, arch ${CUDA_ARCH:-90}) and build what the
#             GPU checks run: migra, migra-torch, test_cuda and the benchmark programs
#   test      `migra info` and test_cuda (CUDA against the CPU oracle; the CPU suite is CI's)
#   sanitize  test_cuda's cases for our kernels under compute-sanitizer memcheck, racecheck, initcheck
#   bench     the GPU benchmarks, most wanted first: flows, dynamics, OT, GraphSAGE (with PyG when
#             installed), PINN, the scheduler's concurrent GPU + CPU execution against serial;
#             each in its own log
#   ctest     the whole ctest suite on build-gpu (builds every target first; not in `all`)
#   all       build test sanitize bench
#
# Stages run in the order given and go on after a failure (the build excepted); OUT/summary.txt
# has one line per stage and benchmark: its exit status and seconds. DEADLINE=S (seconds after
# the script starts) skips the stages and benchmarks that would start after it and says so, so
# that a device call ends with its logs inside its limit. Device time is short (a session may
# have 15 minutes, start-up included): one call of
#   DEADLINE=480 BENCH_SCALE=small tools/gpu_check.sh all          (timeout_s about 560)
# builds, tests, sanitizes and measures the small benchmarks; build-gpu/ is kept between calls
# of a warm machine, so a second call can run `bench` at full scale.
# PY picks the Python with torch (default python3); BENCH_SCALE=small shortens the benchmarks.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out/results"
py=${PY:-python3}
build=${BUILD_DIR:-build-gpu}
stages=("$@")
started=$(date +%s)
deadline=${DEADLINE:-0}  # 0: none
[ ${#stages[@]} -eq 0 ] && stages=(all)
[ "${stages[0]}" = all ] && stages=(build test sanitize bench)

log() { echo "[gpu_check $(date -u +%H:%M:%S)] $*" | tee -a "$out/summary.txt"; }
# true while there is time for the next piece of work
in_time() { [ "$deadline" -eq 0 ] || [ $(( $(date +%s) - started )) -lt "$deadline" ]; }
# run NAME CMD...: CMD into OUT/NAME.log, its status and seconds into the summary; skipped
# past the deadline, and a program (not a stage) stopped at it (exit 124)
run() {
  local name=$1 t0 rc
  shift
  if ! in_time; then log "$name: skipped (deadline ${deadline} s)"; return 0; fi
  t0=$(date +%s)
  if [ "$deadline" -gt 0 ] && ! declare -F "$1" >/dev/null; then  # a program: stopped at the deadline
    timeout --kill-after=10 $(( deadline - (t0 - started) )) "$@" >"$out/$name.log" 2>&1
  else
    "$@" >"$out/$name.log" 2>&1
  fi
  rc=$?
  log "$name: exit $rc in $(( $(date +%s) - t0 )) s (log: $name.log)"
  return $rc
}

stage_build() {
  local torch_prefix
  torch_prefix=$("$py" -c 'import torch;print(torch.utils.cmake_prefix_path)') || return 1
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMIGRA_CUDA=ON \
    -DCMAKE_PREFIX_PATH="$PWD/.deps/root/usr;$torch_prefix" -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" &&
    cmake --build "$build" -j "$(nproc)" --target migra migra-torch test_cuda bench_flows bench_ot bench_scheduler
}

stage_test() {
  nvidia-smi
  "$build/host/migra" info
  # every assertion's section named (ctest would show it only on failure)
  "$build/tests/test_cuda" --durations yes
}

stage_ctest() {
  cmake --build "$build" -j "$(nproc)" && ctest --test-dir "$build" -j 4 --output-on-failure
}

stage_sanitize() {
  # our kernels only: the GNN's and PINN's CUDA work is LibTorch's, the MFG's GPU work is the
  # OT kernels, which [ot] covers
  local ours="~[gnn]~[pinn]~[mfg]"
  compute-sanitizer --tool memcheck --leak-check full --error-exitcode 1 "$build/tests/test_cuda" "$ours" || return 1
  compute-sanitizer --tool racecheck --error-exitcode 1 "$build/tests/test_cuda" "$ours" || return 1
  compute-sanitizer --tool initcheck --error-exitcode 1 "$build/tests/test_cuda" "$ours"
}

stage_bench() {
  local small=${BENCH_SCALE:-full} rc=0
  local flows_sizes=1024,4096,16384 ot_sizes=1024,2048,4096,8192,16384 maps=1000
  if [ "$small" = small ]; then flows_sizes=1024,4096; ot_sizes=1024,4096; maps=100; fi
  run bench-flows "$py" bench/run_flows.py --build "$build" --device cuda --sizes "$flows_sizes" --out "$out/results" || rc=1
  run bench-dynamics "$py" bench/run_dynamics.py --build "$build" --device cuda --maps "$maps" --out "$out/results" || rc=1
  run bench-ot "$py" bench/run_ot.py --build "$build" --device cuda --sizes "$ot_sizes" --out "$out/results" || rc=1
  run bench-gnn "$py" bench/run_gnn.py --build "$build" --device cuda --python "$py" --threads 1 --tag gpu \
    --accuracy-steps 2000 --accuracy-big --out "$out/results" || rc=1
  run bench-pinn "$py" bench/run_pinn.py --build "$build" --device cuda --python "$py" --threads 1 --tag gpu \
    --out "$out/results" || rc=1
  # scheduler overhead, and concurrent GPU + CPU ensembles against the same tasks one by one
  run bench-scheduler sh -c '"$1/bench/bench_scheduler" "$1/host/migra" "$2/scheduler-work" --tasks 2000 --workers 16 \
    --mixed 8 >"$2/results/scheduler-gpu.jsonl"' _ "$build" "$out" || rc=1
  rm -rf "$out/scheduler-work"
  return $rc
}

for s in "${stages[@]}"; do
  case $s in build|test|sanitize|bench|ctest) ;; *) echo "gpu_check: unknown stage '$s' (build test sanitize bench ctest all)" >&2; exit 2 ;; esac
done
for s in "${stages[@]}"; do
  log "stage $s: commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  run "$s" "stage_$s"
  rc=$?
  if [ "$s" = build ] && [ $rc -ne 0 ]; then tail -40 "$out/build.log"; exit 1; fi
done
tail -n 3 "$out"/*.log
