#!/usr/bin/env bash
# The PyTorch bridge end to end: examples/torch's MLP, CNN and transformer
# export and audit clean (torch's own values and gradients, node by node);
# a planted wrong backward in a custom autograd.Function is caught and named
# with its fx node and source line; unsupported calls are all listed and
# nothing is written; partial values audit what is there; a broken export
# folder, a crashed or hung exporter are clear errors; --html writes the page.
set -u
vt="$1" python="$2" root="$3"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
models="$root/cli/tests/torch_models"
export VERITAPE_PYTHON="$python"
export_model() {  # export_model MODEL.py DIR
  PYTHONPATH="$root/bridges/torch" "$python" -m veritape_torch export "$1" --out "$2"
}

for m in mlp cnn transformer; do
  "$vt" audit --torch "$root/examples/torch/$m.py" >"$tmp/$m.txt" 2>&1
  check "audit --torch examples/torch/$m.py: clean" 0 $?
  grep -q "(backward)" "$tmp/$m.txt" && ! grep -q "VIOLATED\|inconclusive" "$tmp/$m.txt" \
    || { echo "FAIL $m: no backward rows, or a failing row:"; cat "$tmp/$m.txt"; fail=1; }
done

export_model "$root/examples/torch/mlp.py" "$tmp/mlp" >/dev/null
check "export mlp" 0 $?
"$vt" audit "$tmp/mlp" --json >"$tmp/mlp.json"
check "audit of an export folder" 0 $?
"$python" - "$tmp/mlp.json" <<'PY' || { echo "FAIL audit json: origins or rows missing"; fail=1; }
import json, sys
r = json.load(open(sys.argv[1]))
rows = {n["node"]: n for n in r["nodes"]}
assert rows["%tanh"]["origin"].startswith("fx node tanh (tanh) at ") and "mlp.py:" in rows["%tanh"]["origin"], rows["%tanh"]
assert rows["%tanh (backward)"]["verdict"] == "met" and rows["%linear (backward)"]["verdict"] == "met"
assert 0 < rows["%tanh"]["bound_use"] <= 1
assert r["producer"].startswith("PyTorch ") and r["all_met"]
PY

# The planted bug: tanh's backward with its sign flipped.
"$vt" audit --torch "$models/planted_tanh.py" --html "$tmp/planted.html" >"$tmp/planted.txt" 2>&1
check "planted wrong gradient is a violation" 1 $?
grep -q "^%planted_tanh (backward) .*VIOLATED" "$tmp/planted.txt" && grep -q "from fx node planted_tanh (planted_tanh) at .*planted_tanh.py:" "$tmp/planted.txt" \
  && grep -q "first contract violation: %planted_tanh (backward)" "$tmp/planted.txt" \
  && echo "ok   planted bug named: node, fx node, source line" || { echo "FAIL planted bug not named:"; cat "$tmp/planted.txt"; fail=1; }
grep -c "VIOLATED" "$tmp/planted.txt" | grep -q "^4$" || { echo "FAIL planted: expected 4 VIOLATED lines (the node, 3 gradients)"; fail=1; }
grep -q '<mark class="bad">  %planted_tanh = tanh' "$tmp/planted.html" && grep -q "<svg" "$tmp/planted.html" \
  && echo "ok   html marks the failing node" || { echo "FAIL html"; fail=1; }

# Unsupported calls: every one listed with its line, nothing written.
export_model "$models/unsupported_ops.py" "$tmp/unsupported" 2>"$tmp/unsupported.err"
check "export of unsupported calls fails" 1 $?
grep -q "unsupported_ops.py:13: cumsum" "$tmp/unsupported.err" && grep -q "unsupported_ops.py:14: sort" "$tmp/unsupported.err" \
  && [ ! -e "$tmp/unsupported" ] && echo "ok   unsupported calls listed, nothing written" \
  || { echo "FAIL unsupported:"; cat "$tmp/unsupported.err"; ls "$tmp"; fail=1; }
"$vt" audit --torch "$models/unsupported_ops.py" >/dev/null 2>"$tmp/unsupported2.err"
check "audit --torch of unsupported calls" 2 $?
grep -q "cumsum" "$tmp/unsupported2.err" || { echo "FAIL exporter message not passed on"; fail=1; }

