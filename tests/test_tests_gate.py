"""The tests gate: the real pytest on real test suites in temporary projects, its JUnit XML
report read back, coverage measured in the same run, and `trunkgate run` ordering the
coverage gate after it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.support.runner import outputs
from tests.test_hooks_e2e import hook_repo, runner_homes  # noqa: F401  # fixtures
from tests.test_hooks_e2e import target as hook_target  # noqa: F401  # a fixture
from trunkgate import junit, report

PYTHON = sys.executable
BIN = Path(PYTHON).parent

APP = """\
def add(a, b):
    return a + b


def sub(a, b):
    return a - b
"""
PASSING = """\
from app import add


def test_add():
    assert add(1, 2) == 3
"""
FAILING = """\
import pytest

from app import add, sub


def test_add():
    assert add(1, 2) == 3


def test_sub():
    assert sub(3, 1) == 1


class TestMore:
    def test_boom(self):
        raise ValueError("boom")


@pytest.fixture
def broken():
    raise RuntimeError("no database")


def test_needs_db(broken):
    pass


@pytest.mark.skip(reason="later")
def test_later():
    pass
"""
PYPROJECT = (
    '[tool.pytest.ini_options]\npythonpath = ["."]\n\n[tool.coverage.run]\nsource = ["app"]\n'
)


@pytest.fixture
def project(repo, venv_pytest):
    """A project with a module and its tests, the venv's pytest first on PATH, and no
    coverage settings leaking in from a surrounding run."""
    repo.commit(
        "chore: start",
        {"app.py": APP, "tests/test_app.py": PASSING, "pyproject.toml": PYPROJECT},
    )
    return repo


def run_json(gate_cli, *argv: str) -> tuple[int, dict]:
    code, out, err = gate_cli("tests", *argv, "--format", "json")
    assert err == "" or code == 2, err
    return code, json.loads(out) if out else {}


def test_a_passing_suite_passes_and_says_what_ran(project, gate_cli) -> None:
    code, doc = run_json(gate_cli, "--coverage", "never")
    assert code == 0
    assert doc["passed"] is True
    assert doc["findings"] == []
    assert doc["notes"][0] == "ran `pytest`: 1 test, 0 failed"
    assert doc["metrics"] == {"tests": 1, "failed": 0, "skipped": 0}
    assert not (project.path / ".coverage").exists()


def test_each_failing_test_is_a_finding_at_its_def_line(project, gate_cli) -> None:
    project.write("tests/test_app.py", FAILING)
    code, doc = run_json(gate_cli, "--coverage", "never")
    assert code == 1
    found = [(f["file"], f["line"], f["rule"], f["message"]) for f in doc["findings"]]
    assert found == [
        (
            "tests/test_app.py",
            10,
            "test-failed",
            "tests/test_app.py::test_sub: assert 2 == 1",
        ),
        (
            "tests/test_app.py",
            15,
            "test-failed",
            "tests/test_app.py::TestMore::test_boom: ValueError: boom",
        ),
        (
            "tests/test_app.py",
            24,
            "test-error",
            'tests/test_app.py::test_needs_db: failed on setup with "RuntimeError: no database"',
        ),
    ]
    lines = FAILING.splitlines()
    for _, line, _, _ in found:  # each finding is at the test's def line
        assert lines[line - 1].lstrip().startswith("def test_")
    assert doc["metrics"] == {"tests": 5, "failed": 3, "skipped": 1}


def test_github_format_annotates_the_failing_tests_line(project, gate_cli, github_env) -> None:
    project.write("tests/test_app.py", FAILING)
    summary, output = github_env("push", {"before": "0" * 40, "after": project.head()})
    code, out, _ = gate_cli("tests", "--coverage", "never", "--format", "github")
    assert code == 1
    assert "::error file=tests/test_app.py,line=10,title=trunkgate tests%3A test-failed::" in out
    assert outputs(output.read_text())["passed"] == "false"
    assert outputs(output.read_text())["failed"] == "3"
    assert "tests/test\\_app.py::test\\_sub: assert 2 == 1" in summary.read_text()


def test_a_hostile_test_id_stays_data(project, gate_cli, github_env) -> None:
    """A parametrize id comes from the change: it cannot forge a workflow command."""
    project.write(
        "tests/test_app.py",
        "import pytest\n\n\n@pytest.mark.parametrize('x', [1], ids=['a\\n::error::forged'])\n"
        "def test_x(x):\n    assert x == 2\n",
    )
    github_env("push", {"before": "0" * 40, "after": project.head()})
    code, out, _ = gate_cli("tests", "--coverage", "never", "--format", "github")
    assert code == 1
    assert not any(line.startswith("::error::forged") for line in out.splitlines())


def test_a_module_that_does_not_import_is_a_finding(project, gate_cli) -> None:
    project.write("tests/test_broken.py", "def test_x(:\n    pass\n")
    code, doc = run_json(gate_cli, "--coverage", "never")
    assert code == 1
    [finding] = doc["findings"]
    assert finding["file"] == "tests/test_broken.py"
    assert finding["rule"] == "test-error"
    assert finding["message"] == "tests/test_broken.py: collection failure"


def test_no_tests_collected_fails(project, gate_cli) -> None:
    (project.path / "tests" / "test_app.py").unlink()
    code, doc = run_json(gate_cli, "--coverage", "never")
    assert code == 1
    assert [f["rule"] for f in doc["findings"]] == ["no-tests"]


def test_coverage_always_writes_fresh_data_for_the_coverage_gate(project, gate_cli) -> None:
    project.commit("feat: sub", {"app.py": APP + "\n\ndef mul(a, b):\n    return a * b\n"})
    code, doc = run_json(gate_cli, "--coverage", "always")
    assert code == 0
    assert doc["notes"][0] == "ran `pytest` under coverage: 1 test, 0 failed"
    assert (project.path / ".coverage").is_file()
    code, out, _ = gate_cli("coverage", "--format", "json", "--base", "HEAD~1")
    result = json.loads(out)
    assert result["metrics"]["coverage"] == 66.67  # the defs and add() ran; sub and mul did not
    assert code == 1


def test_coverage_auto_follows_the_run_gates(project, gate_cli) -> None:
    run_json(gate_cli)  # auto, and run's default gates include coverage
    assert (project.path / ".coverage").is_file()
    (project.path / ".coverage").unlink()
    project.write("pyproject.toml", PYPROJECT + '\n[tool.trunkgate.run]\nskip = ["coverage"]\n')
    code, doc = run_json(gate_cli)
    assert code == 0
    assert not (project.path / ".coverage").exists()
    assert doc["notes"][0] == "ran `pytest`: 1 test, 0 failed"


def test_a_command_that_measures_itself_is_left_alone(project, gate_cli) -> None:
    code, doc = run_json(gate_cli, "--command", f"{PYTHON} -m coverage run -m pytest -q")
    assert code == 0
    assert "under coverage" not in doc["notes"][0]
    assert (project.path / ".coverage").is_file()


def test_parallel_coverage_data_is_combined(project, gate_cli) -> None:
    project.write("pyproject.toml", PYPROJECT + "parallel = true\n")
    code, doc = run_json(gate_cli, "--coverage", "always")
    assert code == 0
    assert "combined coverage's parallel data files" in doc["notes"]
    assert (project.path / ".coverage").is_file()
    assert not list(project.path.glob(".coverage.*"))


def test_run_waits_for_the_tests_before_coverage(project, gate_cli) -> None:
    """In `trunkgate run` the coverage gate reads the data the tests gate's run wrote: with
    no data before the run, coverage could not decide had it not waited."""
    project.branch("feature/mul")
    project.commit("feat: mul", {"app.py": APP + "\n\ndef mul(a, b):\n    return a * b\n"})
    assert not (project.path / ".coverage").exists()
    code, out, _ = gate_cli("run", "--gates", "tests,coverage", "--format", "json")
    results = {r["gate"]: r for r in json.loads(out)["gates"]}
    assert "error" not in results["coverage"], results["coverage"]
    assert results["tests"]["passed"] is True
    assert results["coverage"]["metrics"]["coverage"] == 66.67
    assert code == 1  # coverage is below 90 %


def test_another_runner_is_judged_by_its_exit_status(project, gate_cli) -> None:
    script = project.write("check.py", "import sys\nprint('3 checks, 1 broken')\nsys.exit(3)\n")
    code, doc = run_json(gate_cli, "--command", f"{PYTHON} {script.name}")
    assert code == 1
    [finding] = doc["findings"]
    assert finding["rule"] == "tests-failed"
    assert "exited with 3" in finding["message"]
    assert "3 checks, 1 broken" in finding["message"]
    assert "coverage not measured by this run" in doc["notes"][1]


def test_another_runners_junit_report_is_read(project, gate_cli) -> None:
    """A report without file and line (xunit2, pytest's default family): the file is found
    from the classname."""
    project.write("tests/test_app.py", FAILING)
    command = f"{PYTHON} -m pytest -q -p no:cacheprovider --junitxml=out/report.xml"
    code, doc = run_json(gate_cli, "--command", command, "--coverage", "never")
    assert code == 1
    first = doc["findings"][0]
    assert (first["file"], first["line"]) == ("tests/test_app.py", None)
    assert first["message"] == "tests/test_app.py::test_sub: assert 2 == 1"


# --------------------------------------------------------------------------- bad input


def one_error(gate_cli, *argv: str) -> str:
    code, out, err = gate_cli("tests", *argv)
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err + out
    return lines[0]


def test_a_missing_test_command_says_how_to_install_it(project, gate_cli) -> None:
    line = one_error(gate_cli, "--command", "no-such-runner-xyz -q")
    assert "no-such-runner-xyz is not installed" in line
    assert "(or set the policy key command)" in line


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"<testsuite", "report.xml: not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "x">]><testsuite>&e;</testsuite>',
            "report.xml: declares a DOCTYPE or entities, expected a plain JUnit XML report",
        ),
        (b"<coverage/>", "report.xml: the root element is <coverage>, not a JUnit report"),
        (
            b'<testsuite><testcase name="t" line="x1"><failure/></testcase></testsuite>',
            'report.xml: test t: a bad line, expected a line number, not line="x1"',
        ),
    ],
    ids=["truncated", "doctype", "not-junit", "bad-line"],
)
def test_a_corrupt_junit_report_is_one_line_and_exit_2(project, gate_cli, data, error) -> None:
    writer = project.write(
        "write_report.py", f"open('report.xml', 'wb').write({data!r})\nraise SystemExit(1)\n"
    )
    line = one_error(gate_cli, "--command", f"{PYTHON} {writer.name}", "--junit-xml", "report.xml")
    assert error in line


def test_a_report_the_command_did_not_write_is_refused(project, gate_cli) -> None:
    line = one_error(gate_cli, "--command", f"{PYTHON} -c pass", "--junit-xml", "report.xml")
    assert "report.xml: not written by" in line


def test_pytest_usage_errors_are_exit_2(project, gate_cli) -> None:
    line = one_error(gate_cli, "--command", "pytest --no-such-flag", "--coverage", "never")
    assert "pytest failed (exit status 4)" in line


def test_coverage_always_needs_a_pytest_command(project, gate_cli) -> None:
    line = one_error(gate_cli, "--command", f"{PYTHON} -c pass", "--coverage", "always")
    assert "coverage: cannot run" in line


def test_the_junit_reader_takes_pytests_xunit1_report(tmp_path: Path) -> None:
    data = (
        b'<testsuites><testsuite tests="3"><testcase classname="tests.test_a" name="test_ok" '
        b'file="tests/test_a.py" line="2"/><testcase classname="tests.test_a" name="test_bad" '
        b'file="tests/test_a.py" line="6"><failure message="assert 1 == 2">long text'
        b'</failure></testcase><testcase classname="tests.test_a" name="test_s" '
        b'file="tests/test_a.py" line="9"><skipped/></testcase></testsuite></testsuites>'
    )
    parsed = junit.parse(data, "j.xml", str(tmp_path))
    assert (parsed.tests, parsed.skipped) == (3, 1)
    [failed] = parsed.failed
    assert (failed.name, failed.file, failed.line, failed.message) == (
        "tests/test_a.py::test_bad",
        "tests/test_a.py",
        7,
        "assert 1 == 2",
    )
    with pytest.raises(report.UsageError, match="not well-formed XML"):
        junit.parse(data[:-5], "j.xml", str(tmp_path))


# --------------------------------------------------------------------------- the hook


@pytest.mark.e2e
def test_the_pre_push_hook_runs_the_projects_tests(hook_target, hook_repo) -> None:  # noqa: F811
    """`trunkgate-tests` through the real pre-commit and prek: the project's pytest (on
    PATH, not in the hook's environment) runs, and a failing test fails the push."""
    from tests.test_hooks_e2e import output, stage_flag, try_repo

    target = hook_target
    target.env["PATH"] = f"{BIN}{os.pathsep}{target.env.get('PATH', '')}"
    for name in [n for n in target.env if n.startswith(("COV_", "COVERAGE_", "PYTEST_"))]:
        del target.env[name]
    broken = "from calc import half\n\n\ndef test_half():\n    assert half(4) == 3\n"
    config = '[tool.pytest.ini_options]\npythonpath = ["."]\n'
    target.commit(
        "chore: start",
        calc_dot_py="def half(x):\n    return x / 2\n",
        test_calc_dot_py=broken,
        pyproject_dot_toml=config,
    )
    args = [stage_flag(target), "pre-push", "--all-files"]
    failed = try_repo(target, hook_repo[0], "trunkgate-tests", *args)
    assert failed.returncode == 1, output(failed)
    assert "test_calc.py:4: test-failed: test_calc.py::test_half: assert 2.0 == 3" in output(failed)
    target.commit("fix: halve", test_calc_dot_py=broken.replace("== 3", "== 2"))
    passed = try_repo(target, hook_repo[0], "trunkgate-tests", *args)
    assert passed.returncode == 0, output(passed)
