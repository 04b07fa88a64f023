#!/usr/bin/env bash
# `trunkgate init --check` and `--dry-run` (read the repository, plan the edit of an existing
# hook config, diff it) next to the bare tool reading the same file (`pre-commit
# validate-config`) and `python -c pass`, in one hyperfine run. The repository is built
# here: a `master` trunk with origin/HEAD, 300 release tags, an existing config of 12 hooks
# in 4 repositories, coverage and pytest configuration in pyproject.toml, a changelog.
# Tools come from this checkout's venv (make .venv/.ready). RUNS=30 by default.
set -euo pipefail
unset PYTHONDONTWRITEBYTECODE  # measure with bytecode caches, as installed hooks run
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com
export GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com

repo="$work/repo"
git init -q -b master "$repo"
cd "$repo"
cat > .pre-commit-config.yaml <<'YAML'
# the project's hooks
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: trailing-whitespace
      - id: end-of-file-fixer
      - id: check-yaml
      - id: check-toml
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.4.4
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.10.0
    hooks:
      - id: mypy
        additional_dependencies: [types-requests]
  - repo: local
    hooks:
      - id: a
        name: a
        entry: "true"
        language: system
      - id: b
        name: b
        entry: "true"
        language: system
      - id: c
        name: c
        entry: "true"
        language: system
      - id: d
        name: d
        entry: "true"
        language: system
      - id: e
        name: e
        entry: "true"
        language: system
YAML
printf '[project]\nname = "demo"\nversion = "3.0.0"\n\n[tool.coverage.report]\nfail_under = 97\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n' > pyproject.toml
printf '# Changelog\n\n## [Unreleased]\n\n## [3.0.0] - 2026-01-01\n\n### Added\n\n- x\n' > CHANGELOG.md
git add -A
git commit -q -m "chore: start"
for n in $(seq 1 300); do git tag "$((n / 100)).$((n / 10 % 10)).$((n % 10))"; done
git init -q --bare -b master "$work/origin.git"
git remote add origin "$work/origin.git"
git push -q origin master
git fetch -q origin
git remote set-head origin --auto >/dev/null

"$bin/trunkgate" init --dry-run >/dev/null
"$bin/pre-commit" validate-config .pre-commit-config.yaml >/dev/null

hyperfine --warmup 3 --runs "${RUNS:-30}" --export-json "$work/init.json" \
  -n "python -c pass" "$bin/python -c pass" \
  -n "pre-commit validate-config" "$bin/pre-commit validate-config .pre-commit-config.yaml" \
  -n "trunkgate init --check" "$bin/trunkgate init --check || true" \
  -n "trunkgate init --dry-run" "$bin/trunkgate init --dry-run"
python3 "$root/bench/summary.py" "$work/init.json" "pre-commit validate-config"
