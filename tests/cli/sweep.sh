#!/usr/bin/env bash
# pmm-sweep from the outside: rows per (solver, NFE, seed, metric) plus mean rows and the noise floor; NFE as
# budgeted; resuming skips rows already in the CSV (also after a kill), extending the budgets adds only new rows;
# --threads does not change the numbers; bad input exits 2 with one line naming the option. Usage: sweep.sh BUILD_DIR
set -u
B=${1:?build dir}; S="$B/pmm-sweep"
[ -x "$S" ] || { echo "SKIPPED: $S not built"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_sweep.XXXXXX); trap 'rm -rf "$T"' EXIT
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
bad() {  # bad NAME args...: exit 2 and one stderr line naming NAME
  local name=$1; shift
  "$S" "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL (rc $rc, expected 2): $*"; cat "$T/err.log"; fail=1; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log"; then
    echo "FAIL (stderr should be one line naming $name): $*"; cat "$T/err.log"; fail=1; fi
}
rows() { tail -n +2 "$1" | wc -l; }
C0=(--process normal --target builtin:atoms3 --solvers euler-maruyama,heun,ode,ode-rk4 --metric fd,tv --quiet)
C=("${C0[@]}" --paths 300 --seeds 2)
ok "$S" "${C[@]}" --nfe 10,40 --out "$T/s.csv"
# 2 floor metrics x (2 seeds + mean) + 4 solvers x 2 budgets x 2 metrics x (2 seeds + mean)
[ "$(rows "$T/s.csv")" -eq 54 ] || { echo "FAIL: expected 54 rows, got $(rows "$T/s.csv")"; fail=1; }
# budgets: heun 40 -> 19 steps, 39 NFE (+1 denoise); ode-rk4 40 -> 9 steps, 38 NFE (1 first step + 36 + 1)
grep -q '^normal,builtin:atoms3,fd,heun,40,0,19,39,' "$T/s.csv" || { echo "FAIL: heun budget row"; fail=1; }
grep -q '^normal,builtin:atoms3,fd,ode-rk4,40,0,9,38,' "$T/s.csv" || { echo "FAIL: ode-rk4 budget row"; fail=1; }
grep -q '^normal,builtin:atoms3,tv,euler-maruyama,40,mean,' "$T/s.csv" || { echo "FAIL: no mean row"; fail=1; }
grep -q '^normal,builtin:atoms3,fd,reference,0,mean,' "$T/s.csv" || { echo "FAIL: no noise-floor row"; fail=1; }
# the adaptive ode keeps its NFE within every budget it can meet (dopri5 needs 27 at rtol = 1, so 40 and up)
over=$(awk -F, 'NR > 1 && $4 == "ode" && $5 >= 40 && $8 > $5' "$T/s.csv" | wc -l)
[ "$over" -eq 0 ] || { echo "FAIL: ode rows over their NFE budget:"; awk -F, 'NR > 1 && $4 == "ode" && $5 >= 40 && $8 > $5' "$T/s.csv"; fail=1; }
# the floor row says what it compares: --paths target draws against the runs' reference
grep -q '^normal,builtin:atoms3,fd,reference,0,0,.*floor: 300 target draws vs the reference (300)' "$T/s.csv" || { echo "FAIL: floor setting"; fail=1; }
# resume: nothing new; extend: only the new budget's rows
cp "$T/s.csv" "$T/before.csv"
ok "$S" "${C[@]}" --nfe 10,40 --out "$T/s.csv"
cmp -s "$T/s.csv" "$T/before.csv" || { echo "FAIL: a resumed sweep changed the table"; fail=1; }
ok "$S" "${C[@]}" --nfe 10,40,80 --out "$T/s.csv"
[ "$(rows "$T/s.csv")" -eq 78 ] || { echo "FAIL: extending by one budget should add 24 rows, got $(rows "$T/s.csv")"; fail=1; }
# killed mid-way, then resumed: every key once
"$S" "${C0[@]}" --paths 2000 --nfe 10,20,40,80,160 --seeds 3 --out "$T/k.csv" >/dev/null 2>&1 & pid=$!
sleep 2; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
before_kill=$(tail -n +2 "$T/k.csv" | wc -l)
ok "$S" "${C0[@]}" --paths 2000 --nfe 10,20,40,80,160 --seeds 3 --out "$T/k.csv"
[ "$before_kill" -gt 0 ] && [ "$before_kill" -lt 168 ] || echo "note: the kill did not land mid-way ($before_kill rows)"
dups=$(tail -n +2 "$T/k.csv" | cut -d, -f3-6 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || { echo "FAIL: $dups duplicated keys after a resumed kill"; fail=1; }
[ "$(rows "$T/k.csv")" -eq $((2 * 4 + 4 * 5 * 2 * 4)) ] || { echo "FAIL: resumed sweep incomplete ($(rows "$T/k.csv") rows)"; fail=1; }
# threads: same numbers (wall time aside)
ok "$S" "${C[@]}" --nfe 10,40 --threads 2 --out "$T/t2.csv"
cut -d, -f1-13 "$T/s.csv" | head -55 | sort > "$T/a"; cut -d, -f1-13 "$T/t2.csv" | sort > "$T/b"
grep -v ',80,' "$T/a" > "$T/a2"
cmp -s "$T/a2" "$T/b" || { echo "FAIL: --threads changed the numbers"; diff "$T/a2" "$T/b" | head; fail=1; }
# per-process defaults (issue 17): gamma-poisson's default solvers are the ones that converge to its law (not
# heun); --threads 0 (every core) gives the numbers of one thread; --final defaults to denoise as in pmm-solve
ok "$S" --process gamma-poisson --target builtin:counts3 --nfe 10 --paths 100 --seeds 1 --metric fd --quiet \
  --threads 0 --out "$T/gp.csv"
got=$(awk -F, 'NR > 1 && $4 != "reference" {print $4}' "$T/gp.csv" | sort -u | tr '\n' ' ')
[ "$got" = "exact tau-leap tau-leap-midpoint " ] || { echo "FAIL: gamma-poisson default solvers: $got"; fail=1; }
ok "$S" --process gamma-poisson --target builtin:counts3 --nfe 10 --paths 100 --seeds 1 --metric fd --quiet \
  --threads 1 --out "$T/gp1.csv"
cmp -s <(cut -d, -f1-10 "$T/gp.csv") <(cut -d, -f1-10 "$T/gp1.csv") || { echo "FAIL: --threads 0 changed numbers"; fail=1; }
"$S" --help | grep -q -- '--final TEXT=denoise' || { echo "FAIL: sweep --final default"; fail=1; }
"$B/pmm-solve" --help | grep -q -- '--final TEXT=denoise' || { echo "FAIL: solve --final default"; fail=1; }
# bad input
O=(--target builtin:atoms3 --paths 50 --seeds 1 --nfe 10 --out "$T/bad.csv")
bad --threads --threads -2 "${O[@]}"
bad --solvers --solvers rk45 "${O[@]}"
bad --solvers --solvers tau-leap "${O[@]}"
bad --solvers --process gamma-poisson --target builtin:counts3 --solvers ode --paths 50 --nfe 10 --out "$T/bad.csv"
bad --nfe     --nfe 0,10 --target builtin:atoms3 --out "$T/bad.csv"
bad --nfe     --nfe ten --target builtin:atoms3 --out "$T/bad.csv"
bad --metric  --metric bpc "${O[@]}"
bad --metric  --metric psnr "${O[@]}"
bad --paths   --paths 1 --target builtin:atoms3 --out "$T/bad.csv"
bad --seeds   --seeds 0 --target builtin:atoms3 --out "$T/bad.csv"
bad --noise   --noise brownian "${O[@]}"
bad --ode-clock --ode-clock sigma "${O[@]}"
bad --out     --target builtin:atoms3 --out "$T/bad.txt"
bad --out     --target builtin:atoms3 --out "$T/nodir/bad.csv"
bad --plot    --plot "$T/p.jpg" "${O[@]}"
bad --target  --out "$T/bad.csv"
bad --data    --model m.pt --out "$T/bad.csv"
bad --out     "${C0[@]}" --nfe 10 --paths 999 --seeds 2 --out "$T/s.csv"  # another sample count, same table
# the adaptive ode at larger budgets, 2000 paths: within budget, and the capped pilots keep it quick
ok "$S" --target builtin:gmm2d --solvers ode --nfe 50,120,400 --paths 2000 --seeds 1 --quiet --out "$T/ode.csv"
over=$(awk -F, 'NR > 1 && $4 == "ode" && $8 > $5' "$T/ode.csv" | wc -l)
[ "$over" -eq 0 ] || { echo "FAIL: ode over budget:"; awk -F, 'NR > 1 && $4 == "ode" && $8 > $5' "$T/ode.csv"; fail=1; }
# --model (LibTorch builds with pmm-train and pmm-solve): the floor compares a held-out set of --paths rows of --data
# with the other rows, the reference of the runs, and the table records that reference's size
if "$S" --help | grep -q -- "--model" && [ -x "$B/pmm-train" ] && [ -x "$B/pmm-solve" ] &&
   "$B/pmm-train" --data builtin:gmm2d --steps 3 --batch 16 --width 16 --depth 1 --threads 1 --out "$T/m" >/dev/null 2>&1; then
  ok "$B/pmm-solve" --target builtin:gmm2d --given-x --steps 1 --paths 1000 --out "$T/mu.npy" --out-x "$T/x.npy" --quiet
  ok "$S" --model "$T/m/model.pt" --data "$T/x.npy" --solvers euler-maruyama,ode --nfe 40 --paths 200 --seeds 2 \
     --metric fd --quiet --out "$T/m.csv"
  # 1000 rows, --paths 200, 2 seeds: two held-out sets of 200, reference 600
  grep -q ',fd,reference,0,1,.*,200,600,.*held-out --data set 2 of 2 (200 rows) vs the reference (600 other rows)' \
    "$T/m.csv" || { echo "FAIL: model floor row"; cat "$T/m.csv"; fail=1; }
  [ "$(awk -F, 'NR > 1 && $4 == "ode" && $8 > 40' "$T/m.csv" | wc -l)" -eq 0 ] || { echo "FAIL: model ode over budget"; fail=1; }
  rm -f "$T/bad.csv"
  bad --data --model "$T/m/model.pt" --data "$T/x.npy" --paths 999 --seeds 1 --nfe 10 --out "$T/bad.csv"
  bad --ref-paths --model "$T/m/model.pt" --data "$T/x.npy" --paths 200 --ref-paths 900 --seeds 1 --nfe 10 --out "$T/bad.csv"
  [ -e "$T/bad.csv" ] && { echo "FAIL: a refused sweep left $T/bad.csv"; fail=1; }
else
  echo "note: --model floor not tested (needs a LibTorch build with pmm-train and pmm-solve)"
fi
# --plot (when matplotlib is there): a PNG next to the table
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null && [ -x "$B/pmm-plot" ]; then
  ok "$S" "${C[@]}" --nfe 10,40 --out "$T/s.csv" --plot "$T/s.png"
  head -c 4 "$T/s.png" | grep -q PNG || { echo "FAIL: --plot wrote no PNG"; fail=1; }
fi
[ $fail -eq 0 ] && echo "sweep.sh: all passed"
exit $fail
