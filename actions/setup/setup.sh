#!/usr/bin/env bash
# The steps that install the engine for every trunkgate action: `setup.sh detect|key|install`.
# The gate actions run it by its path next to them (`${GITHUB_ACTION_PATH}/../setup/setup.sh`),
# so an action pinned to a commit installs the engine of that very commit and never calls
# another trunkgate action by a tag. Every value arrives through the environment
# (TRUNKGATE_*), set by action.yml from its inputs and earlier steps. Linux and macOS runners
# (a virtual environment's scripts live in bin/).
#
# What is installed, and from where:
# - the tools a gate runs (ruff, bandit, pip-audit, coverage and their dependencies) from
#   the locks beside this script (lint.lock, security.lock, audit.lock, coverage.lock, all
#   at the versions of requirements.lock): exact versions and the hash of every file,
#   checked by the installer (`--require-hashes`), binary wheels only, no resolution;
# - the installer: uv, itself installed by pip from uv.lock.txt with hashes (installer
#   "uv"), or pip alone ("pip"); "auto" (the default) takes uv for a lock of many packages
#   (the audit's and the security scan's) and pip for a tool or two;
# - the engine: nothing is built; a .pth file puts this ref's hooks/ on the environment's
#   path and a two-line launcher is the `trunkgate` command.
# pip's PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS and PIP_NO_INDEX name mirrors and
# local wheel folders for both installers.
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
LOCK="${HERE}/requirements.lock"
UV_LOCK="${HERE}/uv.lock.txt"
EXTRAS=(lint security audit coverage secrets api performance)

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

# A Python that can build the environment: 3.11 or newer (the lock's floor), with the venv
# module, and either a pip that knows --python (22.3+, so the new environment needs no pip of
# its own) or ensurepip. Prints "fast" or "ensurepip", then the interpreter's own path (not a
# shim's); fails otherwise.
python_fits() {
    "$1" - <<'PY' 2>/dev/null
import sys

if sys.version_info < (3, 11):
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
    case "${TRUNKGATE_INPUT_INSTALLER:-auto}" in
        auto | uv | pip) ;;
        *) die "input installer: expected auto, uv or pip, got \"${TRUNKGATE_INPUT_INSTALLER}\"" ;;
    esac
    if [[ ! "${TRUNKGATE_INPUT_EXTRAS:-}" =~ ^[a-z,]*$ ]]; then
        die "input extras: expected a comma-separated list of ${EXTRAS[*]} or all, got \"${TRUNKGATE_INPUT_EXTRAS}\""
    fi
    case "${TRUNKGATE_INPUT_CACHE:-false}" in
        true | false) ;;
        *) die "input cache: expected true or false, got \"${TRUNKGATE_INPUT_CACHE}\"" ;;
    esac
    local source="${TRUNKGATE_INPUT_SOURCE:-${HERE}/../..}"
    if [[ ! -f "${source}/pyproject.toml" || ! -d "${source}/hooks/trunkgate" ]]; then
        die "input source: \"${source}\" does not hold the trunkgate sources (pyproject.toml, hooks/trunkgate)"
    fi
    source="$(cd -- "${source}" && pwd -P)"
    output source "${source}"

    if [[ -n "${TRUNKGATE_INPUT_PYTHON_VERSION:-}" ]]; then
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
    echo "no python3 >= 3.11 with venv on the runner: actions/setup-python installs Python 3.12"
    output need-python true
}

