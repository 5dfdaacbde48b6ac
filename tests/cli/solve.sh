#!/usr/bin/env bash
# pmm-solve from the outside: good runs write what they say; every bad input gives one line naming the
# option, exit status 2, and leaves no output file behind.
set -u
B=${1:?build dir}; S="$B/pmm-solve"; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
bad() {  # bad OPTION_NAME args...: exit 2, one stderr line naming the option, no outputs
  local name=$1; shift
  rm -f "$T"/out.* "$T"/traj.npy "$T"/run.json
  "$S" "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL (rc $rc, expected 2): $*"; cat "$T/err.log"; fail=1; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log"; then
    echo "FAIL (stderr should be one line naming $name): $*"; cat "$T/err.log"; fail=1; fi
  if ls "$T"/out.* "$T"/traj.npy "$T"/run.json >/dev/null 2>&1; then echo "FAIL (output left behind): $*"; fail=1; fi
  if ls "$T" | grep -q '\.tmp\.'; then echo "FAIL (temporary left behind): $*"; fail=1; fi
}
ok "$S" --help
ok "$S" --process normal --target builtin:atoms3 --steps 20 --paths 100 --out "$T/a.npy" --report "$T/a.json"
ok "$S" --process gamma-poisson --target builtin:counts3 --solver tau-leap --steps 20 --paths 50 --out "$T/b.csv"
ok "$S" --process inverse-gamma-gamma --target builtin:scales3 --steps 20 --paths 50 --out "$T/c.npy"
head -1 "$T/b.csv" | grep -q '^x0' || { echo "FAIL: csv header"; fail=1; }
# same seed, different threads: identical bytes
ok "$S" --target builtin:gmm2d --steps 30 --paths 500 --threads 1 --seed 9 --out "$T/t1.npy"
ok "$S" --target builtin:gmm2d --steps 30 --paths 500 --threads 3 --seed 9 --out "$T/t3.npy"
cmp -s "$T/t1.npy" "$T/t3.npy" || { echo "FAIL: --threads changed the result"; fail=1; }
# the probability-flow ODE (normal): dopri5 and fixed-step RK4 sample the 3-atom target (mean 0.65, sd 1.05):
# 20,000 paths, standard error of the mean 0.0074; tolerance 0.04 on the mean, 0.04 on the sd. (The adaptive
# ode takes no --steps: it picks its own.)
for s in ode ode-rk4; do
  steps=(); [ $s = ode-rk4 ] && steps=(--steps 40)
  ok "$S" --process normal --target builtin:atoms3 --solver $s "${steps[@]}" --paths 20000 --seed 4 --out "$T/$s.npy" \
    --report "$T/$s.json"
  /usr/bin/python3 -c "import numpy as np, json, sys; x = np.load('$T/$s.npy'); r = json.load(open('$T/$s.json'))
sys.exit(0 if abs(x.mean() - 0.65) < 0.04 and abs(x.std() - 1.05) < 0.04 and r['solver']['kind'] == 'probability-flow ODE' else 1)" \
    || { echo "FAIL: --solver $s does not sample the target"; fail=1; }
done
# --grid: one stderr line warns when the first step carries a large share of log(1 + F) (uniform-precision with
# the exponential schedule: F from 0 to 1.77 of 1770 in the first of 1,000 steps); the uniform grid does not.
"$S" --process normal --target builtin:atoms3 --grid uniform-precision --steps 1000 --paths 20 --quiet 2>"$T/warn.log" \
  || { echo "FAIL: uniform-precision run"; fail=1; }
{ [ "$(wc -l <"$T/warn.log")" -eq 1 ] && grep -q "warning: --grid uniform-precision: the first of 1000 steps" "$T/warn.log"; } \
  || { echo "FAIL: no one-line first-step warning"; cat "$T/warn.log"; fail=1; }
"$S" --process normal --target builtin:atoms3 --grid uniform --steps 1000 --paths 20 --quiet 2>"$T/warn.log" \
  || { echo "FAIL: uniform run"; fail=1; }
[ ! -s "$T/warn.log" ] || { echo "FAIL: the uniform grid warned"; cat "$T/warn.log"; fail=1; }
# integer count arrays as a gamma-poisson target (int64, int32, uint8), a full-covariance gaussian mixture, and the
# errors naming the file and component for a matrix that is not positive definite
/usr/bin/python3 -c "import numpy as np
for t in ('int64', 'int32', 'uint8'): np.save('$T/cnt_%s.npy' % t, np.array([[0, 3], [2, 0], [5, 1]], dtype=t))"
for t in int64 int32 uint8; do
  ok "$S" --process gamma-poisson --target "$T/cnt_$t.npy" --solver tau-leap --steps 20 --paths 50 --out "$T/cnt.npy"
