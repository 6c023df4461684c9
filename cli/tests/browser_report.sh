#!/usr/bin/env bash
# Opt-in (label browser): the --html audit report rendered by a real headless
# browser (Debian's chromium). The page of the planted-bug model must parse
# into the DOM with its table, bars and marked graph line, and render to a
# PNG screenshot (kept as $VT_SCREENSHOT when set, for a look by eye).
set -u
vt="$1" python="$2" root="$3"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "FAIL no chromium: apt-get install chromium (this test is opt-in: ctest -L browser)"; exit 1; }
VERITAPE_PYTHON="$python" "$vt" audit --torch "$root/cli/tests/torch_models/planted_tanh.py" --html "$tmp/report.html" >/dev/null
check "audit --html of the planted bug" 1 $?
run_browser() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" "$@" 2>/dev/null; }
run_browser --dump-dom "file://$tmp/report.html" >"$tmp/dom.html"
check "chromium loads the page" 0 $?
"$python" - "$tmp/dom.html" <<'PY' && echo "ok   DOM: rows, bars, marked node" || { echo "FAIL DOM"; fail=1; }
import sys, re
dom = open(sys.argv[1]).read()
rows = re.findall(r"<tr class=\"(\w+)\">", dom)
assert rows[0] == "bad" and rows.count("bad") >= 1 and "ok" in rows, rows   # worst first
assert dom.count("<svg") >= 8, dom.count("<svg")
assert re.search(r'<mark class="bad">\s*%planted_tanh = tanh', dom)
PY
run_browser --window-size=1500,1300 --screenshot="$tmp/report.png" "file://$tmp/report.html" >/dev/null
size=$(stat -c %s "$tmp/report.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && echo "ok   screenshot ($size bytes)" || { echo "FAIL screenshot: $size bytes"; fail=1; }
[ -n "${VT_SCREENSHOT:-}" ] && cp "$tmp/report.png" "$VT_SCREENSHOT"
exit $fail
