#!/usr/bin/env bash
# The steps of actions/setup: `setup.sh detect|key|install`. Every value arrives through the
# environment (TRUNKGATE_*), set by action.yml from the action's inputs and earlier steps.
# Linux and macOS runners (a virtual environment's scripts live in bin/).
set -euo pipefail

# A workflow command's message, escaped: a value with a line break cannot start a command.
escape() {
    local text="${1//%/%25}"
    text="${text//$'\r'/%0D}"
    printf '%s' "${text//$'\n'/%0A}"
}

die() {
    echo "::error title=trunkgate setup::$(escape "$*")"
    exit 1
}

output() {
    printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

# A Python that can build the environment: 3.10 or newer, with the venv module, and either
# a pip that knows --python (22.3+, so the new environment needs no pip of its own) or
# ensurepip. Prints "fast" or "ensurepip", then the interpreter's own path (not a shim's);
# fails otherwise.
python_fits() {
    "$1" - <<'PY' 2>/dev/null
import sys

if sys.version_info < (3, 10):
    raise SystemExit(1)
import venv  # noqa: F401

try:
    from pip import __version__ as pip_version

    parts = tuple(int(p) for p in pip_version.split(".")[:2] if p.isdigit())
    if parts >= (22, 3):
        print("fast", sys.executable)
        raise SystemExit(0)
except ImportError:
    pass
try:
    import ensurepip  # noqa: F401
except ImportError:
    raise SystemExit(1) from None
print("ensurepip", sys.executable)
PY
}

detect() {
    if [[ "${RUNNER_OS:-Linux}" == "Windows" ]]; then
        die "Windows runners are not supported yet; run the gates on ubuntu-latest or macos-latest"
    fi
    local extras="${TRUNKGATE_INPUT_EXTRAS}"
    if [[ ! "${extras}" =~ ^[a-z,]*$ ]]; then
        die "input extras: expected a comma-separated list of lint, security, audit, coverage, api or all, got \"${extras}\""
    fi
    case "${TRUNKGATE_INPUT_CACHE}" in
        true | false) ;;
        *) die "input cache: expected true or false, got \"${TRUNKGATE_INPUT_CACHE}\"" ;;
    esac

    local source="${TRUNKGATE_INPUT_SOURCE:-${GITHUB_ACTION_PATH}/../..}"
    if [[ ! -f "${source}/pyproject.toml" || ! -d "${source}/hooks/trunkgate" ]]; then
        die "input source: \"${source}\" does not hold the trunkgate sources (pyproject.toml, hooks/trunkgate)"
    fi
    source="$(cd -- "${source}" && pwd -P)"
    output source "${source}"

    if [[ -n "${TRUNKGATE_INPUT_PYTHON_VERSION}" ]]; then
        echo "python-version ${TRUNKGATE_INPUT_PYTHON_VERSION} asked for: actions/setup-python provides it"
        output need-python true
        return
    fi
    local name found fits
    for name in python3 python; do
        found="$(command -v "${name}" || true)"
        if [[ -n "${found}" ]] && fits="$(python_fits "${found}")"; then
            echo "using the runner's ${name}: ${fits#* }"
            output python "${fits#* }"
            output need-python false
            return
        fi
    done
    echo "no python3 >= 3.10 with venv on the runner: actions/setup-python installs Python 3.12"
    output need-python true
}

# The extras asked for, one per line, sorted, without duplicates ("all" stands for all).
extras_list() {
    local item
    local -a items=()
    IFS=',' read -r -a items <<<"${1}"
    for item in "${items[@]}"; do
        [[ -z "${item}" ]] || printf '%s\n' "${item}"
    done | sort -u
}

# True when the extras $2 (a list) already include every extra of $1 (a list).
extras_cover() {
    local wanted
    grep -qx all <<<"$2" && return 0
    while IFS= read -r wanted; do
        [[ -z "${wanted}" ]] || grep -qx -- "${wanted}" <<<"$2" || return 1
    done <<<"$1"
}