done
printf '{"type": "gaussian-mixture", "weights": [0.5, 0.5], "means": [[0, 0], [2, 1]],
 "covariances": [[[1, 0.8], [0.8, 1]], [[0.5, 0], [0, 0.2]]]}' >"$T/full.json"
ok "$S" --process normal --target "$T/full.json" --steps 20 --paths 50 --out "$T/full.npy"
printf '{"type": "gaussian-mixture", "weights": [0.5, 0.5], "means": [[0, 0], [2, 1]],
 "covariances": [[[1, 0.8], [0.8, 1]], [[1, 2], [2, 1]]]}' >"$T/notpd.json"
bad "notpd.json: gaussian-mixture target: component 1: covariance is not positive definite" \
  --process normal --target "$T/notpd.json" --out "$T/out.npy"
# dirichlet-categorical with a schedule that leaves positions masked at t = 1 (constant:c=1: each with probability
# e^-1): stdout says how many, the report counts them; the linear default leaves none worth a line.
printf 'abababcbcbcacabbbcbaab\n' >"$T/corpus.txt"
ok "$S" --process dirichlet-categorical --target "markov:$T/corpus.txt" --alphabet chars:abc --length 8 \
  --schedule constant:c=1 --paths 200 --seed 2 --report "$T/left.json"
grep -q "^left masked at t = 1: [0-9]* positions" "$T/log" || { echo "FAIL: no leftover line"; cat "$T/log"; fail=1; }
/usr/bin/python3 -c "import json, sys; r = json.load(open('$T/left.json'))
sys.exit(0 if 0 < r['leftover_positions'] <= 1600 and r['leftover_paths'] <= 200 else 1)" \
  || { echo "FAIL: report lacks leftover counts"; fail=1; }
# a data set as the target (issue 17): 500 integer counts with 23 distinct values are merged into 23 weighted points
# (stdout and report say so), the run is bitwise the run with those 23 atoms and their counts as --target-weights,
# and the same counts as a .csv target (and .csv weights) give the same bytes again.
/usr/bin/python3 -c "import numpy as np
rng = np.random.default_rng(5); v = np.arange(23) * 3 + 1
c = v[rng.integers(0, 23, 500)]; c[:23] = v; np.save('$T/counts.npy', c.astype('int64'))
u, first, n = np.unique(c, return_index=True, return_counts=True); o = np.argsort(first)
np.save('$T/atoms.npy', u[o].astype(float)); np.save('$T/atom_w.npy', n[o].astype(float))
np.savetxt('$T/counts.csv', c, fmt='%d', header='x0', comments=''); np.savetxt('$T/atom_w.csv', n[o], fmt='%d', header='x0', comments='')"
G=(--process gamma-poisson --solver tau-leap --steps 20 --paths 400 --seed 3)
ok "$S" "${G[@]}" --target "$T/counts.npy" --out "$T/m1.npy" --report "$T/m1.json"
grep -q "^target: merged 500 rows into 23 distinct points" "$T/log" || { echo "FAIL: no merge line"; cat "$T/log"; fail=1; }
/usr/bin/python3 -c "import json, sys; r = json.load(open('$T/m1.json'))['target_points']
sys.exit(0 if r['rows'] == 500 and r['distinct'] == 23 else 1)" || { echo "FAIL: report lacks target_points"; fail=1; }
ok "$S" "${G[@]}" --target "$T/atoms.npy" --target-weights "$T/atom_w.npy" --out "$T/m2.npy"
! grep -q "merged" "$T/log" || { echo "FAIL: distinct atoms reported as merged"; fail=1; }
cmp -s "$T/m1.npy" "$T/m2.npy" || { echo "FAIL: merged rows differ from the weighted atoms"; fail=1; }
ok "$S" "${G[@]}" --target "$T/counts.csv" --out "$T/m3.npy"
cmp -s "$T/m1.npy" "$T/m3.npy" || { echo "FAIL: the .csv target differs from the .npy one"; fail=1; }
ok "$S" "${G[@]}" --target "$T/atoms.npy" --target-weights "$T/atom_w.csv" --out "$T/m4.npy"
cmp -s "$T/m1.npy" "$T/m4.npy" || { echo "FAIL: .csv weights differ from .npy weights"; fail=1; }
# one set of defaults (issue 17): --final is denoise in pmm-solve as in pmm-sweep (NFE = steps + 1 for exact);
# --threads 0 means every core and gives the same bytes as one thread
ok "$S" --process normal --target builtin:atoms3 --solver exact --steps 20 --paths 100 --seed 2 --out "$T/d0.npy" \
  --report "$T/d0.json" --threads 0
