# The two set-up commands of the README: `make demo` and `make test`. Both create .venv on
# first use; everything they need is pinned in requirements-dev.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Actions and workflows that zizmor and the schemas check.
ACTION_FILES := $(wildcard action.yml actions/*/action.yml)
WORKFLOW_FILES := $(wildcard .github/workflows/*.yml workflows/*.yml)

.PHONY: demo test lint e2e bench docs clean lock

$(VENV)/.ready: requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-build-isolation --editable .
	touch $@

demo: $(VENV)/.ready
	$(PY) examples/demo.py

lint: $(VENV)/.ready
	$(BIN)/ruff check hooks tests bench examples
	$(BIN)/ruff format --check hooks tests bench examples
	$(BIN)/bandit --quiet -c pyproject.toml -r hooks
	$(BIN)/mypy
ifneq ($(strip $(ACTION_FILES) $(WORKFLOW_FILES)),)
	$(BIN)/zizmor --offline --min-severity low $(ACTION_FILES) $(WORKFLOW_FILES) .github/dependabot.yml
endif
ifneq ($(strip $(ACTION_FILES)),)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions $(ACTION_FILES)
endif
ifneq ($(strip $(WORKFLOW_FILES)),)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOW_FILES)
endif

# The whole suite, end-to-end parts included, on both cores, with the branch-coverage gate.
test: lint
	$(PY) -m pytest -n 2 --cov --cov-report=term-missing:skip-covered --cov-fail-under=90

# Only the slow end-to-end parts (pre-commit, prek, the Actions runner).
e2e: $(VENV)/.ready
	$(PY) -m pytest -n 2 -m e2e

bench: $(VENV)/.ready
	bash bench/all.sh

# Regenerate the README's policy, actions and workflows reference (between its
# `<!-- begin: ... -->` markers) from the schema and the YAML files; tests/test_reference.py
# fails when they drift.
docs: $(VENV)/.ready
	$(PY) -m tests.support.reference

clean:
	rm -rf $(VENV) demo .coverage .coverage.* coverage.xml

# The actions' locks: every tool of the gates (requirements.lock, and one lock per extra at
# the same versions) and the installer, with the hash of every file PyPI serves for them,
# for Python 3.11 and newer on every platform (uv resolves; the network is needed here and
# only here).
UV := $(BIN)/uv
LOCK_FLAGS := pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header \
	--index-url https://pypi.org/simple
lock: $(VENV)/.ready
	$(UV) $(LOCK_FLAGS) actions/setup/requirements.in -o actions/setup/requirements.lock
	$(UV) $(LOCK_FLAGS) actions/setup/uv.in -o actions/setup/uv.lock.txt
	for pair in lint:ruff security:bandit 'audit:pip-audit|cvss' coverage:coverage \
	    secrets:detect-secrets api:griffe performance:pytest-benchmark; do \
	    grep -E "^($${pair#*:})==" actions/setup/requirements.in \
	        | $(UV) $(LOCK_FLAGS) - -c actions/setup/requirements.lock -o actions/setup/$${pair%%:*}.lock; \
	done
