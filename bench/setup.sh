#!/usr/bin/env bash
# The engine's install as the actions do it, cold (an empty runner, wheels from a local
# folder) and warm (a later action of the job), side by side in one hyperfine run:
#   - setup.sh with uv and with pip, both from the hash-pinned locks, for the Gates job's
#     tools (all) and the coverage job's (coverage); "auto", the default, takes uv for the
#     first and pip for the second;
#   - the bare installers on the same lock, for comparison: `pip install --require-hashes`
#     and `uv pip install --require-hashes`;
#   - the install before the locks (`pip install <checkout>[all]`, which builds the engine
#     with build isolation), when BEFORE=<a checkout of that commit> is given.
# The targets: cold at most 3 s, warm at most 1 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python="$("$bin/python" -c 'import os, sys; print(os.path.realpath(sys.base_prefix + "/bin/python3"))')"
wheels="$work/wheels"
"$bin/python" -m pip download --quiet --dest "$wheels" --no-deps --only-binary=:all: \
  --require-hashes -r "$root/actions/setup/requirements.lock" -r "$root/actions/setup/uv.lock.txt"
"$bin/python" -m pip wheel --quiet --wheel-dir "$wheels" hatchling editables >/dev/null
common="env -i PATH=$PATH HOME=$work/home GITHUB_OUTPUT=$work/out RUNNER_TEMP=$work/rt"
common+=" PIP_NO_INDEX=1 PIP_FIND_LINKS=$wheels PIP_CONFIG_FILE=/dev/null"
common+=" TRUNKGATE_PYTHON=$python TRUNKGATE_SOURCE=$root"
setup="bash $root/actions/setup/setup.sh all"
fresh="rm -rf $work/rt $work/home; mkdir -p $work/rt $work/home"
args=(
  -n "setup.sh uv, all, cold" --prepare "$fresh" "$common TRUNKGATE_INPUT_INSTALLER=uv TRUNKGATE_INPUT_EXTRAS=all $setup"
  -n "setup.sh pip, all, cold" --prepare "$fresh" "$common TRUNKGATE_INPUT_INSTALLER=pip TRUNKGATE_INPUT_EXTRAS=all $setup"
  -n "setup.sh uv, coverage, cold" --prepare "$fresh" "$common TRUNKGATE_INPUT_INSTALLER=uv TRUNKGATE_INPUT_EXTRAS=coverage $setup"
  -n "setup.sh pip, coverage, cold" --prepare "$fresh" "$common TRUNKGATE_INPUT_INSTALLER=pip TRUNKGATE_INPUT_EXTRAS=coverage $setup"
  -n "setup.sh, engine only, cold" --prepare "$fresh" "$common TRUNKGATE_INPUT_EXTRAS= $setup"
  -n "setup.sh uv, all, warm" --prepare "$common TRUNKGATE_INPUT_EXTRAS=all $setup" "$common TRUNKGATE_INPUT_EXTRAS=all $setup"
  -n "bare pip --require-hashes, all" --prepare "rm -rf $work/v; $python -m venv --without-pip $work/v"
  "$python -m pip --python $work/v/bin/python install -q --no-compile --no-index --find-links $wheels --require-hashes --no-deps -r $root/actions/setup/requirements.lock"
  -n "bare uv pip --require-hashes, all (uv already there)" --prepare "rm -rf $work/v $work/uvc; $python -m venv --without-pip $work/v"
  "env UV_CACHE_DIR=$work/uvc $bin/uv pip install -q --python $work/v/bin/python --no-index --find-links $wheels --require-hashes --no-deps -r $root/actions/setup/requirements.lock"
)
if [[ -n "${BEFORE:-}" ]]; then
  args+=(-n "before: pip install checkout[all] (builds the engine)"
    --prepare "rm -rf $work/v; $python -m venv --without-pip $work/v"
    "$python -m pip --python $work/v/bin/python install -q --no-compile --no-index --find-links $wheels $BEFORE[all]")
fi
hyperfine --runs "$runs" --export-json "$work/setup.json" "${args[@]}" >/dev/null
"$bin/python" "$root/bench/summary.py" "$work/setup.json" "setup.sh uv, all, cold"