/usr/bin/python3 -c "import json, sys; r = json.load(open('$T/d0.json'))
sys.exit(0 if r['final'] == 'denoise' and r['nfe'] == 21 and r['threads'] >= 1 else 1)" \
  || { echo "FAIL: default --final is not denoise, or --threads 0 not resolved"; fail=1; }
ok "$S" --process normal --target builtin:atoms3 --solver exact --steps 20 --paths 100 --seed 2 --out "$T/d1.npy" --threads 1
cmp -s "$T/d0.npy" "$T/d1.npy" || { echo "FAIL: --threads 0 changed the result"; fail=1; }
O=(--out "$T/out.npy" --trajectory "$T/traj.npy" --report "$T/run.json")
bad --process   --process poisson --target builtin:atoms3 "${O[@]}"
bad --solver    --solver rk4 --target builtin:atoms3 "${O[@]}"
bad --solver    --process gamma-poisson --solver heun --target builtin:counts3 "${O[@]}"
bad --steps     --steps 0 --target builtin:atoms3 "${O[@]}"
bad --steps     --steps abc --target builtin:atoms3 "${O[@]}"
bad --paths     --paths -5 --target builtin:atoms3 "${O[@]}"
bad --threads   --threads -1 --target builtin:atoms3 "${O[@]}"
bad --schedule  --schedule cosine --target builtin:atoms3 "${O[@]}"
bad --schedule  --schedule exponential:a=nan --target builtin:atoms3 "${O[@]}"
bad --prior     --prior b=-1 --target builtin:atoms3 "${O[@]}"
bad --prior     --prior beta3=1 --process gamma-poisson --target builtin:counts3 "${O[@]}"
bad --prior     --process inverse-gamma-gamma --prior beta1=0.5 --target builtin:scales3 "${O[@]}"
bad --target    --target builtin:nope "${O[@]}"
bad --target    --target "$T/missing.npy" "${O[@]}"
bad --target    --target "$T/missing.csv" "${O[@]}"
bad --target    --target "$T/points.txt" "${O[@]}"
bad --target    "${O[@]}"
bad --final     --final median --target builtin:atoms3 "${O[@]}"
bad --solver    --process gamma-poisson --solver ode --target builtin:counts3 --out "$T/out.npy"
bad --trajectory --solver ode --target builtin:atoms3 "${O[@]}"
bad --given-x   --solver ode-rk4 --given-x --target builtin:atoms3 --out "$T/out.npy"
bad --ode-tol   --solver ode --ode-tol 0 --target builtin:atoms3 --out "$T/out.npy"
bad --ode-clock --solver ode --ode-clock fast --target builtin:atoms3 --out "$T/out.npy"
bad --out       --target builtin:atoms3 --out "$T/out.txt"
bad --out       --target builtin:atoms3 --out "$T/nodir/out.npy"
bad --trajectory --target builtin:atoms3 --trajectory "$T/traj.csv"
bad --grid      --grid cubic --target builtin:atoms3 "${O[@]}"
bad --out-x     --target builtin:atoms3 --out-x "$T/out.x.npy"
# a NaN target, and a negative target for gamma-poisson
/usr/bin/python3 -c "import numpy as np; np.save('$T/nan.npy', np.array([[1.0],[np.nan]])); np.save('$T/neg.npy', np.array([[1.0],[-2.0]])); np.save('$T/w.npy', np.array([1.0, 2.0, 3.0]))" 2>/dev/null && {
  bad --target  --target "$T/nan.npy" "${O[@]}"
  bad --target  --process gamma-poisson --target "$T/neg.npy" "${O[@]}"
  bad --target-weights --target "$T/neg.npy" --target-weights "$T/w.npy" "${O[@]}"
}
printf 'not an npy' >"$T/junk.npy"
bad --target    --target "$T/junk.npy" "${O[@]}"
[ $fail -eq 0 ] && echo "cli solve: all checks passed"
exit $fail
