#!/usr/bin/env bash
# pmm-plot from the outside: the demo's calls (trajectory with --report, scatter) and the other pictures (sweep, hist
# against a target, image grid) write real PNG/SVG files; bad input exits 2 with a message; a Python without
# matplotlib gives exit 2 and says what to install. Usage: plot.sh BUILD_DIR
set -u
B=${1:?build dir}; P="$B/pmm-plot"
[ -x "$P" ] || { echo "SKIPPED: $P not built"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_plot.XXXXXX); trap 'rm -rf "$T"' EXIT
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
bad() {  # bad TEXT args...: exit 2, stderr mentions TEXT, no output picture
  local text=$1; shift
  rm -f "$T"/bad.*
  "$P" "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL (rc $rc, expected 2): $*"; cat "$T/err.log"; fail=1; return; fi
  grep -q -- "$text" "$T/err.log" || { echo "FAIL (stderr should mention $text): $*"; cat "$T/err.log"; fail=1; }
  ls "$T"/bad.* >/dev/null 2>&1 && { echo "FAIL (picture left behind): $*"; fail=1; }
}
png() { head -c 8 "$1" | grep -q PNG || { echo "FAIL: $1 is not a PNG"; fail=1; }; }
svg() { grep -q "<svg" "$1" || { echo "FAIL: $1 is not an SVG"; fail=1; }; }

# Without matplotlib: a clear error, exit 2.

/usr/bin/printf 'x0,x1\n0,1\n1,0\n' > "$T/pts.csv"
PMM_PYTHON=/bin/false "$P" scatter "$T/pts.csv" --out "$T/x.png" >/dev/null 2>"$T/err.log"; rc=$?
[ $rc -eq 2 ] && grep -q "matplotlib" "$T/err.log" || { echo "FAIL: missing matplotlib should exit 2 naming it (rc $rc)"; cat "$T/err.log"; fail=1; }

if ! /usr/bin/python3 -c "import matplotlib, numpy" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 has no matplotlib/numpy (apt-get install python3-matplotlib); error path checked"
  exit $fail
fi
if [ -x "$B/pmm-solve" ]; then
  # exactly what scripts/demo.sh runs
  ok "$B/pmm-solve" --process normal --target builtin:gmm2d --solver heun --steps 50 --paths 2000 --seed 1 \
     --final denoise --out "$T/samples.npy" --trajectory "$T/trajectory.npy" --save-every 5 --trajectory-paths 16 \
     --report "$T/run.json" --quiet
  ok "$P" trajectory "$T/trajectory.npy" --report "$T/run.json" --out "$T/trajectory.png"; png "$T/trajectory.png"
  ok "$P" scatter "$T/samples.npy" --out "$T/samples.png"; png "$T/samples.png"
  ok "$P" trajectory "$T/trajectory.npy" --out "$T/trajectory.svg"; svg "$T/trajectory.svg"
  ok "$P" hist "$T/samples.npy" --target builtin:gmm2d --out "$T/hist.png"; png "$T/hist.png"
  ok "$P" scatter "$T/samples.npy" --target builtin:gmm2d --target-samples 500 --out "$T/sc.svg"; svg "$T/sc.svg"
  ok "$B/pmm-solve" --process gamma-poisson --target builtin:counts3 --solver tau-leap --steps 40 --paths 200 \
     --trajectory "$T/gp.npy" --save-every 1 --report "$T/gp.json" --quiet
  ok "$P" trajectory "$T/gp.npy" --report "$T/gp.json" --out "$T/gp.png"; png "$T/gp.png"
  bad "save_times" trajectory "$T/trajectory.npy" --report "$T/gp.json" --out "$T/bad.png"  # report of another run
fi
# hist --target atoms --target-weights (issue 17): the script gets the atoms and their weights (a weighted, exact
# histogram), repeated rows add up; a stand-in Python records what pmm-plot hands over.
/usr/bin/python3 -c "import numpy as np; np.save('$T/at.npy', np.array([0.0, 1.0, 3.0, 1.0])); np.save('$T/aw.npy', np.array([0.1, 0.2, 0.6, 0.1]))"
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in --reference) cp "$2" %s/got_ref.npy;; --reference-weights) cp "$2" %s/got_w.npy;; esac; shift; done\nexit 0\n' "$T" "$T" >"$T/fakepy"
chmod +x "$T/fakepy"
PMM_PYTHON="$T/fakepy" "$P" hist "$T/at.npy" --target "$T/at.npy" --target-weights "$T/aw.npy" --out "$T/hw.png" \
  >"$T/log" 2>&1 || { echo "FAIL: hist --target-weights"; cat "$T/log"; fail=1; }