# A digest of what the environment depends on: the interpreter (its real path and version,
# since the environment links to it) and the engine's sources (pyproject.toml and everything
# under hooks/). One Python process computes it all.
environment_digest() {
    "${TRUNKGATE_PYTHON}" - "${TRUNKGATE_SOURCE}" <<'PY'
import hashlib
import os
import sys

root = sys.argv[1]
digest = hashlib.sha256()
digest.update(os.path.realpath(sys.executable).encode() + b"\0")
digest.update(("%d.%d.%d" % sys.version_info[:3]).encode() + b"\0")
names = ["pyproject.toml"]
for folder, dirs, files in os.walk(os.path.join(root, "hooks")):
    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
    names += [os.path.relpath(os.path.join(folder, f), root) for f in files if not f.endswith(".pyc")]
for name in sorted(names):
    with open(os.path.join(root, name), "rb") as fh:
        digest.update(name.encode() + b"\0" + hashlib.sha256(fh.read()).digest())
print(digest.hexdigest()[:16])
PY
}

key() {
    [[ -n "${TRUNKGATE_PYTHON}" ]] || die "no Python found for the engine"
    local venv_digest venv extras
    venv_digest="$(environment_digest)"
    # One environment per engine and Python in a job; gate actions add the extras they need.
    venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/trunkgate/venv-${venv_digest}"
    extras="$(extras_list "${TRUNKGATE_INPUT_EXTRAS}" | paste -sd+ -)"
    output venv "${venv}"
    output source-key "${venv_digest}"
    # The path is part of the key: an environment only works where it was made.
    output key "trunkgate-venv-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${venv_digest}-$(printf '%s' "${venv}" | cksum | cut -d' ' -f1)-${extras:-engine}"
    if [[ -x "${venv}/bin/trunkgate" ]]; then
        output ready true
    else
        output ready false
    fi
}

install() {
    local venv="${TRUNKGATE_VENV}"
    local wanted have="" spec="${TRUNKGATE_SOURCE}" all version=""
    wanted="$(extras_list "${TRUNKGATE_INPUT_EXTRAS}")"
    if [[ -f "${venv}/.trunkgate-source" && "$(cat "${venv}/.trunkgate-source")" == "${TRUNKGATE_SOURCE_KEY}" ]] &&
        version="$("${venv}/bin/trunkgate" --version 2>/dev/null)"; then
        have="$(cat "${venv}/.trunkgate-extras" 2>/dev/null || true)"
    else
        rm -rf -- "${venv}"
    fi
    if [[ -d "${venv}" ]] && extras_cover "${wanted}" "${have}"; then
        echo "reusing ${venv}"
        output reused true
        output built false
    else
        local how
        how="$(python_fits "${TRUNKGATE_PYTHON}")" || die "${TRUNKGATE_PYTHON} cannot make a virtual environment (needs Python 3.10+ with venv, and pip 22.3+ or ensurepip)"
        all="$(printf '%s\n%s\n' "${have}" "${wanted}" | sed '/^$/d' | sort -u)"
        if [[ -n "${all}" ]]; then
            spec="${TRUNKGATE_SOURCE}[$(paste -sd, - <<<"${all}")]"
        fi
        echo "::group::Install trunkgate${all:+ with ${all//$'\n'/, }} from ${TRUNKGATE_SOURCE}"
        # --no-compile: Python compiles what it imports on first use; compiling every
        # module of every dependency up front costs seconds and is mostly never used.
        local pip_args=(install --no-compile --progress-bar off --disable-pip-version-check)
        local pip=("${venv}/bin/python" -m pip)
        if [[ "${how%% *}" == fast ]]; then
            pip=("${TRUNKGATE_PYTHON}" -m pip --python "${venv}/bin/python")
        fi
        if [[ ! -d "${venv}" ]]; then
            mkdir -p -- "$(dirname -- "${venv}")"
            if [[ "${how%% *}" == fast ]]; then
                "${TRUNKGATE_PYTHON}" -m venv --without-pip -- "${venv}"
            else
                "${TRUNKGATE_PYTHON}" -m venv -- "${venv}"
            fi
        fi
        "${pip[@]}" "${pip_args[@]}" -- "${spec}"
        echo "::endgroup::"
        version="$("${venv}/bin/trunkgate" --version)" || die "the installed trunkgate does not run"
        printf '%s' "${TRUNKGATE_SOURCE_KEY}" >"${venv}/.trunkgate-source"
        printf '%s\n' "${all}" >"${venv}/.trunkgate-extras"
        output reused false
        output built true
    fi
    output trunkgate "${venv}/bin/trunkgate"
    output python "${venv}/bin/python"
    output version "${version#trunkgate }"
    echo "${version} in ${venv}"
}

case "${1:-}" in
    detect | key | install) "$1" ;;
    *) die "usage: setup.sh detect|key|install" ;;
esac
