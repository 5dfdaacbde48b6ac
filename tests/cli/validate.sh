#!/usr/bin/env bash
# Shell-level tests of pmm-validate: bad options exit 2 with one "pmm-validate: error: --option: ..." line and no
# report; --list; a small selection writes a JSON report with every check's numbers, exits 1 exactly when a check
# failed, and gives the same numbers for --threads 1 and 2. Usage: validate.sh BUILD_DIR
set -u
build=${1:?usage: validate.sh BUILD_DIR}
app="$build/pmm-validate"
[ -x "$app" ] || { echo "SKIPPED: $app not built"; exit 0; }
tmp=$(mktemp -d /tmp/pmm_cli_validate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error STATUS OPTION ARGS...: the run exits STATUS and its one stderr line names OPTION.
expect_error() {
  local status=$1 option=$2
  shift 2
  "$app" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$status" ] || fail "pmm-validate $* exited $got, expected $status"
  grep -q "^pmm-validate: error: .*$option" "$tmp/err" || fail "pmm-validate $*: stderr does not name $option: $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "pmm-validate $*: expected one error line, got: $(cat "$tmp/err")"
}

expect_error 2 --check --check no-such-check
expect_error 2 --check --check order
expect_error 2 --full --quick --full
expect_error 2 --threads --threads -1  # 0 means every core (issue 17: one meaning in every app)
expect_error 2 --threads --threads x
expect_error 2 --seed --seed -1
expect_error 2 --report --check errata.eq160 --report "$tmp/no/such/dir/r.json"
expect_error 2 --report --check errata.eq160 --report "$tmp/r.txt"
[ ! -e "$tmp/r.txt" ] || fail "a rejected --report was written"

"$app" --help >"$tmp/help" 2>&1 || fail "--help exited non-zero"
grep -q -- "--quick" "$tmp/help" || fail "--help does not mention --quick"

"$app" --list >"$tmp/list" || fail "--list exited non-zero"
for name in consistency.normal continuum.gamma-poisson orders.weak.normal.heun pathwise.gamma-poisson.sde \
            recovery.dirichlet-categorical.event-driven errata.eq32 errata.eq119-122 errata.eq149 errata.eq160; do
  grep -qx "$name" "$tmp/list" || fail "--list lacks $name"
done
"$app" --list --check errata >"$tmp/list2" || fail "--list --check errata exited non-zero"
[ "$(grep -c '^errata\.' "$tmp/list2")" -eq 4 ] || fail "--list --check errata should list 4 checks"

# A small selection, twice with different thread counts.
sel=(--check errata.eq160,pathwise.gamma-poisson.count --check consistency.dirichlet-categorical)
"$app" --quick "${sel[@]}" --seed 3 --threads 1 --report "$tmp/r1.json" >"$tmp/t1"
s1=$?
"$app" "${sel[@]}" --seed 3 --threads 2 --report "$tmp/r2.json" >"$tmp/t2"
s2=$?
[ -s "$tmp/r1.json" ] && [ -s "$tmp/r2.json" ] || fail "reports not written"
head -1 "$tmp/t1" | grep -q "name *| what *| statistic *| tolerance *| result *| seconds" || fail "table header: $(head -1 "$tmp/t1")"
grep -Eq "^errata\.eq160 .*\| (PASS|FAIL) " "$tmp/t1" || fail "table lacks the errata.eq160 row"
python3 - "$tmp/r1.json" "$tmp/r2.json" "$s1" "$s2" <<'EOF' || fail "report contents (see above)"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
s1, s2 = int(sys.argv[3]), int(sys.argv[4])
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("report:", what); ok = False
names = [c["name"] for c in a["checks"]]
check(names == ["consistency.dirichlet-categorical", "pathwise.gamma-poisson.count", "errata.eq160"], f"names {names}")
check(a["mode"] == "quick" and a["seed"] == 3 and a["threads"] == 1, "mode, seed, threads")
for key in ("command_line", "date", "compiler", "hostname"):
    check(key in a, f"metadata {key}")
for c in a["checks"]:
    for key in ("what", "how", "statistic", "tolerance", "pass", "seconds", "details"):
        check(key in c, f"{c['name']} lacks {key}")
check(a["failed"] == sum(not c["pass"] for c in a["checks"]), "failed count")
check(s1 == (1 if a["failed"] else 0) and s2 == (1 if b["failed"] else 0), f"exit status {s1}, {s2} vs failures")
for x, y in zip(a["checks"], b["checks"]):
    check(x["details"] == y["details"] and x["statistic"] == y["statistic"], f"{x['name']} differs between 1 and 2 threads")
sys.exit(0 if ok else 1)
EOF

[ "$failures" -eq 0 ] && echo "validate.sh: all passed"
exit "$failures"
