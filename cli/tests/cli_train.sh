#!/usr/bin/env bash
# `veritape train` end to end: a short run writes a complete run folder; the
# same command gives the same bytes; a stopped run resumed ends bitwise where
# the uninterrupted one does; the three backends agree bitwise; the audit
# runs; every kind of bad input exits 2 with a message and writes nothing.
set -u
vt="$1"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
expect_error() {  # expect_error NAME EXPECTED_TEXT ARGS... : exit 2, message, no run folder
  local name="$1" text="$2"; shift 2
  rm -rf "$tmp/bad"
  err=$("$vt" train --quiet --epochs 1 --out "$tmp/bad" "$@" 2>&1 >/dev/null); check "$name" 2 $?
  case "$err" in *"$text"*) ;; *) echo "FAIL $name message: $err"; fail=1 ;; esac
  [ ! -e "$tmp/bad" ] || { echo "FAIL $name left $tmp/bad behind"; fail=1; }
}

"$vt" train --quiet --epochs 3 --out "$tmp/r1" > "$tmp/r1.txt"; check "short digits run" 0 $?
for f in config.json model.vtg log.csv log.jsonl curve.svg checkpoints/last.vtck checkpoints/best.vtck weights.npz summary.json; do
  [ -s "$tmp/r1/$f" ] || { echo "FAIL run folder lacks $f"; fail=1; }
done
[ "$(wc -l < "$tmp/r1/log.csv")" = 4 ] || { echo "FAIL log.csv should have a header and 3 rows"; fail=1; }
grep -q "held-out accuracy" "$tmp/r1.txt" || { echo "FAIL no accuracy line: $(cat "$tmp/r1.txt")"; fail=1; }
"$vt" verify "$tmp/r1/model.vtg" > /dev/null; check "the run's model.vtg verifies" 0 $?

"$vt" train --quiet --epochs 3 --out "$tmp/r2" > /dev/null; check "same command again" 0 $?
for f in log.csv log.jsonl weights.npz checkpoints/last.vtck curve.svg; do same "deterministic $f" "$tmp/r1/$f" "$tmp/r2/$f"; done

"$vt" train --quiet --epochs 3 --stop-after 1 --out "$tmp/r3" > /dev/null; check "stopped after 1 epoch" 0 $?
[ "$(wc -l < "$tmp/r3/log.csv")" = 2 ] || { echo "FAIL the stopped run should have logged 1 epoch"; fail=1; }
"$vt" train --quiet --resume "$tmp/r3" > /dev/null; check "resume" 0 $?
for f in log.csv log.jsonl weights.npz checkpoints/last.vtck; do same "resumed $f" "$tmp/r1/$f" "$tmp/r3/$f"; done

for b in eager linked; do
  "$vt" train --quiet --epochs 3 --backend $b --out "$tmp/$b" > /dev/null; check "backend $b" 0 $?
  same "backend $b weights" "$tmp/r1/weights.npz" "$tmp/$b/weights.npz"
done

out=$("$vt" train --quiet --data iris --epochs 5 --audit --out "$tmp/audit"); check "iris with --audit" 0 $?
echo "$out" | grep -q "contracts met" || { echo "FAIL audit summary: $out"; fail=1; }
[ -s "$tmp/audit/audit.txt" ] || { echo "FAIL no audit.txt"; fail=1; }

"$vt" train --quiet --epochs 1 --out "$tmp/r1" > /dev/null 2>&1; check "refuses to overwrite a run" 2 $?
same "the refused run is untouched" "$tmp/r1/weights.npz" "$tmp/r2/weights.npz"

