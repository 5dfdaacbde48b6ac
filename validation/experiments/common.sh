# Shared by the experiment scripts (sourced): stage NAME command... runs a command and appends
# "NAME seconds" to $times; threads=(--threads N) when THREADS > 0; and the CPU kernels LibTorch uses are pinned.
#
# Pinned kernels: OpenBLAS, oneDNN and ATen each pick their float32 kernels by the CPU at run time (AVX-512 here,
# AVX2 on an EPYC without it), and a different kernel rounds sums differently, so the same seed trains different
# weights on another machine (measured, docs/reliability.md "Determinism": a U-Net's weights differ from step 10 on
# when any one of the three is switched). Pinning all three to their AVX2 kernels makes a training run the same on
# every x86-64 machine with AVX2 and FMA, for one thread count and one LibTorch/OpenBLAS build, at ~10% more CPU
# time on an AVX-512 machine. A value set by the caller is kept; PMM_PIN_KERNELS=0 leaves all three unset.
if [ "${PMM_PIN_KERNELS:-1}" != 0 ]; then
  export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}" DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}" \
    ATEN_CPU_CAPABILITY="${ATEN_CPU_CAPABILITY:-avx2}"
fi
stage() {  # stage NAME command...: runs and records the wall time
  local name="$1"; shift
  local t0; t0=$(date +%s.%N)
  echo "== $name: $*" >&2
  "$@"
  echo "$name $(echo "$(date +%s.%N) - $t0" | bc)" >> "$times"
}
threads=()
[ "${THREADS:-0}" -gt 0 ] && threads=(--threads "$THREADS")