# Model files that break the convention or fail: a clear error naming the file, nothing written.
printf 'import torch\ndef model():\n    return torch.nn.Linear(2, 2)\n' >"$tmp/noinputs.py"
printf 'def model(:\n' >"$tmp/syntax.py"
printf 'import torch\ndef model():\n    return torch.nn.Linear(3, 2)\ndef inputs():\n    return {"input": torch.ones(3, 2)}\ndef loss(o, i):\n    return o.sum()\n' >"$tmp/badshape.py"
for case in "noinputs:defines no function 'inputs'" "syntax:importing the model file failed: SyntaxError" \
            "badshape:running linear (fx node linear) failed: RuntimeError: mat1 and mat2 shapes"; do
  name=${case%%:*} want=${case#*:}
  export_model "$tmp/$name.py" "$tmp/out_$name" 2>"$tmp/err"
  check "export of a broken model file ($name)" 1 $?
  grep -qF "$want" "$tmp/err" && [ ! -e "$tmp/out_$name" ] || { echo "FAIL $name: expected '$want':"; cat "$tmp/err"; fail=1; }
done

# Partial values: drop tanh's value and gradient; what needs them is skipped.
cp -r "$tmp/mlp" "$tmp/partial"
"$python" - "$tmp/partial/values.npz" <<'PY'
import numpy as np, sys
z = dict(np.load(sys.argv[1]))
del z["value.tanh"], z["grad.tanh"]
np.savez(sys.argv[1], **z)
PY
"$vt" audit "$tmp/partial" >"$tmp/partial.txt" 2>&1
check "partial values: audits what is there" 0 $?
grep -q "^%tanh .*not audited" "$tmp/partial.txt" && grep -q "^%linear_1 .*not audited" "$tmp/partial.txt" \
  && grep -q "^%linear .* met" "$tmp/partial.txt" && grep -q "skipped (no float value" "$tmp/partial.txt" \
  && echo "ok   partial values: skipped nodes listed" || { echo "FAIL partial:"; cat "$tmp/partial.txt"; fail=1; }

# Broken export folders and exporters.
cp -r "$tmp/mlp" "$tmp/nometa" && rm "$tmp/nometa/meta.json"
"$vt" audit "$tmp/nometa" 2>"$tmp/err"; check "export folder without meta.json" 2 $?
grep -q "no meta.json" "$tmp/err" || { echo "FAIL nometa message"; fail=1; }
cp -r "$tmp/mlp" "$tmp/badnpz" && head -c 100 "$tmp/mlp/values.npz" >"$tmp/badnpz/values.npz"
"$vt" audit "$tmp/badnpz" 2>"$tmp/err"; check "truncated values.npz" 2 $?
printf '#!/bin/sh\nkill -KILL $$\n' >"$tmp/crash.sh" && chmod +x "$tmp/crash.sh"
VERITAPE_PYTHON="$tmp/crash.sh" "$vt" audit --torch "$root/examples/torch/mlp.py" 2>"$tmp/err"; check "crashed exporter" 2 $?
grep -q "killed by signal 9" "$tmp/err" || { echo "FAIL crash message:"; cat "$tmp/err"; fail=1; }
printf '#!/bin/sh\nexec sleep 30\n' >"$tmp/hang.sh" && chmod +x "$tmp/hang.sh"
VERITAPE_TORCH_TIMEOUT=1 VERITAPE_PYTHON="$tmp/hang.sh" "$vt" audit --torch "$root/examples/torch/mlp.py" 2>"$tmp/err"; check "hung exporter" 2 $?
grep -q "timed out after 1" "$tmp/err" || { echo "FAIL hang message:"; cat "$tmp/err"; fail=1; }
"$vt" audit --torch "$root/examples/torch/mlp.py" "$tmp/mlp" 2>/dev/null; check "graph and --torch together" 2 $?
"$vt" audit "$tmp/mlp" --inputs "$tmp/mlp/values.npz" 2>/dev/null; check "export folder with --inputs" 2 $?
# The differential audit of torch's own ops (check --backend torch), and its
# mutation check: a tanh with a wrong backward planted in the worker.
"$vt" check --backend torch --cases 2 --ops tanh,matmul,softmax,cross_entropy >"$tmp/diff.txt" 2>&1
check "check --backend torch on four ops" 0 $?
grep -q "^tanh .* 0  *$" "$tmp/diff.txt" && grep -q "^cross_entropy " "$tmp/diff.txt" || { echo "FAIL diff table:"; cat "$tmp/diff.txt"; fail=1; }
VERITAPE_WORKER_PLANT=tanh "$vt" check --backend torch --cases 2 --ops tanh --reproducers "$tmp/repro" >"$tmp/plant.txt" 2>&1
check "check --backend torch catches a planted tanh backward" 1 $?
grep -q "^tanh: [0-9]* violation(s); the worst: %v[0-9]* (backward)" "$tmp/plant.txt" || { echo "FAIL planted diff:"; cat "$tmp/plant.txt"; fail=1; }
"$vt" audit "$tmp/repro/tanh.vtg" --inputs "$tmp/repro/tanh.json" >/dev/null 2>&1
check "the reproducer shows the violation again" 1 $?
"$vt" check --backend torch --ops nosuchop 2>/dev/null; check "check --backend torch --ops unknown" 2 $?
"$vt" check --ops tanh 2>/dev/null; check "--ops without --backend torch" 2 $?
exit $fail
