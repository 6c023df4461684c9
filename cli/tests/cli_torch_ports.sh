#!/usr/bin/env bash
# Three small PyTorch programs ported to .vtg (cli/tests/torch_ports/): a
# micrograd-style scalar expression, a softplus/pow/log1p/expm1 model and a
# max(dim)/argmax model. `veritape run` on each backend must reproduce the
# values and gradients torch computed (NAME.torch.json, written by
# make_fixtures.py from the same inputs), and argmax's indices exactly.
# A planted port error (amax where torch.max(dim) was meant: ties split
# instead of going to the first) must be caught.
set -u
vt="$1"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ports="$(dirname "${BASH_SOURCE[0]}")/torch_ports"
compare() {  # compare RUN_JSON TORCH_JSON LABEL: 0 when they agree
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
got, want, label = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def num(v):  # floats; exact rationals "p/q (~d)" and enclosures "[lo, hi] (width w)" by their decimal
    if isinstance(v, (int, float)):
        return v
    v = v.strip()
    if v.startswith("["):
        return float(v[1:].split(",")[0])
    return float(v.split("~")[1].rstrip(")")) if "~" in v else float(v)
bad = []
for kind in ("outputs", "grads"):
    for name, w in want[kind].items():
        g = got[kind].get(name)
        if g is None:
            bad.append(f"{kind} {name}: missing")
            continue
        if g["shape"] != w["shape"]:
            bad.append(f"{kind} {name}: shape {g['shape']} vs torch {w['shape']}")
            continue
        gv = [num(v) for v in g["values"]]
        if w["dtype"] == "i64":  # indices: exactly torch's
            if gv != w["values"]:
                bad.append(f"{kind} {name}: {gv} vs torch {w['values']}")
            continue
        # f64 on both sides: a few units of 2^-53 per op along the longest
        # path, relative to the tensor's largest entry (sums cancel).
        scale = max(abs(v) for v in w["values"]) or 1.0
        for k, (a, b) in enumerate(zip(gv, w["values"])):
            if abs(a - b) > 1e-13 * scale:
                bad.append(f"{kind} {name}[{k}]: {a!r} vs torch {b!r}")
if bad:
    print(f"FAIL {label}:", *bad[:8], sep="\n  ")
    sys.exit(1)
print(f"ok   {label}: matches torch {want['torch']}")
PY
}
for name in micrograd softplus_pow_log1p max_argmax; do
  for backend in fast generic exact; do
    "$vt" run "$ports/$name.vtg" --inputs "$ports/$name.inputs.json" --backend $backend --out "$tmp/$name.$backend.json" > /dev/null
    check "$name: run --backend $backend" 0 $?
    compare "$tmp/$name.$backend.json" "$ports/$name.torch.json" "$name/$backend" || fail=1
  done
done
sed 's/%v = max(%s) {axis = 1}/%v = amax(%s) {axis = 1}/' "$ports/max_argmax.vtg" > "$tmp/planted.vtg"
"$vt" run "$tmp/planted.vtg" --inputs "$ports/max_argmax.inputs.json" --out "$tmp/planted.json" > /dev/null
compare "$tmp/planted.json" "$ports/max_argmax.torch.json" "planted amax for max(dim)" > "$tmp/planted.log"
check "planted amax for max(dim) is caught" 1 $?
grep -q "grads P\[0\]: 2.25 vs torch 4.5" "$tmp/planted.log"
check "  ... at the tied element" 0 $?
exit $fail
