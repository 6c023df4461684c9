#!/usr/bin/env bash
# `veritape run` end to end: values and gradients (inputs included) of a
# micrograd-style scalar expression against closed forms, exact rationals on
# the rational fragment, JSON and NPZ output, and bad invocations.
set -u
vt="$1"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# micrograd's README expression, in part: f = (a + b) + tanh(a b).
cat > "$tmp/micro.vtg" <<'VTG'
graph micro {
  input %a : f64[]
  param %b : f64[]
  %c = add(%a, %b) : f64[]
  %d = mul(%a, %b) : f64[]
  %e = tanh(%d) : f64[]
  %f = add(%c, %e) : f64[]
  output %f
}
VTG
echo '{"inputs": {"a": -4.0, "b": 2.0}}' > "$tmp/micro.json"
for backend in fast generic exact; do
  "$vt" run "$tmp/micro.vtg" --inputs "$tmp/micro.json" --backend $backend --out "$tmp/micro.$backend.json" > /dev/null
  check "run --backend $backend" 0 $?
  python3 - "$tmp/micro.$backend.json" "$backend" <<'PY'
import json, math, sys
r, backend = json.load(open(sys.argv[1])), sys.argv[2]
a, b = -4.0, 2.0
sech2 = 1 / math.cosh(a * b) ** 2  # 1 - tanh^2, without its cancellation
want = {"f": a + b + math.tanh(a * b), "a": 1 + b * sech2, "b": 1 + a * sech2}
def num(v):  # floats as numbers; enclosures "[lo, hi] (width w)": their low end
    return v if isinstance(v, float) else float(v.split(",")[0].strip("["))
got = {"f": r["outputs"]["f"]["values"][0], "a": r["grads"]["a"]["values"][0], "b": r["grads"]["b"]["values"][0]}
# exact: only the closed form's own double rounding; float runtimes: also
# tanh's VJP 1 - y*y, which near |y| = 1 loses u absolute (times |b| = 2).
tol = 4e-16 if backend == "exact" else 2e-15
for k, w in want.items():
    assert abs(num(got[k]) - w) <= tol * abs(w), (backend, k, got[k], w)
if backend == "exact":
    assert all("width" in v for v in got.values()), got  # tanh: certified enclosures
PY
  check "micro values and gradients ($backend)" 0 $?
done
out=$("$vt" run "$tmp/micro.vtg" --inputs "$tmp/micro.json" --grad a --dtype f32); check "--grad a --dtype f32" 0 $?
echo "$out" | grep -q "^d%f/d%a f32\[\] = \[1.000001\]$" || { echo "FAIL --grad a output: $out"; fail=1; }
echo "$out" | grep -q "d%f/d%b" && { echo "FAIL --grad a also printed b: $out"; fail=1; }
# The rational fragment, exactly: f = a*b + a at a = 1/2, b = 3 -> 2; df/da = b + 1 = 4, df/db = a = 1/2.
cat > "$tmp/rat.vtg" <<'VTG'
graph rat {
  input %a : f64[]
  input %b : f64[]
  %ab = mul(%a, %b) : f64[]
  %f = add(%ab, %a) : f64[]
  output %f
}
VTG
echo '{"inputs": {"a": 0.5, "b": 3}}' > "$tmp/rat.json"
out=$("$vt" run "$tmp/rat.vtg" --inputs "$tmp/rat.json" --backend exact); check "exact rationals" 0 $?
echo "$out" | grep -q "^%f f64\[\] = 2$" && echo "$out" | grep -q "^d%f/d%a f64\[\] = 4$" && echo "$out" | grep -q "^d%f/d%b f64\[\] = 1/2 (~ 0.5)$" \
  || { echo "FAIL exact output: $out"; fail=1; }
