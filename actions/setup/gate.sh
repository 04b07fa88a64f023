# Sourced by the gate actions' steps (`source "${GITHUB_ACTION_PATH}/../setup/gate.sh"`):
# build the engine's argument list from the action's inputs and run one gate with
# `--format github`. Inputs arrive as TRUNKGATE_INPUT_* variables; nothing here is expanded
# by the workflow engine, so a branch name or a title is only ever data.
#
#   tg_start lint                         the command and its fixed arguments
#   tg_opt --check-format "${VALUE}"      adds --check-format=VALUE unless VALUE is empty
#   tg_bool --strict "${VALUE}"           adds --strict / --no-strict for true / false
#   tg_flag --all "${VALUE}"              adds --all for true
#   tg_cd                                 enter the working directory (inside the workspace)
#   tg_run [PREFIX]                       run; write its outputs, named PREFIX<name>
#   tg_value NAME                         one output of the last tg_run
#
# Values always go in the `--flag=value` form, so a value that starts with "-" stays a value.
# shellcheck shell=bash
set -euo pipefail

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
    echo "gate.sh is sourced by the trunkgate actions, not run" >&2
    exit 2
fi

tg_args=()

tg_start() {
    tg_args=("$@")
}

# A workflow command's message, escaped: a value with a line break cannot start a command.
tg_escape() {
    local text="${1//%/%25}"
    text="${text//$'\r'/%0D}"
    printf '%s' "${text//$'\n'/%0A}"
}

tg_die() {
    echo "::error title=trunkgate::$(tg_escape "$*")"
    exit 2
}

tg_input_name() {
    local name="${1#--}"
    printf '%s' "${name}"
}

tg_opt() {
    if [[ -n "$2" ]]; then
        tg_args+=("$1=$2")
    fi
}

tg_bool() {
    case "$2" in
        "") ;;
        true) tg_args+=("$1") ;;
        false) tg_args+=("--no-${1#--}") ;;
        *) tg_die "input $(tg_input_name "$1"): expected true, false or empty, got \"$2\"" ;;
    esac
}

tg_flag() {
    case "$2" in
        "" | false) ;;
        true) tg_args+=("$1") ;;
        *) tg_die "input $(tg_input_name "$1"): expected true or false, got \"$2\"" ;;
    esac
}

# Enter the working directory (relative to the workspace, and inside it).
tg_cd() {
    local dir="${TRUNKGATE_INPUT_WORKING_DIRECTORY:-.}"
    local workspace
    workspace="$(cd -- "${GITHUB_WORKSPACE:-.}" && pwd -P)"
    if [[ "${dir}" == /* ]]; then
        tg_die "input working-directory: expected a path relative to the workspace, got \"${dir}\""
    fi
    if [[ ! -d "${workspace}/${dir}" ]]; then
        tg_die "input working-directory: \"${dir}\" is not a folder of the workspace (did the job check out the repository?)"
    fi
    cd -- "${workspace}/${dir}"
    case "$(pwd -P)/" in
        "${workspace}/"*) ;;
        *) tg_die "input working-directory: \"${dir}\" leads outside the workspace" ;;
    esac
}

# Run `trunkgate "${tg_args[@]}" --format github`; its outputs go to $GITHUB_OUTPUT with
# the prefix $1 (empty for a gate's own outputs), which the engine writes in the heredoc form
# with a random delimiter. Returns the engine's exit code.
tg_run() {
    local prefix="${1:-}" code=0 out
    [[ -n "${TRUNKGATE_BIN:-}" ]] || tg_die "the setup step did not report the trunkgate command"
    out="$(mktemp "${RUNNER_TEMP:-/tmp}/trunkgate-output.XXXXXX")"
    GITHUB_OUTPUT="${out}" TRUNKGATE_OUTPUT_PREFIX="${prefix}" \
        "${TRUNKGATE_BIN}" "${tg_args[@]}" --format github || code=$?
    if [[ "${code}" -ge 2 ]]; then
        # The engine could not decide (bad input or configuration); it printed why as an
        # error annotation. Say so in the outputs and the summary instead of leaving them
        # empty. `trunkgate run` still reports the gates that did decide: keep those.
        local reported=false
        if grep -q "^${prefix}passed\(<<\|=\)" "${out}"; then
            reported=true
            printf '%serror=true\n' "${prefix}" >>"${out}"
        else
            printf '%spassed=false\n%sfindings=0\n%serror=true\n' "${prefix}" "${prefix}" "${prefix}" >"${out}"
        fi
        if [[ -n "${GITHUB_STEP_SUMMARY:-}" && "${reported}" == false ]]; then
            printf '### trunkgate %s: ⚠️ error\n\n> The gate could not decide (exit code %s); see the error annotation.\n\n' \
                "${tg_args[0]}" "${code}" >>"${GITHUB_STEP_SUMMARY}"
        fi
    else
        printf '%serror=false\n' "${prefix}" >>"${out}"
    fi
    cat "${out}" >>"${GITHUB_OUTPUT}"
    tg_out_file="${out}"
    tg_out_prefix="${prefix}"
    return "${code}"
}

# The value of one output of the last tg_run (empty when it wrote none), in either form.
tg_value() {
    awk -v key="${tg_out_prefix:-}$1" '
        index($0, key "<<") == 1 { getline; value = $0; found = 1; next }
        index($0, key "=") == 1 { value = substr($0, length(key) + 2); found = 1 }
        END { if (found) print value }' "${tg_out_file:-/dev/null}"
}
