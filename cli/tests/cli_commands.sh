#!/usr/bin/env bash
# The `veritape` command end to end: exit codes and messages of verify, fmt
# and audit on the example graphs, on corrupted copies of them, on bad data
# and on bad invocations.
set -u
vt="$1"
root="$2"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
for f in "$root"/examples/graphs/*.vtg; do
  b=$(basename "$f")  # before any command whose $? is checked below
  out=$("$vt" verify "$f"); check "verify $b" 0 $?
  case "$out" in "ok $f: graph "*) ;; *) echo "FAIL summary line: $out"; fail=1 ;; esac
  # fmt output is canonical: it verifies and formats to itself.
  "$vt" fmt "$f" > "$tmp/a.vtg"; check "fmt $b" 0 $?
  "$vt" fmt "$tmp/a.vtg" | cmp -s - "$tmp/a.vtg"; check "fmt idempotent $b" 0 $?
  "$vt" fmt --json "$f" > "$tmp/a.json" && "$vt" fmt "$tmp/a.json" | cmp -s - "$tmp/a.vtg"
  check "json round trip $b" 0 $?
  # A corrupted copy: first 'output' renamed to an undefined value.
  sed 's/output %[A-Za-z0-9_.]*/output %missing_value/' "$f" > "$tmp/bad.vtg"
  err=$("$vt" verify "$tmp/bad.vtg" 2>&1); check "reject corrupted $b" 1 $?
  echo "$err" | grep -Eq "^$tmp/bad.vtg:[0-9]+:[0-9]+: output %missing_value is not defined" || { echo "FAIL message: $err"; fail=1; }