printf 'a,b,label\n1,2,0\n3,x,1\n' > "$tmp/cell.csv"
expect_error "non-numeric CSV cell" "cell.csv:3:2" --data "$tmp/cell.csv"
printf '1,2,0\n3,4\n' > "$tmp/ragged.csv"
expect_error "ragged CSV" "ragged.csv:2" --data "$tmp/ragged.csv"
printf '1,2,0\n3,nan,1\n' > "$tmp/nan.csv"
expect_error "NaN in data" "nan.csv:2:2" --data "$tmp/nan.csv"
expect_error "missing data file" "no-such.csv" --data "$tmp/no-such.csv"
expect_error "label out of range" "out of range for --model mlp:8-2" --data iris --model mlp:8-2
expect_error "bad model" "mlp:8-x" --model mlp:8-x
expect_error "bad backend" "--backend 'gpu'" --backend gpu
expect_error "bad optimizer" "--optimizer 'adamx'" --optimizer adamx
expect_error "bad schedule" "step_size" --schedule "step:x"
expect_error "bad dtype" "--dtype" --dtype f16
expect_error "negative lr" "lr" --lr -1
expect_error "unknown data" "--data 'mnist'" --data mnist
printf 'x' > "$tmp/afile"
rm -rf "$tmp/bad"
err=$("$vt" train --quiet --epochs 1 --out "$tmp/afile/run" 2>&1 >/dev/null); check "unwritable run folder" 2 $?
case "$err" in *"afile/run"*) ;; *) echo "FAIL unwritable message: $err"; fail=1 ;; esac
# A resumed run whose data file changed shape is refused before anything is written.
printf '1,2,0\n3,4,1\n5,6,0\n7,8,1\n1,1,0\n2,2,1\n' > "$tmp/two.csv"
"$vt" train --quiet --data "$tmp/two.csv" --epochs 2 --stop-after 1 --out "$tmp/csvrun" > /dev/null; check "CSV run" 0 $?
cp "$tmp/csvrun/log.csv" "$tmp/csvrun.log"
printf '1,2,3,0\n3,4,5,1\n5,6,7,0\n7,8,9,1\n' > "$tmp/two.csv"
err=$("$vt" train --quiet --resume "$tmp/csvrun" 2>&1 >/dev/null); check "resume with other features" 2 $?
case "$err" in *"3 features, the model of the resumed run takes 2"*) ;; *) echo "FAIL features message: $err"; fail=1 ;; esac
same "the refused resume left the run alone" "$tmp/csvrun/log.csv" "$tmp/csvrun.log"
"$vt" train --quiet --steps 50 --out "$tmp/steps" > /dev/null; check "--steps" 0 $?
[ "$(tail -1 "$tmp/steps/log.csv" | cut -d, -f1-2)" = "2,50" ] || { echo "FAIL --steps 50 should end in epoch 2 at step 50"; fail=1; }
"$vt" train --epochs 0 > /dev/null 2>&1; check "--epochs 0" 2 $?
"$vt" train --bogus > /dev/null 2>&1; check "unknown flag" 2 $?
"$vt" train --seed -1 > /dev/null 2>&1; check "--seed -1" 2 $?

expect_error "a schedule that would reach a negative rate" "would set the learning rate" --schedule cosine:10:-0.0001
# Run-defining flags cannot change on --resume; a config.json edited behind
# the checkpoint's back is refused.
err=$("$vt" train --quiet --resume "$tmp/r3" --lr 0.5 2>&1 >/dev/null); check "--resume with --lr" 2 $?
case "$err" in *"--lr cannot be changed"*) ;; *) echo "FAIL resume flag message: $err"; fail=1 ;; esac
cp -r "$tmp/r1" "$tmp/edited"
sed -i 's/"seed": 0/"seed": 5/' "$tmp/edited/config.json"
err=$("$vt" train --quiet --resume "$tmp/edited" --epochs 4 2>&1 >/dev/null); check "--resume of an edited config" 2 $?
case "$err" in *"not the same run"*) ;; *) echo "FAIL edited config message: $err"; fail=1 ;; esac
# Every optimizer setting is a flag named as in torch.optim, checked as torch
# checks it; one the optimizer does not take is an error, not ignored.
"$vt" train --quiet --data iris --epochs 2 --optimizer adam --betas 0.8,0.99 --eps 1e-6 --amsgrad --out "$tmp/adam" > /dev/null
check "adam with --betas --eps --amsgrad" 0 $?
python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))["optim"]
assert o == {"lr": 0.001, "betas": [0.8, 0.99], "eps": 1e-6, "amsgrad": True, "weight_decay": 0.0}, o' "$tmp/adam/config.json"
check "config.json records every adam setting" 0 $?
"$vt" train --quiet --data iris --epochs 2 --optimizer adam --betas 0.8,0.999 --eps 1e-6 --out "$tmp/adam2" > /dev/null
cmp -s "$tmp/adam/weights.npz" "$tmp/adam2/weights.npz"; check "--amsgrad changes the run" 1 $?
for opt in "rmsprop --alpha 0.9 --centered --momentum 0.5" "adagrad --lr-decay 0.01 --initial-accumulator-value 0.1" \
           "adadelta --rho 0.8" "sgd --momentum 0.9 --dampening 0.1" "adamw --weight-decay 0.1 --betas 0.9,0.95"; do
  # shellcheck disable=SC2086
  "$vt" train --quiet --data iris --epochs 1 --optimizer $opt --out "$tmp/opt" --overwrite > /dev/null; check "--optimizer $opt" 0 $?
