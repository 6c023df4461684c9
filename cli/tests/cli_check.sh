#!/usr/bin/env bash
# `veritape check` end to end: the table, JSON, the planted-bug campaign, a
# replayable seed, and bad usage.
set -u
vt="$1"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=$("$vt" check --strict --cases 50 --seed 3 2>/dev/null); check "all suites, --strict" 0 $?
echo "$out" | grep -q "all properties hold" || { echo "FAIL summary: $out"; fail=1; }
for p in "compiled == eager" "per-node soundness" "runtime within contracts" "optimizer steps" "text and JSON round trips"; do
  echo "$out" | grep -q "$p" || { echo "FAIL table lacks '$p'"; fail=1; }
done
"$vt" check --suite soundness --cases 30 --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["all_passed"] and r["suite"] == "soundness"
assert {p["suite"] for p in r["properties"]} == {"soundness"}
assert all(p["cases"] == 30 and p["cases_per_second"] > 0 for p in r["properties"])
per_node = next(p for p in r["properties"] if p["property"] == "per-node soundness")
ops = per_node["coverage"]["ops"]
assert ops and all(c["decided"] + c["undecided"] + c["all_at_kinks"] == c["nodes"] for c in ops.values())
graph = next(p for p in r["properties"] if p["property"].startswith("graph gradient"))
assert graph["coverage"]["discarded"] == sum(graph["coverage"]["discard_reasons"].values())
assert all(p["weak"] == "" for p in r["properties"])'
check "--json with coverage counters" 0 $?
a=$("$vt" check --suite soundness --cases 40 --seed 9 --json 2>/dev/null | python3 -c 'import json,sys; print([(p["cases"], p["distribution"]) for p in json.load(sys.stdin)["properties"]])')
b=$("$vt" check --suite soundness --cases 40 --seed 9 --json 2>/dev/null | python3 -c 'import json,sys; print([(p["cases"], p["distribution"]) for p in json.load(sys.stdin)["properties"]])')
[ "$a" = "$b" ] || { echo "FAIL the same seed should replay the same run"; fail=1; }
# The kill matrix at the default count: exit 0 only when every bug is caught
# and every property catches one (N of N, whatever N is: proptests_mutants
# checks N against kAllMutants).
out=$("$vt" check --suite mutants --seed 7 2>/dev/null); check "planted bugs, the kill matrix" 0 $?
echo "$out" | grep -qE "^([0-9]+) of \1 planted bugs detected; ([0-9]+) of \2 properties catch at least one" || { echo "FAIL mutants: $out"; fail=1; }
echo "$out" | grep -q "realistic shapes" || { echo "FAIL the kill matrix lacks the realistic-shape properties"; fail=1; }
# Realistic shapes, as CI runs them: a small count, --strict.
"$vt" check --shapes realistic --cases 30 --strict --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["all_passed"] and not r["any_weak"] and r["shapes"] == "realistic", r
assert len(r["properties"]) == 4 and all("[realistic shapes]" in p["property"] for p in r["properties"])
assert all(p["coverage"]["kernel_paths"] for p in r["properties"])'
check "--shapes realistic --strict" 0 $?
"$vt" check --shapes huge > /dev/null 2>&1; check "unknown --shapes" 2 $?
"$vt" check --suite everything > /dev/null 2>&1; check "unknown suite" 2 $?
"$vt" check --cases 0 > /dev/null 2>&1; check "--cases 0" 2 $?
exit $fail
