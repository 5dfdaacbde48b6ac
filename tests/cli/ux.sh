#!/usr/bin/env bash
# What the apps teach a newcomer (issue 17): --version and --help on every app; a mistyped option gets the nearest
# name; pmm-solve lists its targets and solvers and refuses what it would ignore (--steps with the adaptive ode);
# inverse-gamma-gamma runs warn of their bias; piped runs print plain progress lines. Usage: ux.sh BUILD_DIR
set -u
B=${1:?build dir}; S="$B/pmm-solve"
T=$(mktemp -d /tmp/pmm_cli_ux.XXXXXX); trap 'rm -rf "$T"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
bad() {  # bad NAME TEXT args...: exit 2, one stderr line naming NAME and containing TEXT
  local name=$1 text=$2; shift 2
  "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then say "rc $rc, expected 2: $*"; cat "$T/err.log"; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log" || ! grep -qF -- "$text" "$T/err.log"; then
    say "stderr should be one line naming $name with '$text': $*"; cat "$T/err.log"; fi
}

# --version and --help on every app that this build has
for app in pmm-solve pmm-sweep pmm-validate pmm-plot pmm-train pmm-classifier pmm-text; do
  [ -x "$B/$app" ] || continue
  "$B/$app" --version >"$T/v.log" 2>&1 || say "$app --version exited non-zero"
  grep -qE '^pmm [0-9]+\.[0-9]+\.[0-9]+$' "$T/v.log" || { say "$app --version: $(cat "$T/v.log")"; }
  "$B/$app" --help >"$T/h.log" 2>&1 || say "$app --help exited non-zero"
  grep -q -- "--version" "$T/h.log" || say "$app --help does not list --version"
  grep -q "UINT:INT" "$T/h.log" && say "$app --help shows UINT:INT"
  grep -q "^Usage: $app " "$T/h.log" || say "$app --help usage line: $(grep Usage "$T/h.log")"
done

# a typo names the option meant; a stray value is not reported as the error
bad --solvr "did you mean --solver?" "$S" --solvr heun --target builtin:atoms3
bad --stesp "did you mean --steps?" "$S" --stesp 10 --target builtin:atoms3
bad --frobnicate "unknown option" "$S" --frobnicate --target builtin:atoms3

# --help and the lists name the built-in targets, markov:FILE, the mixture format and every solver
"$S" --help >"$T/help.log" 2>&1
for w in builtin:gmm2d builtin:counts3 builtin:scales3 markov: gaussian-mixture fixed-grid event-driven --list-targets \
         --list-solvers; do
  grep -q -- "$w" "$T/help.log" || say "pmm-solve --help does not mention $w"
done
if [ -x "$B/pmm-sweep" ]; then
  "$B/pmm-sweep" --help 2>&1 | grep -q "builtin:ring8" || say "pmm-sweep --help does not list the built-in targets"
fi
"$S" --list-targets >"$T/lt.log" 2>&1 || say "--list-targets exited non-zero"
for w in builtin:atoms3 builtin:ring8 builtin:gamma-mix '"type": "gaussian-mixture"' gamma-mixture markov:TEXTFILE; do
  grep -qF -- "$w" "$T/lt.log" || say "--list-targets does not mention $w"
done
"$S" --list-solvers >"$T/ls.log" 2>&1 || say "--list-solvers exited non-zero"
for w in ode-rk4 ode-heun tau-leap-midpoint fixed-grid event-driven NFE; do
  grep -q -- "$w" "$T/ls.log" || say "--list-solvers does not mention $w"
done

# what would be ignored or misread is refused, naming what fits
bad --steps "ode-rk4" "$S" --target builtin:atoms3 --solver ode --steps 10
"$S" --target builtin:atoms3 --solver ode --paths 50 >/dev/null 2>&1 || say "--solver ode without --steps failed"
bad --solver "ode, ode-rk4, ode-heun" "$S" --target builtin:atoms3 --solver tau-leap
bad --target "markov:TEXTFILE" "$S" --process dirichlet-categorical --target builtin:gmm2d

# inverse-gamma-gamma: one warning line about the bias, none with --given-x (exact given x)
"$S" --process inverse-gamma-gamma --target builtin:scales3 --steps 20 --paths 50 >/dev/null 2>"$T/igg.log" \
  || say "inverse-gamma-gamma run failed"
{ [ "$(wc -l <"$T/igg.log")" -eq 1 ] && grep -q "warning: inverse-gamma-gamma .* biased" "$T/igg.log"; } \
  || { say "inverse-gamma-gamma should warn once"; cat "$T/igg.log"; }
"$S" --process inverse-gamma-gamma --target builtin:scales3 --given-x --steps 20 --paths 50 >/dev/null 2>"$T/igx.log"
[ -s "$T/igx.log" ] && { say "inverse-gamma-gamma --given-x should not warn"; cat "$T/igx.log"; }
if [ -x "$B/pmm-sweep" ]; then
  "$B/pmm-sweep" --process inverse-gamma-gamma --target builtin:scales3 --solvers exact --nfe 5 --metric tv \
    --paths 200 --out "$T/igg.csv" >/dev/null 2>"$T/sw.log" || say "inverse-gamma-gamma sweep failed"
  grep -q "warning: inverse-gamma-gamma" "$T/sw.log" || say "pmm-sweep inverse-gamma-gamma should warn"
fi

# progress when stderr is not a terminal: silent for a run shorter than the interval (default 5 s); plain lines
# (no carriage return) every PMM_PROGRESS_SECONDS, and the final state, for a longer one
"$S" --target builtin:gmm2d --steps 20 --paths 100 --quiet 2>"$T/p0.log" || say "short run failed"
[ -s "$T/p0.log" ] && { say "a short piped run printed progress"; cat "$T/p0.log"; }
PMM_PROGRESS_SECONDS=0.05 "$S" --target builtin:ring8 --solver heun --steps 400 --paths 20000 --quiet 2>"$T/p1.log" \
  || say "progress run failed"
grep -q "^pmm-solve .*%" "$T/p1.log" || { say "no plain progress line"; cat "$T/p1.log"; }
grep -q "^pmm-solve  100% " "$T/p1.log" || { say "no final progress line"; cat "$T/p1.log"; }
grep -q $'\r' "$T/p1.log" && say "plain progress lines contain a carriage return"
PMM_PROGRESS_SECONDS=0 "$S" --target builtin:ring8 --solver heun --steps 400 --paths 20000 --quiet 2>"$T/p2.log"
[ -s "$T/p2.log" ] && say "PMM_PROGRESS_SECONDS=0 should silence progress"

# denoised zero counts are 0, not 1e-308 (a posterior on one atom returns the atom exactly), on the CPU and on the
# device kernels' CPP system
printf 'count\n0\n3\n5\n' >"$T/z.csv"
for dev in cpu thrust-cpp; do
  "$S" --process gamma-poisson --target "$T/z.csv" --paths 200 --steps 100 --device $dev --out "$T/z-$dev.csv" --quiet \
    2>/dev/null || { say "gamma-poisson zero-count run on $dev failed"; continue; }
  odd=$(tail -n +2 "$T/z-$dev.csv" | grep -cvxE '0|3|5')
  [ "$odd" -eq 0 ] || say "$dev: $odd denoised values are not exactly an atom: $(tail -n +2 "$T/z-$dev.csv" | grep -vxE '0|3|5' | head -3 | tr '\n' ' ')"
  grep -qx 0 "$T/z-$dev.csv" || say "$dev: no path ended at the zero atom"
done

[ $fail -eq 0 ] && echo "ux: all passed"
exit $fail
