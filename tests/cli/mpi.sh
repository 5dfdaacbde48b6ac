#!/usr/bin/env bash
# The apps on 2 MPI ranks over loopback TCP: pmm-solve's outputs byte-identical to one process's (an SDE solver at
# --threads 1 and 2 with --trajectory, gamma-poisson tau-leap, the adaptive ODE, tokens), pmm-sweep's rows those of
# one process (wall times aside) and resumable, pmm-validate --quick's verdicts those of one process; a rank with bad
# input, or a rank killed, ends the job within 60 s with non-zero status, a line naming the rank and no output left.
# Usage: mpi.sh BUILD_DIR [MPIEXEC]   (registered by tests/CMakeLists.txt only when the apps were built with MPI)
set -u
B=${1:?build dir}; MPIEXEC=${2:-mpirun}
command -v "$MPIEXEC" >/dev/null || { echo "SKIPPED: $MPIEXEC not found"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_mpi.XXXXXX); trap 'rm -rf "$T"' EXIT
# Root in CI and containers: Open MPI refuses it without these. Loopback TCP only (no shared-memory transport, which
# containers often restrict).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo \
  OMPI_MCA_oob_tcp_if_include=lo PMM_PROGRESS_SECONDS=0
R2=(timeout 60 "$MPIEXEC" --oversubscribe -np 2)
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
same() { cmp -s "$1" "$2" || { echo "FAIL: $1 and $2 differ (${3:-})"; fail=1; }; }

# ---- pmm-solve: 2 ranks give one process's bytes ----
S="$B/pmm-solve"
run_both() {  # NAME args...: one process and 2 ranks, outputs NAME.1.* and NAME.2.*
  local name=$1; shift
  ok "$S" "$@" --out "$T/$name.1.npy" --quiet
  ok "${R2[@]}" "$S" "$@" --out "$T/$name.2.npy" --quiet
  same "$T/$name.1.npy" "$T/$name.2.npy" "$name"
}
G=(--target builtin:gmm2d --solver heun --steps 30 --paths 501 --seed 7)
ok "$S" "${G[@]}" --threads 1 --out "$T/h.1.npy" --trajectory "$T/h.1.traj.npy" --report "$T/h.1.json" --quiet
for th in 1 2; do
  ok "${R2[@]}" "$S" "${G[@]}" --threads $th --out "$T/h.2.$th.npy" --trajectory "$T/h.2.$th.traj.npy" \
    --report "$T/h.2.$th.json" --quiet
  same "$T/h.1.npy" "$T/h.2.$th.npy" "heun, --threads $th"
  same "$T/h.1.traj.npy" "$T/h.2.$th.traj.npy" "heun trajectory, --threads $th"
done
/usr/bin/python3 -c "import json, sys; a = json.load(open('$T/h.1.json')); b = json.load(open('$T/h.2.2.json'))
sys.exit(0 if (a['world_size'], b['world_size']) == (1, 2) and a['summary'] == b['summary'] and a['nfe'] == b['nfe'] else 1)" \
  || { echo "FAIL: reports: world_size 1 and 2, same summary and NFE"; fail=1; }
run_both gp --process gamma-poisson --target builtin:counts3 --solver tau-leap --steps 20 --paths 333 --seed 3
run_both gx --target builtin:atoms3 --solver euler-maruyama --steps 10 --paths 100 --given-x --seed 5
# the adaptive ODE shares its steps within a chunk of 256 paths: ranks split at chunk boundaries
run_both ode --target builtin:atoms3 --solver ode --paths 700 --seed 2
printf 'abcabc\naabbcc\ncbacba\n' >"$T/seqs.txt"
for k in 1 2; do
  run=("$S"); [ $k = 2 ] && run=("${R2[@]}" "$S")
  ok "${run[@]}" --process dirichlet-categorical --target "$T/seqs.txt" --length 6 --alphabet chars:abc --paths 99 \
    --seed 4 --out "$T/tok.$k.npy" --trajectory "$T/tok.$k.traj.npy" --quiet
done
same "$T/tok.1.npy" "$T/tok.2.npy" "tokens"
same "$T/tok.1.traj.npy" "$T/tok.2.traj.npy" "token trajectory"