done
expect_error "a setting the optimizer does not take" "betas: does not apply to sgd, which takes lr, momentum" --optimizer sgd --betas 0.9,0.99
expect_error "--amsgrad with rmsprop" "amsgrad: does not apply to rmsprop" --optimizer rmsprop --amsgrad
expect_error "--nesterov without momentum" "nesterov needs momentum > 0" --optimizer sgd --nesterov
expect_error "beta1 out of range" "invalid beta1 = 1.5" --betas 1.5,0.99
expect_error "negative rho" "invalid rho = -0.5" --optimizer adadelta --rho -0.5
expect_error "one beta" "--betas" --betas 0.9
"$vt" train --quiet --data iris --epochs 1 --optimizer adam --amsgrad=false --out "$tmp/noams" > /dev/null; check "--amsgrad=false" 0 $?
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["optim"]["amsgrad"] is False' "$tmp/noams/config.json"
check "--amsgrad=false leaves amsgrad off" 0 $?
# --config: the same names in a JSON file; flags win over it.
printf '{"optimizer": "rmsprop", "alpha": 0.9, "centered": true, "lr": 0.5}' > "$tmp/optim.json"
"$vt" train --quiet --data iris --epochs 2 --config "$tmp/optim.json" --lr 0.005 --out "$tmp/cfg" > /dev/null; check "--config" 0 $?
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); o = c["optim"]
assert c["optimizer"] == "rmsprop" and o["alpha"] == 0.9 and o["centered"] is True and o["lr"] == 0.005, c' "$tmp/cfg/config.json"
check "--config settings with a flag over them" 0 $?
"$vt" train --quiet --resume "$tmp/cfg" --epochs 3 > /dev/null; check "resume a run configured by --config" 0 $?
err=$("$vt" train --quiet --resume "$tmp/cfg" --epochs 4 --alpha 0.5 2>&1 >/dev/null); check "--resume with --alpha" 2 $?
printf '{"optimizer": "sgd", "betas": [0.9, 0.9]}' > "$tmp/badcfg.json"
expect_error "--config with a setting sgd does not take" "--config $tmp/badcfg.json (optimizer sgd): betas: does not apply to sgd" --config "$tmp/badcfg.json"
printf '{"lr": "fast"}' > "$tmp/badcfg.json"
expect_error "--config with a string lr" "lr: must be a number" --config "$tmp/badcfg.json"
printf '{"lr": 0.1,' > "$tmp/badcfg.json"
expect_error "--config not JSON" "badcfg.json:1:12: invalid JSON: syntax error while parsing object key" --config "$tmp/badcfg.json"
expect_error "--config missing" "none.json: cannot open: No such file or directory" --config "$tmp/none.json"
printf '{"learning_rate": 0.1}' > "$tmp/badcfg.json"
expect_error "--config with an unknown name" "learning_rate: no such optimizer setting" --config "$tmp/badcfg.json"
# A run folder written before settings had their own object still resumes.
cp -r "$tmp/r3" "$tmp/old"
python3 -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p)); c.pop("optim"); c.update(lr=None, momentum=None, weight_decay=None, nesterov=False)
json.dump(c, open(p, "w"), indent=2)' "$tmp/old/config.json"
"$vt" train --quiet --resume "$tmp/old" --epochs 4 > /dev/null; check "resume of an old-style config.json" 0 $?
# ... also one whose old flags included a setting its optimizer ignored then (--momentum with adam).
cp -r "$tmp/r3" "$tmp/old2"
python3 -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p)); c.pop("optim"); c.update(lr=None, momentum=0.9, weight_decay=None, nesterov=False)
json.dump(c, open(p, "w"), indent=2)' "$tmp/old2/config.json"
"$vt" train --quiet --resume "$tmp/old2" --epochs 4 > /dev/null; check "resume of an old config with an ignored setting" 0 $?
# --overwrite replaces the whole run: nothing of the old one is left.
"$vt" train --quiet --epochs 1 --out "$tmp/ow" > /dev/null && "$vt" train --quiet --data iris --epochs 1 --overwrite --out "$tmp/ow" > /dev/null
check "--overwrite" 0 $?
grep -q '"data": "iris"' "$tmp/ow/config.json" && [ "$(wc -l < "$tmp/ow/log.csv")" = 2 ] || { echo "FAIL --overwrite kept the old run"; fail=1; }
err=$("$vt" train --quiet --optimizer sgd --lr 1e38 --steps 1 --out "$tmp/inf" 2>&1 >/dev/null); check "non-finite weights stop the run" 1 $?
case "$err" in *"after step 1 (epoch 1): "*) ;; *) echo "FAIL non-finite weights message: $err"; fail=1 ;; esac
err=$("$vt" train --quiet --epochs 2 --optimizer sgd --lr 1e30 --out "$tmp/nan" 2>&1 >/dev/null); check "NaN loss stops the run" 1 $?
case "$err" in *"step "*"first non-finite value: %"*) ;; *) echo "FAIL NaN message: $err"; fail=1 ;; esac

