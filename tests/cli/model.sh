#!/usr/bin/env bash
# Model files carry their run (issue 17): pmm-train writes the process, prior, schedule, parametrisation, event shape
# and data range into model.pt; pmm-solve and pmm-sweep take them by default and refuse a conflicting option in one
# line naming both values. pmm-train refuses an --out that holds a run unless --resume or --force, and leaves no
# folder behind when it fails on bad input. LibTorch builds; tiny models (a few steps). Usage: model.sh BUILD_DIR
set -u
B=${1:?build dir}
[ -x "$B/pmm-train" ] && [ -x "$B/pmm-solve" ] || { echo "SKIPPED: no LibTorch build (pmm-train, pmm-solve)"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_model.XXXXXX); trap 'rm -rf "$T"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
ok() { "$@" >"$T/log" 2>&1 || { say "expected success: $*"; cat "$T/log"; }; }
bad() {  # bad NAME TEXT args...: exit 2, one stderr line naming NAME and containing TEXT
  local name=$1 text=$2; shift 2
  "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then say "rc $rc, expected 2: $*"; cat "$T/err.log"; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log" || ! grep -qF -- "$text" "$T/err.log"; then
    say "stderr should be one line naming $name with '$text': $*"; cat "$T/err.log"; fi
}
TRAIN=(--steps 3 --batch 16 --width 16 --depth 1 --threads 1)
ok "$B/pmm-train" --process gamma-poisson --data builtin:counts3 --beta1 0.5 --beta2 3 "${TRAIN[@]}" --out "$T/gp"
ok "$B/pmm-train" --process normal --data builtin:gmm2d --schedule linear:a=0.5,b=100 --b 3 "${TRAIN[@]}" --out "$T/n"

# the file's process, prior and schedule are the run's by default
ok "$B/pmm-solve" --model "$T/gp/model.pt" --steps 5 --paths 20 --report "$T/gp.json"
grep -q "^process gamma-poisson " "$T/log" || { say "gamma-poisson model did not run as gamma-poisson"; cat "$T/log"; }
/usr/bin/python3 -c "import json, sys; r = json.load(open('$T/gp.json')); p = r['process']
sys.exit(0 if p['name'] == 'gamma-poisson' and p['prior'] == {'beta1': 0.5, 'beta2': 3.0} and 'data range' in r['model_info'] else 1)" \
  || { say "gamma-poisson report: process or model_info"; cat "$T/gp.json"; }
ok "$B/pmm-solve" --model "$T/n/model.pt" --steps 5 --paths 20 --report "$T/n.json"
/usr/bin/python3 -c "import json, sys; p = json.load(open('$T/n.json'))['process']
sys.exit(0 if p['name'] == 'normal' and p['prior'] == {'b': 3.0} and p['schedule'] == 'linear:a=0.5,b=100' else 1)" \
  || { say "normal report: process"; cat "$T/n.json"; }
# options that agree are accepted
ok "$B/pmm-solve" --model "$T/n/model.pt" --process normal --prior b=3 --schedule linear:b=100,a=0.5 --steps 5 --paths 20

# a conflicting option: one line naming the option, the value given and the file's
bad --process "'normal' conflicts with $T/gp/model.pt, trained for gamma-poisson" \
  "$B/pmm-solve" --model "$T/gp/model.pt" --process normal --steps 5 --paths 20
bad --process "trained for normal" "$B/pmm-solve" --model "$T/n/model.pt" --process gamma-poisson --steps 5 --paths 20
bad --schedule "trained with linear:a=0.5,b=100" "$B/pmm-solve" --model "$T/n/model.pt" --schedule exponential --paths 20
bad --prior "'b=2' conflicts" "$B/pmm-solve" --model "$T/n/model.pt" --prior b=2 --paths 20
bad --prior "trained with beta1=0.5,beta2=3" "$B/pmm-solve" --model "$T/gp/model.pt" --prior beta1=0.1,beta2=2 --paths 20

# pmm-sweep likewise
if [ -x "$B/pmm-sweep" ]; then
  "$B/pmm-solve" --process gamma-poisson --target builtin:counts3 --steps 20 --paths 300 --out "$T/counts.npy" >/dev/null 2>&1
  ok "$B/pmm-sweep" --model "$T/gp/model.pt" --data "$T/counts.npy" --solvers tau-leap --nfe 4 --metric tv --paths 100 \
    --out "$T/gp-sweep.csv"
  grep -q "^gamma-poisson," "$T/gp-sweep.csv" || { say "pmm-sweep did not take the model's process"; head -3 "$T/gp-sweep.csv"; }
  bad --process "trained for gamma-poisson" "$B/pmm-sweep" --model "$T/gp/model.pt" --data "$T/counts.npy" \
    --process normal --nfe 4 --paths 100 --out "$T/x.csv"
  bad --schedule "trained with" "$B/pmm-sweep" --model "$T/gp/model.pt" --data "$T/counts.npy" --schedule constant:c=5 \
    --nfe 4 --paths 100 --out "$T/x.csv"
fi

# pmm-train: an --out holding a run is refused without --resume or --force (the model is left as it was) ...
cp "$T/n/model.pt" "$T/n-before.pt"
bad --out "give --resume to continue it, --force to replace it" \
  "$B/pmm-train" --process normal --data builtin:gmm2d --schedule linear:a=0.5,b=100 --b 3 "${TRAIN[@]}" --out "$T/n"
grep -q "3 steps" "$T/err.log" || { say "the refusal should say how many steps the run in --out has"; cat "$T/err.log"; }
cmp -s "$T/n/model.pt" "$T/n-before.pt" || say "a refused pmm-train changed model.pt"
bad --force "give one" "$B/pmm-train" --data builtin:gmm2d "${TRAIN[@]}" --out "$T/n" --resume --force
ok "$B/pmm-train" --data builtin:gmm2d "${TRAIN[@]}" --seed 5 --out "$T/n" --force
cmp -s "$T/n/model.pt" "$T/n-before.pt" && say "--force did not replace model.pt"
# ... and a run that fails on bad input leaves no folder it created
"$B/pmm-train" --data builtin:gmm2d "${TRAIN[@]}" --device cuda --out "$T/new" >/dev/null 2>"$T/err.log"
if [ $? -eq 2 ]; then
  [ -e "$T/new" ] && say "a failed pmm-train (--device cuda, no GPU) left $T/new behind"
else
  echo "note: this machine runs --device cuda; the leftover-folder check is skipped"
fi
"$B/pmm-train" --data builtin:gmm2d "${TRAIN[@]}" --resume --out "$T/none" >/dev/null 2>&1
[ -e "$T/none" ] && say "a failed --resume (no checkpoint) left $T/none behind"

[ $fail -eq 0 ] && echo "model: all passed"
exit $fail