# ---- failures: no output left, a line naming the rank, non-zero status, within the timeout ----
# bad input on rank 1 only (MPMD: rank 1 gets a target file that does not exist)
rm -f "$T"/bad.*
timeout 60 "$MPIEXEC" --oversubscribe -np 1 "$S" "${G[@]}" --out "$T/bad.npy" : -np 1 "$S" --target "$T/missing.npy" --solver heun --steps 30 \
  --paths 501 --seed 7 --out "$T/bad.npy" >"$T/out.log" 2>"$T/err.log"; rc=$?
{ [ $rc -ne 0 ] && [ $rc -ne 124 ]; } || { echo "FAIL: bad input on rank 1: rc $rc"; fail=1; }
grep -q "pmm-solve: error: rank 1 of 2: .*missing.npy" "$T/err.log" || { echo "FAIL: no line naming rank 1"; cat "$T/err.log"; fail=1; }
ls "$T"/bad.* >/dev/null 2>&1 && { echo "FAIL: output left after a failing rank"; fail=1; }
# the same for pmm-sweep: no CSV created when a rank cannot start
timeout 60 "$MPIEXEC" --oversubscribe -np 1 "$B/pmm-sweep" --target builtin:atoms3 --nfe 10 --paths 200 --seeds 1 \
  --out "$T/bad.csv" --quiet : -np 1 "$B/pmm-sweep" --target "$T/missing.npy" --nfe 10 --paths 200 --seeds 1 \
  --out "$T/bad.csv" --quiet >"$T/out.log" 2>"$T/err.log"; rc=$?
{ [ $rc -ne 0 ] && [ $rc -ne 124 ]; } || { echo "FAIL: sweep, bad input on rank 1: rc $rc"; fail=1; }
grep -q "pmm-sweep: error: rank 1 of 2: .*missing.npy" "$T/err.log" || { echo "FAIL: sweep: no line naming rank 1"; cat "$T/err.log"; fail=1; }
ls "$T"/bad.* >/dev/null 2>&1 && { echo "FAIL: sweep output left after a failing rank"; fail=1; }
# rank 1 killed (SIGKILL) mid-run: mpirun ends the job
rm -f "$T"/kill.*
start=$(date +%s)
"${R2[@]}" sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 2; kill -9 $$) & fi; exec "$0" "$@"' \
  "$S" --target builtin:gmm2d --solver heun --steps 4000 --paths 200000 --out "$T/kill.npy" --report "$T/kill.json" \
  --quiet >"$T/out.log" 2>"$T/err.log"; rc=$?
took=$(( $(date +%s) - start ))
{ [ $rc -ne 0 ] && [ $rc -ne 124 ]; } || { echo "FAIL: killed rank: rc $rc after $took s"; fail=1; }
grep -qi "rank 1" "$T/err.log" || { echo "FAIL: no line naming the killed rank"; cat "$T/err.log"; fail=1; }
ls "$T"/kill.* >/dev/null 2>&1 && { echo "FAIL: output left after a killed rank: $(ls "$T")"; fail=1; }
ls "$T" | grep -q '\.tmp\.\|\.lock$' && { echo "FAIL: temporary or lock left: $(ls "$T")"; fail=1; }

# ---- pmm-sweep: the rows of one process (wall times aside), resumable ----
W="$B/pmm-sweep"
C=(--process normal --target builtin:atoms3 --solvers euler-maruyama,heun,ode-rk4 --metric fd,tv --paths 300 --seeds 2 --quiet)
ok "$W" "${C[@]}" --nfe 10,40 --out "$T/s1.csv"
ok "${R2[@]}" "$W" "${C[@]}" --nfe 10 --out "$T/s2.csv"          # part of it ...
ok "${R2[@]}" "$W" "${C[@]}" --nfe 10,40 --out "$T/s2.csv"       # ... resumed
ok "$W" "${C[@]}" --nfe 10 --out "$T/s3.csv"
ok "$W" "${C[@]}" --nfe 10,40 --out "$T/s3.csv"
ok "${R2[@]}" "$W" "${C[@]}" --nfe 10,40 --out "$T/s4.csv"
rows_of() {  # the CSV without its wall_s column, in file order
  /usr/bin/python3 -c "import csv, sys; r = list(csv.reader(open(sys.argv[1]))); i = r[0].index('wall_s')
for row in r: print(row[:i] + row[i + 1:])" "$1"
}
rows_of "$T/s1.csv" >"$T/s1.rows"; rows_of "$T/s4.csv" >"$T/s4.rows"
rows_of "$T/s2.csv" >"$T/s2.rows"; rows_of "$T/s3.csv" >"$T/s3.rows"
same "$T/s1.rows" "$T/s4.rows" "sweep rows, 1 process vs 2 ranks"
same "$T/s3.rows" "$T/s2.rows" "resumed sweep rows, 1 process vs 2 ranks"

# ---- pmm-validate --quick (a few checks): the verdicts of one process, in suite order ----
V="$B/pmm-validate"
CH=(--quick --check consistency --seed 1)
"$V" "${CH[@]}" >"$T/v1.log" 2>&1; v1=$?
"${R2[@]}" "$V" "${CH[@]}" >"$T/v2.log" 2>&1; v2=$?
[ $v1 = $v2 ] || { echo "FAIL: pmm-validate status $v1 on one process, $v2 on 2 ranks"; fail=1; }
verdicts() { awk -F' [|] ' 'NF >= 6 && $1 != "name" {print $1, $3, $5}' "$1"; }
verdicts "$T/v1.log" >"$T/v1.v"; verdicts "$T/v2.log" >"$T/v2.v"
[ -s "$T/v1.v" ] || { echo "FAIL: no pmm-validate table"; cat "$T/v1.log"; fail=1; }
same "$T/v1.v" "$T/v2.v" "validate verdicts"
grep -q "x 2 ranks" "$T/v2.log" || { echo "FAIL: validate does not say the ranks"; fail=1; }

[ $fail -eq 0 ] && echo "mpi.sh: all passed"
exit $fail