/usr/bin/python3 -c "import numpy as np, sys; x = np.load('$T/got_ref.npy').ravel(); w = np.load('$T/got_w.npy').ravel()
sys.exit(0 if list(x) == [0, 1, 3] and np.allclose(w / w.sum(), [0.1, 0.3, 0.6]) else 1)" 2>/dev/null \
  || { echo "FAIL: hist --target-weights did not hand over the weighted atoms"; fail=1; }
ok "$P" hist "$T/at.npy" --target "$T/at.npy" --target-weights "$T/aw.npy" --out "$T/hw.png"; png "$T/hw.png"
bad "--target-weights" hist "$T/at.npy" --target-weights "$T/aw.npy" --out "$T/bad.png"
# sweep figures name what they show (SVG text kept as text): Gamma-Poisson exact and tau-leap coincide by design and
# the legend says so; the noise floor is "oracle draws" for a target, not "real samples"
mkdir -p "$T/mpl"; echo "svg.fonttype: none" >"$T/mpl/matplotlibrc"
if [ -x "$B/pmm-sweep" ]; then
  ok "$B/pmm-sweep" --process gamma-poisson --target builtin:counts3 --solvers exact,tau-leap --nfe 5,10 --metric fd \
     --paths 200 --seeds 1 --out "$T/gps.csv" --quiet
  MATPLOTLIBRC="$T/mpl" ok "$P" sweep "$T/gps.csv" --out "$T/gps.svg"
  grep -q "tau-leap (coincides with exact)" "$T/gps.svg" || { echo "FAIL: coinciding curves not noted"; fail=1; }
  grep -q "oracle draws" "$T/gps.svg" && ! grep -q "real samples" "$T/gps.svg" \
    || { echo "FAIL: noise floor label"; fail=1; }
fi
if [ -x "$B/pmm-sweep" ]; then
  ok "$B/pmm-sweep" --target builtin:atoms3 --solvers euler-maruyama,heun --nfe 10,20 --metric fd,tv --paths 200 \
     --seeds 2 --out "$T/sweep.csv" --quiet
  ok "$P" sweep "$T/sweep.csv" --out "$T/sweep.png"; png "$T/sweep.png"
  ok "$P" sweep "$T/sweep.csv" --metric tv --out "$T/sweep.svg"; svg "$T/sweep.svg"
  bad "--metric" sweep "$T/sweep.csv" --metric kid --out "$T/bad.png"
  # --metric-label: one text for one metric, METRIC=TEXT pairs for several; a bare text for two metrics is refused
  ok "$P" sweep "$T/sweep.csv" --metric fd --metric-label "classifier Frechet distance (CFD)" --out "$T/sl.png"; png "$T/sl.png"
  ok "$P" sweep "$T/sweep.csv" --metric-label "fd=Frechet (fd);tv=TV of weights" --out "$T/sl2.png"; png "$T/sl2.png"
  bad "--metric-label" sweep "$T/sweep.csv" --metric-label "CFD" --out "$T/bad.png"
  # rows of two sample counts for one metric are refused, not drawn together
  sed -n '2p' "$T/sweep.csv" | sed 's/,200,200,/,999,999,/' >> "$T/sweep.csv"
  bad "not comparable" sweep "$T/sweep.csv" --out "$T/bad.png"
fi
/usr/bin/python3 -c "import numpy as np; np.save('$T/img.npy', np.linspace(-1, 1, 10 * 3 * 8 * 8).reshape(10, -1))"
ok "$P" grid "$T/img.npy" --shape 3x8x8 --out "$T/grid.png"; png "$T/grid.png"
ok "$P" grid "$T/img.npy" --shape 3x8x8 --range 0,1 --count 4 --out "$T/grid.svg"; svg "$T/grid.svg"
bad "--shape" grid "$T/img.npy" --shape 28x28 --out "$T/bad.png"
bad "--out" grid "$T/img.npy" --shape 3x8x8 --out "$T/bad.jpg"
bad "not found" hist "$T/missing.npy" --out "$T/bad.png"
bad "pmm-sweep" sweep "$T/pts.csv" --out "$T/bad.png"
/usr/bin/python3 -c "import numpy as np; np.save('$T/one.npy', np.arange(5.0))"
bad "scatter needs 2" scatter "$T/one.npy" --out "$T/bad.png"
[ $fail -eq 0 ] && echo "plot.sh: all passed"
exit $fail
