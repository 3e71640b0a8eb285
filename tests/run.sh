#!/bin/sh
# Runs every cmocka unit test and every integration test, then prints the
# total as its last line: "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "${BUILD:-build}"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	# A crash leaves no tally: count the whole binary as one failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

# Each fuzz target over its seed corpus and mutations of it, one test per
# target; FUZZ_SMOKE (from the Makefile) bounds the runs and seconds.
for d in "${BUILD:-build}"/fuzz/driver_*; do
	[ -x "$d" ] || continue
	case "$d" in *.d) continue ;; esac
	t=${d##*driver_}
	# shellcheck disable=SC2086 # FUZZ_SMOKE is a list of options
	if "$d" ${FUZZ_SMOKE:--m 200000 -t 3} -o "${BUILD:-build}/fuzz/crash-$t" \
		"tests/fuzz/corpus/$t" >"$log" 2>&1; then
		echo "PASS fuzz-smoke $t: $(tail -n 1 "$log")"
		passed=$((passed + 1))
	else
		cat "$log"
		echo "FAIL fuzz-smoke $t"
		failed=$((failed + 1))
	fi
done

# Adds the "N passed, N failed, N skipped" tally that ends $log (after an
# optional prefix) to the totals; a missing tally is one failure named $1.
add_tally() {
	line=$(sed -n "s/^$2\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\1 \2 \3/p" "$log")
	if [ -z "$line" ]; then
		echo "FAIL $1 ended without a tally"
		failed=$((failed + 1))
		return
	fi
	set -- $line
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}

python3 tests/integration/run.py "$@" | tee "$log"
add_tally "integration runner" "integration: "

# The benchmark harness's own tests (parsers, verdicts, a short smoke run); not the bench.
python3 tests/perf/test_bench.py | tee "$log"
add_tally "bench harness tests" ""

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
