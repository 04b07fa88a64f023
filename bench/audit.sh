#!/usr/bin/env bash
# The audit gate against bare pip-audit, side by side in one hyperfine run, offline: both
# query the loopback OSV server of the tests (tests/support/osv_server.py) for a generated
# requirements.txt of PACKAGES pinned packages (default 40, four of them vulnerable).
#   - pip-audit -r requirements.txt -s osv --no-deps --disable-pip, JSON to a file (what a
#     team would otherwise put in its hooks or CI);
#   - trunkgate audit (pip-audit's own OSV service and auditor, in-process, several queries at
#     once; plus the ignores, the severity of what it finds and the report);
#   - trunkgate audit app.py: a commit that touches no dependency file (no pip-audit run),
#     next to `python -c pass`, the floor of any Python hook.
# Every run has HTTP(S)_PROXY pointing at a closed port, so nothing else can be reached.
# The engine is byte-compiled first, as an installed one is (PYTHONDONTWRITEBYTECODE would
# otherwise make every run compile the modules again).
# RUNS and WARMUP set hyperfine's -r and -w (default 10 and 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
packages=${PACKAGES:-40}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
proj="$work/proj"
mkdir -p "$proj"
"$bin/python" -m compileall -q "$root/hooks/trunkgate"

# The server prints its query URL first, then serves until killed.
"$bin/python" "$root/tests/support/osv_server.py" "$root/tests/data/osv" >"$work/url" &
server_pid=$!
for _ in $(seq 50); do
  [ -s "$work/url" ] && break
  sleep 0.1
done
url=$(head -n 1 "$work/url")
[ -n "$url" ] || { echo "the OSV server did not start" >&2; exit 1; }

{
  printf 'requests==2.25.0\nurllib3==1.26.4\nJinja2==2.11.2\nPyYAML==5.3\n'
  for i in $(seq 5 "$packages"); do printf 'bench-pkg-%03d==1.%d.0\n' "$i" "$i"; done
} >"$proj/requirements.txt"
printf 'x = 1\n' >"$proj/app.py"
cd "$proj"
git init -q -b main .
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export TRUNKGATE_CACHE_DIR="$work/cache"
echo "requirements.txt: $packages pinned packages; OSV at $url; cores: $(nproc)"

hyperfine -N -i -w "$warmup" -r "$runs" --export-json "$work/audit.json" \
  -n "pip-audit -r requirements.txt" \
  "$bin/pip-audit -r requirements.txt -s osv --osv-url $url --no-deps --disable-pip \
--progress-spinner off --format json --output $work/bare.json --cache-dir $work/cache/bare" \
  -n "trunkgate audit" "$bin/trunkgate audit --osv-url $url" \
  -n "trunkgate audit app.py (no dependency file)" "$bin/trunkgate audit --osv-url $url app.py" \
  -n "python -c pass" "$bin/python -c pass"
echo
"$bin/python" "$root/bench/summary.py" "$work/audit.json" "pip-audit -r requirements.txt"
