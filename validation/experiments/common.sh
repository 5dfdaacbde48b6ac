# Shared by the experiment scripts (sourced): stage NAME command... runs a command and appends
# "NAME seconds" to $times; threads=(--threads N) when THREADS > 0.
stage() {  # stage NAME command...: runs and records the wall time
  local name="$1"; shift
  local t0; t0=$(date +%s.%N)
  echo "== $name: $*" >&2
  "$@"
  echo "$name $(echo "$(date +%s.%N) - $t0" | bc)" >> "$times"
}
threads=()
[ "${THREADS:-0}" -gt 0 ] && threads=(--threads "$THREADS")