"$vt" run "$tmp/micro.vtg" --inputs "$tmp/micro.json" --out "$tmp/micro.npz" > /dev/null; check "--out npz" 0 $?
python3 -c 'import sys, zipfile; n = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
assert n == ["grad.a.npy", "grad.b.npy", "output.f.npy"], n' "$tmp/micro.npz"; check "npz members" 0 $?
# A vector output: its values, and no gradients (they are of a scalar output 0).
sed 's/f64\[\]/f64[2]/g' "$tmp/rat.vtg" > "$tmp/vec.vtg"
echo '{"inputs": {"a": [1, 2], "b": [3, 4]}}' > "$tmp/vec.json"
out=$("$vt" run "$tmp/vec.vtg" --inputs "$tmp/vec.json"); check "vector output" 0 $?
echo "$out" | grep -q "^%f f64\[2\] = \[4, 10\]$" && echo "$out" | grep -q "no gradients: output 0 (%f) is f64\[2\]" || { echo "FAIL vector output: $out"; fail=1; }
bad() {  # bad NAME TEXT ARGS...: exit 2 with TEXT in the message
  local name="$1" text="$2"; shift 2
  err=$("$vt" run "$@" 2>&1 >/dev/null); check "$name" 2 $?
  case "$err" in *"$text"*) ;; *) echo "FAIL $name message: $err"; fail=1 ;; esac
}
bad "--grad of a vector output" "gradients are of output 0, and output 0 (%f) is f64[2]" "$tmp/vec.vtg" --grad a
bad "--grad of an unknown argument" "no argument %q (its arguments: %a, %b)" "$tmp/micro.vtg" --grad q
bad "--out .txt" "must end in .npz or .json" "$tmp/micro.vtg" --out "$tmp/o.txt"
bad "exact to npz" "exact values have no float array form" "$tmp/micro.vtg" --backend exact --out "$tmp/o.npz"
bad "--dtype with exact" "--dtype does not apply" "$tmp/micro.vtg" --backend exact --dtype f32
bad "unknown backend" "--backend" "$tmp/micro.vtg" --backend quick
bad "missing graph" "does-not-exist.vtg" "$tmp/does-not-exist.vtg"
echo '{"inputs": {"a": -4.0}}' > "$tmp/partial.json"
bad "an argument without a value" "no values for argument 'b'" "$tmp/micro.vtg" --inputs "$tmp/partial.json"
echo '{"inputs": {"a": 1, "b": 2}, "values": {"f": 3}}' > "$tmp/values.json"
bad "node values in --inputs" "reads only the arguments" "$tmp/micro.vtg" --inputs "$tmp/values.json"
# Inputs are checked as audit checks them: count, finite, a value of the dtype.
echo '{"inputs": {"a": [1, 2, 3], "b": 2.0}}' > "$tmp/many.json"
bad "too many values" "argument %a : f64[] needs 1 values, got 3" "$tmp/micro.vtg" --inputs "$tmp/many.json"
echo '{"inputs": {"a": [], "b": 2.0}}' > "$tmp/none.json"
bad "no values" "needs 1 values, got 0" "$tmp/micro.vtg" --inputs "$tmp/none.json"
sed 's/f64/f32/g' "$tmp/micro.vtg" > "$tmp/micro32.vtg"
echo '{"inputs": {"a": 0.1, "b": 2.0}}' > "$tmp/point1.json"
bad "a value f32 cannot hold" "argument %a[0] = 0.1 is not a float32 value" "$tmp/micro32.vtg" --inputs "$tmp/point1.json"
# Each --grad once; an output that is an argument.
out=$("$vt" run "$tmp/micro.vtg" --inputs "$tmp/micro.json" --grad b,b,%b); check "--grad b,b,%b" 0 $?
[ "$(echo "$out" | grep -c '^d%f/d%b')" = 1 ] || { echo "FAIL repeated --grad: $out"; fail=1; }
printf 'graph idx {
  input %%t : i64[2]
  output %%t
}
' > "$tmp/idx.vtg"
echo '{"inputs": {"t": [0, 2]}}' > "$tmp/idx.json"
out=$("$vt" run "$tmp/idx.vtg" --inputs "$tmp/idx.json"); check "an i64 output" 0 $?
echo "$out" | grep -q "^%t i64\[2\] = \[0, 2\]$" && echo "$out" | grep -q "no gradients: output 0 (%t) is i64\[2\]" || { echo "FAIL i64 output: $out"; fail=1; }
"$vt" run "$tmp/idx.vtg" --inputs "$tmp/idx.json" --out "$tmp/idx.json.out.json" > /dev/null && \
  python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["outputs"]["t"]["values"] == [0, 2]' "$tmp/idx.json.out.json"
check "an i64 output as JSON integers" 0 $?
"$vt" run "$tmp/idx.vtg" --inputs "$tmp/idx.json" --out "$tmp/idx.npz" > /dev/null; check "an i64 output to NPZ" 0 $?
# JSON arrays may be flat or nested; nested ones must nest as the declared
# shape (a 3x2 nesting for f64[2, 3] is refused, as NPZ refuses it), and
# never raggedly.
printf 'graph m {\n  input %%x : f64[2, 3]\n  %%s = sum(%%x) : f64[]\n  output %%s\n}\n' > "$tmp/m.vtg"
echo '{"inputs": {"x": [[1, 2, 3], [4, 5, 6]]}}' > "$tmp/nest_ok.json"
"$vt" run "$tmp/m.vtg" --inputs "$tmp/nest_ok.json" > /dev/null; check "nested as declared" 0 $?
echo '{"inputs": {"x": [1, 2, 3, 4, 5, 6]}}' > "$tmp/flat.json"
"$vt" run "$tmp/m.vtg" --inputs "$tmp/flat.json" > /dev/null; check "flat" 0 $?
echo '{"inputs": {"x": [[1, 2], [3, 4], [5, 6]]}}' > "$tmp/nest_bad.json"
err=$("$vt" run "$tmp/m.vtg" --inputs "$tmp/nest_bad.json" 2>&1 >/dev/null); check "nested 3x2 for f64[2, 3]" 2 $?
case "$err" in *"nest_bad.json: inputs.x: nested as [3, 2], but %x is [2, 3]"*) ;; *) echo "FAIL nesting message: $err"; fail=1 ;; esac
echo '{"inputs": {"x": [[1, 2, 3], [4, 5], [6]]}}' > "$tmp/ragged.json"
err=$("$vt" run "$tmp/m.vtg" --inputs "$tmp/ragged.json" 2>&1 >/dev/null); check "ragged nesting" 2 $?
case "$err" in *"ragged.json: inputs.x[1]: ragged nesting: [2] after [3]"*) ;; *) echo "FAIL ragged message: $err"; fail=1 ;; esac
# JSON syntax errors name FILE:LINE:COL (inputs and graphs alike).
printf '{"inputs": {\n  "x": [1, 2,]}}\n' > "$tmp/syntax.json"
err=$("$vt" run "$tmp/m.vtg" --inputs "$tmp/syntax.json" 2>&1 >/dev/null); check "inputs JSON syntax error" 2 $?
case "$err" in *"syntax.json:2:14: invalid JSON: syntax error while parsing value"*) ;; *) echo "FAIL JSON syntax message: $err"; fail=1 ;; esac
printf '{"graph": "g",\n "args": [}' > "$tmp/g.json"
err=$("$vt" verify "$tmp/g.json" 2>&1); check "graph JSON syntax error" 1 $?
case "$err" in *"g.json:2:11: invalid JSON: syntax error while parsing value"*) ;; *) echo "FAIL graph JSON message: $err"; fail=1 ;; esac
exit $fail