# What the environment is made of: the interpreter (its real path and version, since the
# environment links to it), the installer, both locks and the engine's folder (the .pth file
# names it). The engine's files are read where they are, so they are not part of it.
environment_digest() {
    "${TRUNKGATE_PYTHON}" - "${TRUNKGATE_SOURCE}" "${TRUNKGATE_INPUT_INSTALLER:-auto}" "${LOCK}" "${UV_LOCK}" \
        "${HERE}"/*.lock <<'PY'
import hashlib
import os
import sys

source, installer, *locks = sys.argv[1:]
digest = hashlib.sha256()
for part in (os.path.realpath(sys.executable), "%d.%d.%d" % sys.version_info[:3], source, installer):
    digest.update(part.encode() + b"\0")
for lock in locks:
    with open(lock, "rb") as fh:
        digest.update(hashlib.sha256(fh.read()).digest())
print(digest.hexdigest()[:16])
PY
}

key() {
    [[ -n "${TRUNKGATE_PYTHON:-}" ]] || die "no Python found for the engine"
    local digest venv
    digest="$(environment_digest)"
    venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/trunkgate/venv-${digest}"
    output venv "${venv}"
    output digest "${digest}"
    local extras
    extras="$(extras_list "${TRUNKGATE_INPUT_EXTRAS:-}" | paste -sd+ -)"
    output key "trunkgate-venv-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${digest}-${extras:-engine}"
    if [[ -x "${venv}/bin/trunkgate" ]]; then
        output ready true
    else
        output ready false
    fi
}

# The extras asked for ("all" stands for every one), one per line, sorted, known ones only.
extras_list() {
    local item known
    local -a items=()
    IFS=',' read -r -a items <<<"${1}"
    for item in "${items[@]}"; do
        [[ -n "${item}" ]] || continue
        if [[ "${item}" == all ]]; then
            printf '%s\n' "${EXTRAS[@]}"
            continue
        fi
        known=false
        for extra in "${EXTRAS[@]}"; do [[ "${extra}" != "${item}" ]] || known=true; done
        [[ "${known}" == true ]] || die "input extras: unknown extra \"${item}\", expected some of ${EXTRAS[*]} or all"
        printf '%s\n' "${item}"
    done | sort -u
}

# One requirements file from the locks of the extras given (one per line), each package
# once: the locks agree on every version and hash, being made from requirements.lock.
merged_lock() {
    local extra
    local -a locks=()
    while IFS= read -r extra; do
        [[ -z "${extra}" ]] || locks+=("${HERE}/${extra}.lock")
    done <<<"$1"
    "${TRUNKGATE_PYTHON}" - "$2" "${locks[@]}" <<'PY'
import re
import sys

out, *locks = sys.argv[1:]
seen, blocks = set(), []
for lock in locks:
    with open(lock, encoding="utf-8") as fh:
        for block in re.split(r"\n(?=\S)", fh.read()):
            name = re.match(r"([A-Za-z0-9_.-]+)==", block)
            if name and name[1].lower() not in seen:
                seen.add(name[1].lower())
                blocks.append(block.rstrip("\n"))
with open(out, "w", encoding="utf-8") as fh:
    fh.write("".join(block + "\n" for block in blocks))
PY
}

# The flags that point an installer at pip's configured mirrors and wheel folders.
index_flags() {
    local link
    index=()
    case "${PIP_NO_INDEX:-}" in 1 | true | yes | on) index+=(--no-index) ;; esac
    [[ -z "${PIP_INDEX_URL:-}" ]] || index+=(--index-url "${PIP_INDEX_URL}")
    for link in ${PIP_EXTRA_INDEX_URL:-}; do index+=(--extra-index-url "${link}"); done
    for link in ${PIP_FIND_LINKS:-}; do index+=(--find-links "${link}"); done
}

# uv, installed once per runner temp folder by pip from its hash-pinned lock.
bootstrap_uv() {
    local pip=("$@") digest folder
    digest="$(sha256sum "${UV_LOCK}" 2>/dev/null || shasum -a 256 "${UV_LOCK}")"
    folder="${RUNNER_TEMP}/trunkgate/uv-${digest:0:16}"
    if [[ ! -x "${folder}/bin/uv" ]]; then
        rm -rf -- "${folder}"
        "${pip[@]}" install --quiet --no-compile --disable-pip-version-check --only-binary=:all: \
            --require-hashes --no-deps --target "${folder}" "${index[@]}" --requirement "${UV_LOCK}" ||
            die "could not install uv from ${UV_LOCK} (installer \"uv\"; installer \"pip\" needs no uv)"
    fi
    uv="${folder}/bin/uv"
}

install() {
    local venv="${TRUNKGATE_VENV}" digest="${TRUNKGATE_DIGEST}" version="" have="" wanted all
    local installer="${TRUNKGATE_INPUT_INSTALLER:-auto}"
    wanted="$(extras_list "${TRUNKGATE_INPUT_EXTRAS:-}")"
    if [[ -f "${venv}/.trunkgate-lock" && "$(cat "${venv}/.trunkgate-lock")" == "${digest}" ]] &&
        version="$("${venv}/bin/trunkgate" --version 2>/dev/null)"; then
        have="$(cat "${venv}/.trunkgate-extras" 2>/dev/null || true)"
    else
        rm -rf -- "${venv}"
    fi
    all="$(printf '%s\n%s\n' "${have}" "${wanted}" | sed '/^$/d' | sort -u)"
    if [[ -d "${venv}" && "${all}" == "${have}" ]]; then
        echo "reusing ${venv}"
        output reused true
        output built false
    else
        local how started="${SECONDS}" pip
        how="$(python_fits "${TRUNKGATE_PYTHON}")" ||
            die "${TRUNKGATE_PYTHON} cannot make a virtual environment (needs Python 3.11+ with venv, and pip 22.3+ or ensurepip)"
        pip=("${venv}/bin/python" -m pip)
        [[ "${how%% *}" != fast ]] || pip=("${TRUNKGATE_PYTHON}" -m pip --python "${venv}/bin/python")
        if [[ ! -d "${venv}" ]]; then
            mkdir -p -- "$(dirname -- "${venv}")"
            if [[ "${how%% *}" == fast ]]; then
                "${TRUNKGATE_PYTHON}" -m venv --without-pip -- "${venv}"
            else
                "${TRUNKGATE_PYTHON}" -m venv -- "${venv}"
            fi
        fi
        if [[ -n "${all}" ]]; then
            local lock="${venv}/.trunkgate-requirements.txt"
            merged_lock "${all}" "${lock}"
            if [[ "${installer}" == auto ]]; then
                # uv pays for its own install (one 17 MB wheel) only where it saves more: a
                # lock of many packages. A tool or two install faster with pip alone.
                installer=pip
                (($(grep -c '^[A-Za-z0-9]' "${lock}") <= 5)) || installer=uv
            fi
            index_flags
            echo "::group::Install the tools (${all//$'\n'/, }) from their locks with ${installer}, every hash required"
            if [[ "${installer}" == uv ]]; then
                bootstrap_uv "${pip[@]}"
                "${uv}" pip install --quiet --no-config --python "${venv}/bin/python" --no-build \
                    --require-hashes --no-deps "${index[@]}" --requirement "${lock}"
            else
                "${pip[@]}" install --quiet --no-compile --progress-bar off --disable-pip-version-check \
                    --only-binary=:all: --require-hashes --no-deps "${index[@]}" --requirement "${lock}"
            fi
            echo "::endgroup::"
        fi
        # The engine itself: this ref's sources on the path, and its command. Nothing built.
        local site
        site="$("${venv}/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
        printf '%s\n' "${TRUNKGATE_SOURCE}/hooks" >"${site}/trunkgate-source.pth"
        printf '#!%s\nimport sys\nfrom trunkgate.cli import main\nsys.exit(main())\n' \
            "${venv}/bin/python" >"${venv}/bin/trunkgate"
        chmod +x "${venv}/bin/trunkgate"
        version="$("${venv}/bin/trunkgate" --version)" || die "the installed trunkgate does not run"
        printf '%s' "${digest}" >"${venv}/.trunkgate-lock"
        printf '%s\n' "${all}" >"${venv}/.trunkgate-extras"
        echo "installed in $((SECONDS - started)) s"
        output reused false
        output built true
    fi
    output trunkgate "${venv}/bin/trunkgate"
    output python "${venv}/bin/python"
    output version "${version#trunkgate }"
    echo "${version} in ${venv}"
}

# The three steps in one, for the gate actions (no cache between jobs: see action.yml).
all() {
    local tmp
    : "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
    tmp="$(mktemp "${RUNNER_TEMP:?RUNNER_TEMP is not set}/trunkgate-setup.XXXXXX")"
    GITHUB_OUTPUT="${tmp}" key
    TRUNKGATE_VENV="$(sed -n 's/^venv=//p' "${tmp}")"
    TRUNKGATE_DIGEST="$(sed -n 's/^digest=//p' "${tmp}")"
    rm -f -- "${tmp}"
    install
}

case "${1:-}" in
    detect | key | install | all) "$1" ;;
    *) die "usage: setup.sh detect|key|install|all" ;;
esac