done
printf 'graph g {\n  input %%x : f32[2, 3\n}' > "$tmp/syntax.vtg"
err=$("$vt" verify "$tmp/syntax.vtg" 2>&1); check "syntax error" 1 $?
[ "$err" = "$tmp/syntax.vtg:3:1: expected ',' or ']' in the shape, found '}'" ] || { echo "FAIL message: $err"; fail=1; }
head -c 4096 /dev/urandom > "$tmp/garbage.vtg"; "$vt" verify "$tmp/garbage.vtg" 2>/dev/null; check "binary garbage" 1 $?
: > "$tmp/empty.vtg"; "$vt" verify "$tmp/empty.vtg" 2>/dev/null; check "empty file" 1 $?
"$vt" verify "$tmp/does-not-exist.vtg" 2>/dev/null; check "missing file" 1 $?
"$vt" 2>/dev/null; check "no subcommand" 2 $?
"$vt" verify 2>/dev/null; check "verify without files" 2 $?
"$vt" verify --bogus x.vtg 2>/dev/null; check "unknown flag" 2 $?
# audit: the FastKernels runtime (what train runs) meets every contract (exit 0) ...
for f in "$root"/examples/graphs/*.vtg; do
  b=$(basename "$f")
  "$vt" audit "$f" --seed 3 > "$tmp/audit.txt"; check "audit $b" 0 $?
  grep -q "audited nodes meet their contracts" "$tmp/audit.txt" || { echo "FAIL audit table"; fail=1; }
done
"$vt" audit "$root/examples/graphs/chain.vtg" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["all_met"] and r["nodes"]' 
check "audit --json" 0 $?
out=$("$vt" audit "$root/examples/graphs/mlp_mse.vtg"); check "audit's default backend" 0 $?
echo "$out" | grep -q "values from runtime (FastKernels)" && echo "$out" | grep -q "(backward)" || { echo "FAIL default audit: $out"; fail=1; }
out=$("$vt" audit "$root/examples/graphs/mlp_mse.vtg" --backend both); check "audit --backend both" 0 $?
[ "$(echo "$out" | grep -c '^audit of graph')" = 2 ] && echo "$out" | grep -q "values from runtime (generic kernels)" || { echo "FAIL --backend both: $out"; fail=1; }
"$vt" audit "$root/examples/graphs/mlp_mse.vtg" --backend both --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r) == 2 and all(x["all_met"] for x in r)'
check "audit --backend both --json" 0 $?
# ... only gradients, from another framework: audited against the exact
# end-to-end gradient (the header says so), the skipped nodes listed, exit 0.
echo '{"inputs": {"y0": 0.5}, "grads": {"y0": [1.0003000300009999]}}' > "$tmp/grads.json"
out=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/grads.json"); check "audit of gradients alone" 0 $?
echo "$out" | grep -q "vs the exact end-to-end gradient on the float inputs" && echo "$out" | grep -q "1 of 1 gradients within tolerance" \
  && echo "$out" | grep -q "^skipped (no float value of the node and its inputs given): %a, %c, %m1" || { echo "FAIL gradients-only audit: $out"; fail=1; }
echo '{"inputs": {"y0": 0.5}, "grads": {"y0": [1.5]}}' > "$tmp/grads.json"
"$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/grads.json" > /dev/null; check "audit of a wrong gradient alone" 1 $?
err=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/grads.json" --backend generic 2>&1); check "--backend with values given" 2 $?
case "$err" in *"already holds values to audit"*) ;; *) echo "FAIL --backend with values message: $err"; fail=1 ;; esac
# ... values given in a file are audited: a wrong one fails (exit 1) and is named.
cat > "$tmp/chain.json" <<'JSON'
{"inputs": {"y0": 0.5},
 "values": {"a": 1.0001, "c": 0.001, "m1": 0.50005, "y1": 0.50105, "m2": 0.501100105, "y2": 0.502100105,
            "m3": 0.5021503150105, "y3": 0.6}}
JSON
out=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/chain.json"); check "audit of wrong values" 1 $?
echo "$out" | grep -q "first contract violation: %y3" || { echo "FAIL first violation: $out"; fail=1; }
# ... and NPZ works too (written here without numpy: .npy is a small header plus raw data).
python3 - "$tmp/chain.npz" <<'PY'
import struct, sys, zipfile
def npy(values, shape):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }" % (str(tuple(shape)) if len(shape) != 1 else "(%d,)" % shape[0])
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%dd" % len(values), *values)
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    # The chain computed in Python floats (IEEE doubles, as the f64 graph does).
    y, a, c = 0.5, 1.0001, 0.001
    z.writestr("y0.npy", npy([y], []))
    z.writestr("value.a.npy", npy([a], []))
    z.writestr("value.c.npy", npy([c], []))
    for i in (1, 2, 3):
        m = y * a
        y = m + c
        z.writestr("value.m%d.npy" % i, npy([m], []))
        z.writestr("value.y%d.npy" % i, npy([y], []))
PY
out=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/chain.npz"); check "audit of NPZ data" 0 $?
echo "$out" | grep -q "8 of 8 audited nodes" || { echo "FAIL npz audit: $out"; fail=1; }
echo '{"inputs": {"y0": "x"}}' > "$tmp/bad.json"
"$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/bad.json" 2>/dev/null; check "audit of malformed data" 2 $?
echo '{"inputs": {}}' > "$tmp/missing.json"
err=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/missing.json" 2>&1); check "audit with a missing input" 2 $?
echo "$err" | grep -q "no values for argument 'y0'" || { echo "FAIL message: $err"; fail=1; }
"$vt" audit "$tmp/does-not-exist.vtg" 2>/dev/null; check "audit of a missing graph" 2 $?
python3 -c 'print("{\"inputs\": {\"y0\": " + "[" * 100000 + "]" * 100000 + "}}")' > "$tmp/deep.json"
err=$("$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/deep.json" 2>&1); check "audit of deeply nested data" 2 $?
echo "$err" | grep -q "nested deeper than 64" || { echo "FAIL message: $err"; fail=1; }
echo '{"inputs": {"y0": 0.5}, "values": {"y0": 0.5}}' > "$tmp/argval.json"
"$vt" audit "$root/examples/graphs/chain.vtg" --inputs "$tmp/argval.json" 2>/dev/null; check "audit with a value for an argument" 2 $?
for sub in verify fmt ops audit; do "$vt" "$sub" --help > /dev/null; check "$sub --help" 0 $?; done
"$vt" ops | grep -q "^cross_entropy "; check "ops lists cross_entropy" 0 $?
"$vt" ops --paths | grep -q "^conv2d .*transposed (K >= 64)"; check "ops --paths lists the conv2d long-column path" 0 $?
# An unknown command is named; seeds are 64-bit unsigned, never wrapped or clamped.
err=$("$vt" frobnicate 2>&1); check "unknown command" 2 $?
case "$err" in *"unknown command 'frobnicate' (commands: verify, fmt, ops, run, audit, train, check"*) ;; *) echo "FAIL unknown command message: $err"; fail=1 ;; esac
for seed in -1 18446744073709551616 1e3; do
  "$vt" audit "$root/examples/graphs/chain.vtg" --seed "$seed" > /dev/null 2>&1; check "audit --seed $seed" 2 $?
done
"$vt" audit "$root/examples/graphs/chain.vtg" --seed 18446744073709551615 > /dev/null; check "audit --seed 2^64-1" 0 $?
# CUDA: every example graph's values and backward kernels on the kernels under
# the host emulator meet their contracts (ops without kernels named as host
# fallbacks); without a GPU, --backend cuda is a clear exit 2, never a crash.
for f in "$root"/examples/graphs/*.vtg; do
  b=$(basename "$f")
  out=$("$vt" audit "$f" --backend cuda-emulated); check "audit --backend cuda-emulated $b" 0 $?
  echo "$out" | grep -q "values from CUDA kernels (cuda-emulated)" || { echo "FAIL producer line: $out"; fail=1; }
done
out=$("$vt" audit "$root/examples/graphs/tiny_transformer.vtg" --backend cuda-emulated-atomic); check "audit --backend cuda-emulated-atomic" 0 $?
echo "$out" | grep -q "ops without CUDA kernels ran on the host: scaled_dot_product_attention" || { echo "FAIL host fallbacks not named: $out"; fail=1; }
if ! nvidia-smi >/dev/null 2>&1; then
  err=$("$vt" check --backend cuda --cases 1 2>&1); check "check --backend cuda without a GPU" 2 $?
  echo "$err" | grep -q "no CUDA device" || { echo "FAIL message: $err"; fail=1; }
  err=$("$vt" audit "$root/examples/graphs/chain.vtg" --backend cuda 2>&1); check "audit --backend cuda without a GPU" 2 $?
  echo "$err" | grep -q "no CUDA device" || { echo "FAIL message: $err"; fail=1; }
fi
err=$("$vt" check --backend cuda-emulated --suite soundness 2>&1); check "check --backend cuda-emulated --suite soundness" 2 $?
echo "$err" | grep -q "contracts and equivalence suites only" || { echo "FAIL message: $err"; fail=1; }
out=$("$vt" check --backend cuda-emulated --cases 20 --json); check "check --backend cuda-emulated" 0 $?
echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["all_passed"] and r["backend"] == "cuda-emulated" and len(r["properties"]) == 4, r'
check "check --backend cuda-emulated json" 0 $?

# prove: the index theorems (3 s) are all proved, the 32-bit witness included; bad usage exits 2.
out=$("$vt" prove --kind index); check "prove --kind index" 0 $?
echo "$out" | grep -q "8 of 8 theorems proved" || { echo "FAIL prove index table: $out"; fail=1; }
echo "$out" | grep -q "witness: " || { echo "FAIL prove 32-bit witness"; fail=1; }
"$vt" prove --op relu --kind convention --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["all_proved"] and r["table"][0]["op"] == "relu"'
check "prove --json" 0 $?
"$vt" prove --kind bogus 2>/dev/null; check "prove bad kind" 2 $?
err=$("$vt" prove --op no_such_op 2>&1); check "prove unknown op" 2 $?
echo "$err" | grep -q "'no_such_op' is neither an op of the table nor an index map" || { echo "FAIL prove message: $err"; fail=1; }
"$vt" prove --quick --full 2>/dev/null; check "prove --quick --full" 2 $?
exit $fail
