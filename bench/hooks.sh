#!/usr/bin/env bash
# Hook latency on a typical commit: every trunkgate hook against `python -c pass` from the same
# virtual environment, and the hooks a team would pick instead, side by side in one hyperfine run.
# Each tool is installed in its own fresh venv the way pre-commit installs hooks (a wheel, with
# compiled bytecode, by a current pip).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONDONTWRITEBYTECODE  # measure with bytecode caches, as installed hooks run

venv() {  # venv NAME PACKAGE...
  python3 -m venv "$work/$1"
  "$work/$1/bin/pip" install --quiet --upgrade pip
  "$work/$1/bin/pip" install --quiet "${@:2}"
}
venv tg "$root"
venv pch pre-commit-hooks
venv cpc conventional-pre-commit
venv gitlint gitlint-core
venv cz commitizen

repo="$work/repo"
git init -q -b main "$repo"
cd "$repo"
export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com \
  GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
printf '[project]\nname = "x"\n\n[tool.trunkgate]\ntrunk = "main"\n\n[tool.trunkgate.commits]\nscopes = []\n' > pyproject.toml
python3 - <<'PY'
import datetime

lines = ["# Changelog", "", "## [Unreleased]", "", "### Added", "", "- Something new.", ""]
for minor in range(50, 0, -1):
    day = datetime.date(2026, 11, 1) - datetime.timedelta(days=7 * (50 - minor))
    lines += [f"## [1.{minor}.0] - {day}", "", "### Fixed", "", f"- Fix number {minor}.", ""]
lines.append("[unreleased]: https://example.com/compare/v1.50.0...HEAD")
lines += [f"[1.{m}.0]: https://example.com/releases/v1.{m}.0" for m in range(50, 0, -1)]
open("CHANGELOG.md", "w").write("\n".join(lines) + "\n")
PY
git add -A && git commit -q -m "chore: start"
git checkout -q -b feature/login-form
printf 'feat(auth): add the login form\n\nThe form posts to /login.\n\nRefs: #42\n' > .git/COMMIT_EDITMSG
msg=.git/COMMIT_EDITMSG
# Warm the policy cache once, as the previous commit's hooks would have.
"$work/tg/bin/trunkgate" branch >/dev/null

hyperfine -N --warmup 5 --runs "${RUNS:-40}" ${HYPERFINE_ARGS:-} --export-json "$work/hooks.json" \
  -n "python -c pass" "$work/tg/bin/python -c pass" \
  -n "trunkgate branch" "$work/tg/bin/trunkgate branch" \
  -n "trunkgate commit-msg" "$work/tg/bin/trunkgate commit-msg $msg" \
  -n "trunkgate changelog" "$work/tg/bin/trunkgate changelog" \
  -n "no-commit-to-branch" "$work/pch/bin/no-commit-to-branch" \
  -n "conventional-pre-commit" "$work/cpc/bin/conventional-pre-commit $msg" \
  -n "gitlint" "$work/gitlint/bin/gitlint --msg-filename $msg" \
  -n "cz check" "$work/cz/bin/cz check --commit-msg-file $msg" \
  >/dev/null
python3 "$root/bench/summary.py" "$work/hooks.json" "python -c pass"