# A run whose last.vtck is gone (deleted, or a link to nothing) but whose
# logs, weights and best.vtck remain is not restarted over them: --resume is
# refused (exit 2) and the folder is left byte for byte as it was.
"$vt" train --quiet --epochs 2 --out "$tmp/lost" > /dev/null; check "a run to lose" 0 $?
rm "$tmp/lost/checkpoints/last.vtck"
before=$(cd "$tmp/lost" && find . -type f | sort | xargs sha256sum)
err=$("$vt" train --quiet --resume "$tmp/lost" 2>&1 >/dev/null); check "--resume without last.vtck beside a run's files" 2 $?
case "$err" in *"last.vtck is missing, but the run has log.csv, log.jsonl, curve.svg, weights.npz"*"checkpoints/best.vtck"*) ;; *) echo "FAIL lost-checkpoint message: $err"; fail=1 ;; esac
after=$(cd "$tmp/lost" && find . -type f | sort | xargs sha256sum)
[ "$before" = "$after" ] && echo "ok   the refused resume left every file as it was" || { echo "FAIL the refused resume changed the folder"; fail=1; }
ln -s "$tmp/nowhere.vtck" "$tmp/lost/checkpoints/last.vtck"
err=$("$vt" train --quiet --resume "$tmp/lost" 2>&1 >/dev/null); check "--resume with a dangling last.vtck" 2 $?
case "$err" in *"last.vtck is a link to a missing file"*) ;; *) echo "FAIL dangling-link message: $err"; fail=1 ;; esac
# A run stopped before its first checkpoint, with nothing else written, still starts over.
mkdir -p "$tmp/early" && cp "$tmp/lost/config.json" "$tmp/early/"
"$vt" train --quiet --resume "$tmp/early" > "$tmp/early.txt"; check "--resume of a run with only its config" 0 $?
grep -q "starting the run from the beginning" "$tmp/early.txt" || { echo "FAIL early resume message"; fail=1; }
# A config.json edited by hand gets the flags' ranges on --resume (batch
# 1e12 used to run zero epochs and exit 0; patience -1 was accepted), and the
# refusal leaves the folder as it was.
for edit in 's/"batch": [0-9]*/"batch": 1000000000000/' 's/"patience": [0-9]*/"patience": -1/' 's/"val_fraction": [0-9.e-]*/"val_fraction": 1.5/'; do
  rm -rf "$tmp/edit" && cp -r "$tmp/lost" "$tmp/edit" && rm -f "$tmp/edit/checkpoints/last.vtck"
  sed -i "$edit" "$tmp/edit/config.json"
  before=$(cd "$tmp/edit" && find . -type f | sort | xargs sha256sum)
  err=$("$vt" train --quiet --resume "$tmp/edit" 2>&1 >/dev/null); check "--resume of config.json with $edit" 2 $?
  case "$err" in *"config.json: "*"is outside"*"the range of --"*) ;; *) echo "FAIL edited config message: $err"; fail=1 ;; esac
  after=$(cd "$tmp/edit" && find . -type f | sort | xargs sha256sum)
  [ "$before" = "$after" ] && echo "ok     ... folder unchanged" || { echo "FAIL the refused resume changed the folder"; fail=1; }
done
# A config.json that is not JSON any more names its place.
rm -rf "$tmp/edit" && cp -r "$tmp/lost" "$tmp/edit" && printf '{"batch": 4,\n oops}' > "$tmp/edit/config.json"
err=$("$vt" train --quiet --resume "$tmp/edit" 2>&1 >/dev/null); check "--resume of a config.json that is not JSON" 2 $?
case "$err" in *"edit/config.json:2:2: invalid JSON"*) ;; *) echo "FAIL broken config message: $err"; fail=1 ;; esac
exit $fail
