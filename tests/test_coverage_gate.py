"""The coverage gate: real coverage runs of real test suites in temporary projects, real git
diffs, and diff-cover as a second opinion."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shallow_clone
from tests.support.cli import run_cli
from tests.support.runner import outputs
from trunkgate import config, coverage_data, flags, git, report, run
from trunkgate.change import Change
from trunkgate.context import Context
from trunkgate.gates import coverage

PYTHON = sys.executable
BIN = Path(PYTHON).parent

BASE_CALC = """\
def add(a, b):
    return a + b


def sign(n):
    if n > 0:
        return 1
    return -1
"""
# The change: the marked lines are what the feature branch's tests leave out.
CALC = """\
def add(a, b):
    return a + b


def sign(n):
    if n > 0:
        return 1
    if n == 0:  # partial
        return 0  # not run
    return -1


def scale(values, factor):
    if factor == 0:  # partial
        raise ValueError("factor must not be 0")  # not run
    return [v * factor for v in values]


def unused(x):
    y = x * 2  # not run
    return y  # not run
"""
TESTS = """\
from app.calc import add, scale, sign
from app.extra import double
from app.vendored import v


def test_add():
    assert add(1, 2) == 3


def test_sign():
    assert sign(1) == 1
    assert sign(-1) == -1


def test_more():
    assert scale([1, 2], 3) == [3, 6]
    assert double(2) == 4
    assert v() == 2
"""
PYPROJECT = """\
[tool.coverage.run]
branch = true
source = ["app"]
omit = ["app/vendored.py"]

[tool.pytest.ini_options]
pythonpath = ["."]
"""


def marked(text: str, mark: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if f"# {mark}" in line]


NOT_RUN = marked(CALC, "not run")  # [9, 15, 20, 21]
PARTIAL = marked(CALC, "partial")  # [8, 14]
# Changed statements: calc.py 8, 9, 13-16, 19-21 (9) and the new extra.py (2).
CHANGED = 11


# The inner test runs load only the plugins they name (pytest starts four times faster).
QUICK_PYTEST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": "-p pytest_cov"}


def clean_env() -> dict[str, str]:
    """This process's environment without what an outer coverage or pytest-cov run set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "COVERAGE_"))}
    return {**env, **QUICK_PYTEST}


@pytest.fixture(autouse=True)
def _no_outer_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("COV_CORE_", "COVERAGE_")):
            monkeypatch.delenv(name)
    for name, value in QUICK_PYTEST.items():
        monkeypatch.setenv(name, value)


def sh(path: Path, *argv: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        list(argv), cwd=path, env=env or clean_env(), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def measure(path: Path, *reports: str, env: dict[str, str] | None = None) -> None:
    """Run the project's tests under coverage, then write the reports asked for."""
    pytest_argv = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    sh(path, PYTHON, "-m", "coverage", "run", *pytest_argv, env=env)
    for kind in reports:
        sh(path, PYTHON, "-m", "coverage", kind, "-q", env=env)


def write(path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def build(path: Path, env: dict[str, str] | None = None) -> None:
    """A small package on main, and a feature branch that changes, adds, renames, deletes,
    touches an omitted module, the tests and the README."""
    path.mkdir(parents=True, exist_ok=True)
    git_ = ("git", "-c", "commit.gpgsign=false")
    sh(path, "git", "init", "-q", "-b", "main", env=env)
    write(
        path,
        {
            "pyproject.toml": PYPROJECT,
            "app/__init__.py": "",
            "app/calc.py": BASE_CALC,
            "app/old.py": "def gone():\n    return 0\n",
            "app/vendored.py": "def v():\n    return 1\n",
            "README.md": "# demo\n",
            "tests/test_calc.py": (
                "from app.calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
            ),
        },
    )
    sh(path, "git", "add", "-A", env=env)
    sh(path, *git_, "commit", "-q", "-m", "feat: base", env=env)
    sh(path, "git", "checkout", "-q", "-b", "feature/scale", env=env)
    (path / "app/old.py").unlink()
    write(
        path,
        {
            "app/calc.py": CALC,
            "app/extra.py": "def double(x):\n    return 2 * x\n",
            "app/vendored.py": "def v():\n    return 2\n",
            "README.md": "# demo\n\nScaling.\n",
            "tests/test_calc.py": TESTS,
        },
    )
    sh(path, "git", "add", "-A", env=env)
    sh(path, *git_, "commit", "-q", "-m", "feat: scale", env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The feature branch measured once, with all three data sources; tests only read it."""
    path = tmp_path_factory.mktemp("coverage") / "project"
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n")
    env = {
        **clean_env(),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    build(path, env)
    measure(path, "xml", "json", env=env)
    return path


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    return project


def total(path: Path) -> float:
    """coverage's own total (statements and branches), from its JSON report."""
    data = json.loads((path / "coverage.json").read_text())
    return float(data["totals"]["percent_covered"])


def run_gate(capsys, *argv: str) -> tuple[int, dict]:
    code = run_cli("coverage", [*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert not err, err
    return code, json.loads(out)


def rules(data: dict) -> list[tuple[str | None, int | None, str, str]]:
    return [(f["file"], f["line"], f["rule"], f["severity"]) for f in data["findings"]]


def policy(**values: object) -> config.Policy:
    return config.resolve(
        "coverage", {k.replace("_", "-"): v for k, v in values.items()}, start="/"
    )


# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        ([], ""),
        ([7], "7"),
        ([12, 13, 14, 20], "12-14, 20"),
        ([3, 1, 2, 2, 9, 10], "1-3, 9-10"),
    ],
)
def test_line_ranges(lines, text):
    assert coverage.line_ranges(lines) == text


@given(st.sets(st.integers(min_value=1, max_value=300)))
def test_line_ranges_round_trip(lines):
    text = coverage.line_ranges(lines)
    back: set[int] = set()
    previous = -1
    for part in text.split(", ") if text else []:
        first, _, last = part.partition("-")
        low, high = int(first), int(last or first)
        assert low <= high
        assert low > previous + 1  # ranges are apart: adjacent lines would have merged
        back.update(range(low, high + 1))
        previous = high
    assert back == lines


def test_percent_shows_what_rounding_would_hide():
    assert coverage.percent(91.234) == "91.23%"
    assert coverage.percent(89.999, 90) == "89.999%"
    assert coverage.percent(90.0, 90) == "90.00%"


def test_file_coverage_counts_statements_when_no_figure_is_given():
    cov = coverage_data.FileCoverage([1, 2, 3, 4], missing=[4, 9], partial=[2, 4])
    assert cov.missing == {4}
    assert cov.partial == {2}
    assert cov.percent == 75.0
    assert coverage_data.FileCoverage([]).percent == 100.0
    assert "4 statements" in repr(cov)


def test_check_total():
    assert coverage.check_total(91.5, 90) == ([], "total coverage 91.50% (minimum 90%)")
    found, note = coverage.check_total(89.999, 90)
    assert found == [
        report.Finding("fail-under", "total coverage 89.999% is below the minimum 90%")
    ]
    assert note == "total coverage 89.999%"
    assert coverage.check_total(10, 0) == (
        [],
        "total coverage 10.00% (not gated: fail-under is 0)",
    )


def test_check_files_only_with_a_minimum():
    files = {
        "a.py": coverage_data.FileCoverage([1, 2], [2]),
        "b.py": coverage_data.FileCoverage([1]),
        "empty.py": coverage_data.FileCoverage([]),
    }
    assert coverage.check_files(files, policy()) == []
    assert coverage.check_files(files, policy(file_fail_under=60), "src/{}".format) == [
        report.Finding(
            "file-fail-under",
            "coverage 50.00% is below the per-file minimum 60%",
            file="src/a.py",
        )
    ]


def diff(lines: dict[str, set[int]]) -> list[coverage.DiffFile]:
    measured = {
        "a.py": coverage_data.FileCoverage(range(1, 21), missing=[12, 13, 14, 20], partial=[5]),
        "b.py": coverage_data.FileCoverage([1, 2, 3]),
    }
    found, unmeasured = coverage.diff_files(lines, measured)
    assert unmeasured == sorted(set(lines) - set(measured))
    return found


def test_check_diff_fails_below_the_minimum_with_the_exact_lines():
    files = diff({"a.py": {5, 6, 12, 13, 14, 20, 40}, "b.py": {1, 2, 3}, "doc.md": {1}})
    found, note = coverage.check_diff(files, policy())
    assert [(f.rule, f.file, f.line, f.severity) for f in found] == [
        ("diff-coverage", None, None, "error"),
        ("diff-partial-branch", "a.py", 5, "warning"),
        ("diff-uncovered", "a.py", 12, "error"),
    ]
    assert found[0].message == (
        "diff coverage 55.56% is below the minimum 90% (4 of 9 changed lines not covered)"
    )
    assert found[2].message == "lines 12-14, 20 are not covered"
    assert found[1].message == "line 5 is only partly covered: a branch is never taken"
    assert note == "diff coverage 55.56%: 5 of 9 changed lines covered"


def test_check_diff_passing_keeps_uncovered_lines_as_warnings():
    files = diff({"a.py": {20}, "b.py": {1, 2, 3}})
    found, note = coverage.check_diff(files, policy(diff_fail_under=75, diff_min_lines=1))
    assert [(f.rule, f.severity, f.message) for f in found] == [
        ("diff-uncovered", "warning", "line 20 is not covered")
    ]
    assert note == "diff coverage 75.00%: 3 of 4 changed lines covered (minimum 75%)"


def test_check_diff_does_not_gate_a_tiny_change():
    files = diff({"a.py": {12, 13}, "b.py": {1}})
    found, note = coverage.check_diff(files, policy(diff_min_lines=5))
    assert [f.severity for f in found] == ["warning"]
    assert note == (
        "diff coverage 33.33%: 1 of 3 changed lines covered "
        "(not gated: fewer than diff-min-lines, 5)"
    )


def test_check_diff_without_coverable_lines():
    files = diff({"a.py": {40, 41}})
    assert coverage.check_diff(files, policy()) == (
        [],
        "diff coverage: no coverable lines changed",
    )
    assert coverage.diff_percent(files) == (0, 0, None)


def test_path_map(tmp_path):
    top = str(tmp_path / "repo")
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg" / "a.py").write_text("")
    paths = coverage_data.PathMap(top, [])
    assert paths(f"{top}/src/pkg/a.py") == "src/pkg/a.py"
    assert paths("src/./pkg/a.py") == "src/pkg/a.py"
    assert paths("/elsewhere/a.py") == "/elsewhere/a.py"
    two = coverage_data.PathMap(top, [f"{top}/lib", f"{top}/src"])
    assert two("pkg/a.py") == "src/pkg/a.py"  # the folder that holds it
    assert two("pkg/b.py") == "lib/pkg/b.py"  # else the first


# --------------------------------------------------------------------------- changed lines


def test_changed_lines_of_odd_names_renames_deletions_binary_and_modes(repo):
    odd = ["sp ace.py", "tab\there.py", 'quo"te.py', "né.py", "back\\slash.py", "ctl\x01.py"]
    repo.commit(
        "chore: base",
        {
            "keep.py": "a\nb\nc\n",
            "gone.py": "x\n",
            "old/name.py": "m\nn\n",
            "tool.sh": "echo\n",
            "tail.py": "a",
        },
    )
    base = repo.head()
    (repo.path / "gone.py").unlink()
    repo.git("mv", "old/name.py", "new_name.py")
    (repo.path / "tool.sh").chmod(0o755)
    (repo.path / "blob.bin").write_bytes(b"\x00\x01\x02")
    repo.commit(
        "feat: change",
        {
            **dict.fromkeys(odd, "1\n"),
            "keep.py": "a\nB\nc\nd\n++ b/fake.py\n@@ -1 +1 @@\n",
            "tail.py": "a\nb",
        },
    )
    found = git.changed_lines(base, "HEAD")
    assert found == {
        **{name: {1} for name in odd},
        "keep.py": {2, 4, 5, 6},
        "new_name.py": {1, 2},
        "tail.py": {1, 2},
    }
    assert git.changed_lines(base, "HEAD", paths=["keep.py"]) == {"keep.py": {2, 4, 5, 6}}


LINES = st.lists(st.sampled_from(["a", "b", "c", "", "++ b/x.py", "@@ -1 +1 @@", "\\ z"]))


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(item == other for other in rest) for item in part)


def file_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(old=LINES, new=LINES, old_eol=st.booleans(), new_eol=st.booleans())
def test_changed_lines_agree_with_any_diff_git_makes(repo, old, new, old_eol, new_eol):
    """Whatever hunks git chooses, the lines it does not report as new are old lines, in order,
    and the reported ones exist in the new file."""
    before = "\n".join(old) + ("\n" if old_eol else "")
    after = "\n".join(new) + ("\n" if new_eol else "")
    repo.write("f.py", before)
    repo.commit("chore: old")
    repo.write("f.py", after)
    found = git.changed_lines("HEAD")
    assert set(found) <= {"f.py"}
    changed = found.get("f.py", set())
    lines = file_lines(after)
    assert changed <= set(range(1, len(lines) + 1))
    kept = [line for n, line in enumerate(lines, 1) if n not in changed]
    assert is_subsequence(kept, file_lines(before))
    if before == after:
        assert changed == set()


def test_changed_lines_reads_the_working_tree_and_pure_deletions(repo):
    repo.commit("chore: base", {"a.py": "1\n2\n3\n", "b.py": "x\n"})
    repo.write("a.py", "1\n3\n")
    repo.write("b.py", "x\ny\n")
    assert git.changed_lines("HEAD") == {"a.py": set(), "b.py": {2}}
    assert git.changed_lines("HEAD", "HEAD") == {}


# --------------------------------------------------------------------------- the gate


@pytest.mark.parametrize("data", [".coverage", "coverage.xml", "coverage.json"])
def test_the_three_data_sources_give_the_same_verdict(in_project, capsys, data):
    code, out = run_gate(capsys, "--base", "main", "--data", data)
    assert code == 1
    assert rules(out) == [
        (None, None, "fail-under", "error"),
        (None, None, "diff-coverage", "error"),
        ("app/calc.py", PARTIAL[0], "diff-partial-branch", "warning"),
        ("app/calc.py", NOT_RUN[0], "diff-uncovered", "error"),
    ]
    messages = [f["message"] for f in out["findings"]]
    assert messages[1] == (
        f"diff coverage 63.64% is below the minimum 90% (4 of {CHANGED} changed lines not covered)"
    )
    assert messages[2] == "lines 8, 14 are only partly covered: a branch is never taken"
    assert messages[3] == "lines 9, 15, 20-21 are not covered"
    kind = {".coverage": "coverage data", "coverage.xml": "Cobertura XML report"}
    assert f"read {data} ({kind.get(data, 'JSON report')})" in out["notes"]
    assert out["metrics"] == {"coverage": round(total(in_project), 2), "diff-coverage": 63.64}
    assert messages[0] == f"total coverage {total(in_project):.2f}% is below the minimum 90%"
    scope = out["notes"][-1]
    assert scope.endswith("not measured: README.md, app/vendored.py, tests/test_calc.py")
    assert "in 5 changed files since" in scope


def test_passes_with_lower_minimums_and_keeps_the_uncovered_lines_as_warnings(in_project, capsys):
    code, out = run_gate(capsys, "--base", "main", "--fail-under", "70", "--diff-fail-under", "60")
    assert code == 0
    assert rules(out) == [
        ("app/calc.py", 8, "diff-partial-branch", "warning"),
        ("app/calc.py", 9, "diff-uncovered", "warning"),
    ]
    assert f"total coverage {total(in_project):.2f}% (minimum 70%)" in out["notes"]


def test_text_output_names_the_lines(in_project, capsys):
    assert run_cli("coverage", ["--base", "main", "--data", "coverage.xml"]) == 1
    out = capsys.readouterr().out
    assert "app/calc.py:9: diff-uncovered: lines 9, 15, 20-21 are not covered" in out
    assert coverage.FIX in out
    assert out.rstrip().endswith("trunkgate coverage: failed (3 errors, 1 warning)")


def test_a_change_with_few_lines_is_reported_not_gated(in_project, capsys):
    code, out = run_gate(capsys, "--base", "main", "--diff-min-lines", "12", "--fail-under", "0")
    assert code == 0
    assert ("app/calc.py", 9, "diff-uncovered", "warning") in rules(out)
    assert any("not gated: fewer than diff-min-lines, 12" in n for n in out["notes"])


@pytest.mark.parametrize("data", coverage.CANDIDATES)
def test_per_file_minimum(in_project, capsys, data):
    code, out = run_gate(
        capsys, "--base", "main", "--data", data, "--fail-under", "0", "--file-fail-under", "80"
    )
    assert code == 1
    assert ("app/calc.py", None, "file-fail-under", "error") in rules(out)
    assert [f for f in out["findings"] if f["rule"] == "file-fail-under"] == [
        {
            "file": "app/calc.py",
            "line": None,
            "rule": "file-fail-under",
            "severity": "error",
            "message": "coverage 71.43% is below the per-file minimum 80%",
        }
    ]


@pytest.mark.parametrize("data", [".coverage", "coverage.xml"])
def test_diff_only_skips_the_total(in_project, capsys, data):
    code, out = run_gate(
        capsys, "--base", "main", "--diff-only", "--data", data, "--file-fail-under", "99"
    )
    assert code == 1
    assert [r[2] for r in rules(out)] == ["diff-coverage", "diff-partial-branch", "diff-uncovered"]
    assert out["metrics"] == {"diff-coverage": 63.64}
    assert "total coverage not checked (--diff-only)" in out["notes"]


def test_data_file_without_gates_on_the_total_analyses_only_the_changed_files(in_project, capsys):
    code, out = run_gate(capsys, "--base", "main", "--data", ".coverage", "--fail-under", "0")
    assert code == 1
    assert "coverage" not in out["metrics"]
    assert "total coverage not measured (fail-under and file-fail-under are 0)" in out["notes"]


@pytest.mark.parametrize("data", coverage.CANDIDATES)
def test_files_given_limit_the_diff(in_project, capsys, data):
    code, out = run_gate(capsys, "--base", "main", "--data", data, "--diff-only", "app/extra.py")
    assert code == 0
    assert out["metrics"]["diff-coverage"] == 100.0
    assert "in 1 changed file since" in out["notes"][-1]


def test_an_empty_diff_passes_and_says_so(in_project, capsys):
    code, out = run_gate(capsys, "--base", "HEAD", "--fail-under", "0")
    assert code == 0
    assert out["findings"] == []
    assert out["notes"][-1].startswith("diff coverage: nothing to measure, no lines changed since")


@pytest.mark.parametrize("data", coverage.CANDIDATES)
def test_changed_files_without_coverable_lines(in_project, capsys, data):
    code, out = run_gate(capsys, "--base", "main", "--data", data, "--diff-only", "README.md")
    assert code == 0
    assert out["notes"][-1].startswith("diff coverage: no coverable lines changed, in 1 changed")
    assert out["notes"][-1].endswith("not measured: README.md")


def test_files_omitted_by_the_report_configuration(in_project, capsys, monkeypatch, tmp_path):
    """[report] omit leaves a measured file out: coverage then has nothing to report on it."""
    rc = tmp_path / "coveragerc"
    rc.write_text("[report]\nomit = */extra.py\n")
    monkeypatch.setenv("COVERAGE_RCFILE", str(rc))
    code, out = run_gate(capsys, "--base", "main", "--data", ".coverage", "--diff-only", "app/")
    assert code == 1
    assert out["notes"][-1].endswith("not measured: app/extra.py, app/vendored.py")
    code, out = run_gate(
        capsys, "--base", "main", "--data", ".coverage", "--diff-only", "app/extra.py"
    )
    assert code == 0
    assert out["notes"][-1].endswith("not measured: app/extra.py")
    rc.write_text("[report]\nomit = */app/*\n")
    message = one_error(capsys, "--base", "main", "--data", ".coverage")
    assert message.endswith(".coverage: No data to report.")
    message = one_error(capsys, "--base", "main", "--data", ".coverage", "--file-fail-under", "1")
    assert message.endswith(".coverage: No data to report.")


def test_a_cobertura_report_from_another_producer(tmp_path):
    """Lines listed again under <methods>, no counts on the root: the line-rate is the total."""
    report_ = (
        b"<?xml version='1.0'?>\n<coverage line-rate='0.5' branch-rate='0'>"
        b"<sources><source>src</source><source>/opt/lib</source></sources><packages><package>"
        b"<classes><class filename='m.py'><methods><method><lines>"
        b"<line number='1' hits='3'/></lines></method></methods><lines>"
        b"<line number='1' hits='3'/><line number='2' hits='0' branch='true' "
        b"condition-coverage='0% (0/2)'/><line number='3' hits='2' branch='true' "
        b"condition-coverage='50% (1/2)'/><line number='4' hits='0'/></lines></class>"
        b"<class name='no file'/></classes></package></packages></coverage>"
    )
    top = str(tmp_path)
    measured = coverage_data.read_xml(report_, "c.xml", top, top)
    assert measured.total == 50.0
    assert sorted(measured.files) == ["src/m.py"]
    cov = measured.files["src/m.py"]
    assert (cov.statements, cov.missing, cov.partial) == ({1, 2, 3, 4}, {2, 4}, {3})
    assert cov.percent == 37.5  # (2 lines + 1 branch) of (4 lines + 4 branches)
    assert coverage_data.read_xml(report_, "c.xml", top, top, only={"x.py": {1}}).files == {}
    narrow = coverage_data.read_xml(report_, "c.xml", top, top, only={"src/m.py": {2, 3, 9}})
    cov = narrow.files["src/m.py"]
    assert (cov.statements, cov.missing, cov.partial) == ({2, 3}, {2}, {3})


def cobertura(classes: int = 12, *, comment: str = "", extra: str = "", close: str = "</class>"):
    """A Cobertura report of `classes` files, each with lines 1-4: 1 and 3 run, 3 a branch
    half taken; the last class is empty and self-closing."""
    body = "".join(
        f'<class name="m{i}" filename="pkg/m{i}&amp;co.py" note="a>b"><methods/><lines>'
        '<line number="1" hits="1"/><line number="2" hits="0"/>'
        '<line number="3" hits="2" branch="true" condition-coverage="50% (1/2)"/>'
        f'<line number="4" hits="0"/></lines>{extra}{close}\n'
        for i in range(classes)
    )
    return (
        f"<?xml version='1.0'?>\n{comment}<coverage line-rate='0.5' lines-valid='4' "
        "lines-covered='2'><sources><source>/src</source></sources><packages><package "
        f'name="pkg"><classes>{body}<class filename="pkg/empty.py"/></classes></package>'
        "</packages></coverage>\n"
    ).encode()


@pytest.mark.parametrize(
    "doc",
    [
        cobertura(),
        cobertura(comment="<!-- <class filename='pkg/m1&amp;co.py'> -->"),
        cobertura(comment="<?note <class?>"),
        cobertura(extra="<![CDATA[ ]]>"),
        cobertura(extra='<class filename="pkg/inner.py"></class>'),
        cobertura(close="</class >"),
        cobertura(classes=2),
    ],
    ids=["plain", "comment", "instruction", "cdata", "nested", "spaced-end", "few-classes"],
)
def test_reading_only_some_classes_agrees_with_reading_every_element(doc):
    """A few wanted classes are read without handling every element in Python; whatever the
    report holds, the result is the one of the full read."""
    only = {"pkg/m1&co.py": {1, 2, 3, 9}, "pkg/empty.py": {1}, "elsewhere.py": {1}}
    every = coverage_data.read_xml(doc, "c.xml", "/src", "/src")
    some = coverage_data.read_xml(doc, "c.xml", "/src", "/src", only=only)
    assert sorted(some.files) == ["pkg/empty.py", "pkg/m1&co.py"]
    assert some.files["pkg/empty.py"].statements == set()
    assert some.total == every.total == 50.0
    cov, full = some.files["pkg/m1&co.py"], every.files["pkg/m1&co.py"]
    assert (cov.statements, cov.missing, cov.partial) == ({1, 2, 3}, {2}, {3})
    assert (full.statements, full.missing, full.partial) == ({1, 2, 3, 4}, {2, 4}, {3})


def test_reading_some_classes_of_a_report_in_another_encoding():
    latin = cobertura().decode().replace("m1&amp;co", "m1\u00e9")
    latin = latin.replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='ISO-8859-1'?>")
    doc = latin.encode("latin-1")
    some = coverage_data.read_xml(doc, "c.xml", "/src", "/src", only={"pkg/m1\u00e9.py": {1, 2}})
    assert some.files["pkg/m1\u00e9.py"].statements == {1, 2}


def test_reading_some_classes_that_use_a_namespace_declared_above_them():
    """Parsed apart, a class would lose its ancestors' namespace declarations: read whole."""
    doc = cobertura(extra="<x:note/>").replace(b"<coverage ", b"<coverage xmlns:x='urn:x' ")
    some = coverage_data.read_xml(doc, "c.xml", "/src", "/src", only={"pkg/m1&co.py": {1, 2}})
    assert some.files["pkg/m1&co.py"].statements == {1, 2}


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        (
            cobertura().replace(b"</coverage>", b"</coverge>"),
            "c.xml: not well-formed XML (mismatched tag: line 14, column 65), expected",
        ),
        (
            cobertura().replace(b"?>\n", b"?>\n<!DOCTYPE coverage>"),
            "c.xml: declares a DOCTYPE or entities, expected a plain Cobertura report",
        ),
    ],
    ids=["broken", "doctype"],
)
def test_a_bad_report_read_in_part_or_whole_says_the_same(doc, error):
    for only in (None, {"pkg/m1&co.py": {1}}):
        with pytest.raises(report.UsageError) as caught:
            coverage_data.read_xml(doc, "c.xml", "/src", "/src", only=only)
        assert str(caught.value).startswith(error)


def test_a_data_file_that_cannot_be_read(tmp_path):
    with pytest.raises(report.UsageError, match=r"^cov: cannot read the file \("):
        coverage_data.read(str(tmp_path), "cov", str(tmp_path))


def test_the_newest_data_source_is_read_and_a_report_wins_a_tie(project, tmp_path, monkeypatch):
    for name in coverage.CANDIDATES:
        shutil.copy(project / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    now = 1_800_000_000
    for offset, name in enumerate(coverage.CANDIDATES):
        os.utime(tmp_path / name, (now + offset, now + offset))
    assert coverage.find_data(config.resolve("coverage")) == str(tmp_path / "coverage.json")
    os.utime(tmp_path / ".coverage", (now + 9, now + 9))
    assert coverage.find_data(config.resolve("coverage")) == str(tmp_path / ".coverage")
    os.utime(tmp_path / "coverage.xml", (now + 9, now + 9))
    assert coverage.find_data(config.resolve("coverage")) == str(tmp_path / "coverage.xml")


def test_cross_check_with_diff_cover(project, tmp_path, monkeypatch, capsys):
    """The same change, measured by diff-cover from the same coverage.xml: same percentage,
    same uncovered lines. (A rename is left out: diff-cover follows renames, we count a
    renamed file as added, see test_a_renamed_file_counts_as_added.)"""
    monkeypatch.chdir(project)
    out_json = tmp_path / "diff-cover.json"
    sh(
        project,
        str(BIN / "diff-cover"),
        "coverage.xml",
        "--compare-branch",
        "main",
        "--format",
        f"json:{out_json}",
        "--total-percent-float",
        "-q",
    )
    theirs = json.loads(out_json.read_text())
    code, ours = run_gate(capsys, "--base", "main", "--data", "coverage.xml", "--diff-only")
    assert code == 1
    assert theirs["total_num_lines"] == CHANGED
    assert theirs["total_num_violations"] == len(NOT_RUN)
    assert ours["metrics"]["diff-coverage"] == theirs["total_percent_covered"]
    uncovered = {f["file"]: f["message"] for f in ours["findings"] if f["rule"] == "diff-uncovered"}
    violations = {
        path: stats["violation_lines"]
        for path, stats in theirs["src_stats"].items()
        if stats["violation_lines"]
    }
    assert violations == {"app/calc.py": NOT_RUN}
    assert uncovered == {"app/calc.py": f"lines {coverage.line_ranges(NOT_RUN)} are not covered"}


def test_a_renamed_file_counts_as_added(repo, capsys):
    build(repo.path)
    repo.git("mv", "app/calc.py", "app/maths.py")
    repo.write("tests/test_calc.py", TESTS.replace("app.calc", "app.maths"))
    repo.commit("refactor: rename calc")
    measure(repo.path, "xml")
    code, out = run_gate(capsys, "--base", "main", "--data", "coverage.xml", "--fail-under", "0")
    assert code == 1
    # the whole of maths.py is new: its 15 statements and the 2 of extra.py
    assert "4 of 17 changed lines not covered" in out["findings"][0]["message"]
    assert ("app/maths.py", 9, "diff-uncovered", "error") in rules(out)


def test_relative_files_data(repo, capsys):
    build(repo.path)
    repo.write(
        "pyproject.toml", PYPROJECT.replace("branch = true", "branch = true\nrelative_files = true")
    )
    repo.commit("build: relative coverage paths")
    measure(repo.path, "xml")
    with sqlite3.connect(repo.path / ".coverage") as db:
        names = [row[0] for row in db.execute("select path from file")]
    assert "app/calc.py" in names
    for data in (".coverage", "coverage.xml"):
        code, out = run_gate(capsys, "--base", "main", "--data", data, "--fail-under", "0")
        assert code == 1, data
        assert ("app/calc.py", 9, "diff-uncovered", "error") in rules(out)


def test_project_in_a_subfolder_of_the_repository(repo, capsys, monkeypatch):
    build(repo.path / "svc")
    shutil.rmtree(repo.path / "svc" / ".git")
    repo.write("svc/pyproject.toml", PYPROJECT + '\n[tool.trunkgate]\ntrunk = "main"\n')
    repo.write("other.py", "x = 1\n")
    repo.commit("feat: service")
    base = repo.head()
    repo.write("svc/app/calc.py", CALC + "\n\ndef more():\n    return 1\n")
    repo.write("other.py", "x = 2\n")
    repo.commit("feat: more")
    monkeypatch.chdir(repo.path / "svc")
    measure(repo.path / "svc", "json")
    code, out = run_gate(
        capsys,
        "--base",
        base,
        "--fail-under",
        "0",
        "--diff-min-lines",
        "1",
        "--data",
        "coverage.json",
    )
    assert code == 1
    # only the project's own files are measured; paths are relative to the project
    assert ("app/calc.py", 25, "diff-uncovered", "error") in rules(out)
    assert out["notes"][-1].endswith(f"in 1 changed file since {base[:10]}")
    # a file outside the project, named on the command line, is named from the project
    code, out = run_gate(
        capsys, "--base", base, "--diff-only", "--data", "coverage.json", "../other.py"
    )
    assert code == 0
    assert out["notes"][-1].endswith("not measured: ../other.py")


# --------------------------------------------------------------------------- context


def test_ci_measures_from_the_pull_request_base(in_project, capsys, github_env):
    base = git.rev_parse("main")
    _, output = github_env("pull_request", {"pull_request": {"base": {"sha": base}}})
    code = run_cli("coverage", ["--format", "github", "--data", "coverage.xml"])
    out = capsys.readouterr().out
    assert code == 1
    assert "::error file=app/calc.py,line=9,title=trunkgate coverage%3A diff-uncovered::" in out
    assert "(the pull request's base)" in out
    written = outputs(output.read_text())
    assert written["diff-coverage"] == "63.64"
    assert written["coverage"] == str(round(total(in_project), 2))


def test_ci_push_measures_from_the_previous_commit(in_project, capsys, github_env):
    github_env("push", {"before": git.rev_parse("HEAD~1"), "after": git.rev_parse("HEAD")})
    code, out = run_gate(capsys, "--data", "coverage.json", "--fail-under", "0")
    assert code == 1
    assert "(the push's previous commit)" in out["notes"][-1]


@pytest.mark.parametrize(
    ("event", "payload", "ref"),
    [
        ("workflow_dispatch", {"inputs": {}, "ref": "refs/heads/main"}, "refs/heads/main"),
        ("schedule", {"schedule": "17 5 * * 1"}, "refs/heads/main"),
        ("push", {"before": "0" * 40, "after": "a" * 40}, "refs/tags/v1.0.0"),
    ],
)
def test_ci_without_a_base_judges_the_total_only(
    in_project, capsys, github_env, event, payload, ref
):
    """A manual run, a schedule, a tag push: no change to measure, so no exit 2; the total
    still decides (here below 90 %, so the gate fails, and passes at a lower minimum)."""
    github_env(event, payload, ref=ref)
    code, out = run_gate(capsys, "--data", "coverage.json")
    assert code == 1, out
    kind = event.replace("push", "tag")
    assert out["notes"][-1] == (
        f"diff coverage not measured: a {kind} event has no base to compare with"
    )
    assert {f["rule"] for f in out["findings"]} == {"fail-under"}, out
    code, out = run_gate(capsys, "--data", "coverage.json", "--fail-under", "1")
    assert code == 0, out


def test_locally_the_trunk_is_the_default_base(in_project, capsys):
    code, out = run_gate(capsys, "--data", "coverage.json", "--fail-under", "0")
    assert code == 1
    assert out["notes"][-1].endswith(
        "(the trunk, main); not measured: README.md, app/vendored.py, tests/test_calc.py"
    )


def test_trunk_run_calls_the_gate_with_default_options(in_project):
    shared = flags.Options({"base": "main", "all": False, "config": None}, {})
    opts = run.defaults(coverage, {}, shared)
    policy = config.resolve("coverage")
    result = coverage.gate(policy, opts, Change.of(Context(), policy, shared))
    assert not result.passed
    assert result.metrics["diff-coverage"] == 63.64


# --------------------------------------------------------------------------- --run-tests


def test_run_tests_measures_afresh(repo, capsys):
    build(repo.path)
    (repo.path / ".coverage").write_bytes(b"stale garbage")
    code, out = run_gate(capsys, "--run-tests", "--base", "main", "--fail-under", "0")
    assert code == 1
    assert out["notes"][0] == "ran the tests: pytest --cov"
    assert "read .coverage (coverage data)" in out["notes"]
    assert ("app/calc.py", 9, "diff-uncovered", "error") in rules(out)


def test_run_tests_that_do_not_measure(repo, capsys):
    build(repo.path)
    measure(repo.path, "xml")
    old = 1_500_000_000
    for name in (".coverage", "coverage.xml"):
        os.utime(repo.path / name, (old, old))
    message = one_error(capsys, "--run-tests", "--test-command", "pytest -q", "--base", "main")
    assert message.endswith(
        "coverage.xml: older than the test run, so test-command `pytest -q` does not measure "
        "coverage; make it (pytest --cov, coverage run -m pytest), or point the policy key data "
        "at the file it writes"
    )


def test_run_tests_that_fail(repo, capsys):
    build(repo.path)
    repo.write("tests/test_broken.py", "def test_broken():\n    assert 1 == 2\n")
    code, out = run_gate(capsys, "--run-tests", "--base", "main")
    assert code == 1
    assert rules(out) == [(None, None, "tests-failed", "error")]
    message = out["findings"][0]["message"]
    assert message.startswith("the tests failed (`pytest --cov` exited with 1):")
    assert "1 failed, 3 passed" in message


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("no-such-runner-xyz -q", "no-such-runner-xyz is not installed"),
        ("pytest 'unclosed", "test-command: cannot split"),
        ("''", "test-command: empty, expected a command"),
        (f"{PYTHON} -c 'import sys; sys.exit(3)'", "failed (exit status 3)"),
    ],
)
def test_run_tests_bad_commands(repo, capsys, command, error):
    repo.commit("chore: base", {"a.py": "x = 1\n"})
    code = run_cli("coverage", ["--run-tests", "--test-command", command])
    err = capsys.readouterr().err
    assert code == 2
    assert error in err


# --------------------------------------------------------------------------- bad input


def one_error(capsys, *argv: str) -> str:
    code = run_cli("coverage", list(argv))
    out, err = capsys.readouterr()
    assert code == 2, out
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("trunkgate coverage: error: ")
    return lines[0]


@pytest.fixture
def small(repo) -> Path:
    repo.commit("chore: base", {"app.py": "x = 1\n"})
    return repo.path


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (".coverage", b"\x00garbage\xff" * 10, ".coverage: not coverage data, expected"),
        (".coverage", b"", ".coverage: not coverage data, expected"),
        (
            ".coverage",
            coverage_data.SQLITE + b"\x00" * 200,
            ".coverage: Couldn't use data file",
        ),
        (
            "coverage.xml",
            b"<?xml version='1.0'?><report name='jacoco'><counter/></report>",
            "coverage.xml: the root element is <report>, not a Cobertura report, expected "
            "<coverage>",
        ),
        (
            "coverage.xml",
            b"<coverage version='1'><packages/></coverage>",
            "coverage.xml: the <coverage> element has no line-rate, expected a Cobertura report",
        ),
        (
            "coverage.xml",
            b"<coverage line-rate='1' lines-valid='x'/>",
            "coverage.xml: the <coverage> element has bad counts, expected whole numbers",
        ),
        (
            "coverage.xml",
            b"<?xml version='1.0'?>\n<!DOCTYPE c [<!ENTITY a 'aaaa'>]>\n<coverage line-rate='1'/>",
            "coverage.xml: declares a DOCTYPE or entities, expected a plain Cobertura report",
        ),
        (
            "coverage.xml",
            b"<coverage line-rate='1'><packages>",
            "coverage.xml: not well-formed XML (no element found: line 1, column 34)",
        ),
        ("coverage.json", b"{nope", "coverage.json: not JSON (Expecting property name"),
        (
            "coverage.json",
            b'{"files": {}}',
            "coverage.json: not a coverage.py JSON report (no files and totals.percent_covered)",
        ),
    ],
)
def test_bad_data(small, capsys, name, content, error):
    (small / name).write_bytes(content)
    assert error in one_error(capsys, "--base", "HEAD", "--data", name)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "coverage.xml",
            b"<coverage line-rate='1'><sources><source>.</source></sources><packages><package>"
            b"<classes><class filename='a.py'><lines><line number='x' hits='1'/></lines>"
            b"</class></classes></package></packages></coverage>",
            "coverage.xml: a.py: a <line> without a number or hits, expected",
        ),
        (
            "coverage.json",
            b'{"files": {"a.py": {"executed_lines": "1"}}, "totals": {"percent_covered": 1}}',
            "coverage.json: files['a.py'] is not a file's report, expected",
        ),
        (
            "coverage.json",
            b'{"files": {"a.py": {"executed_lines": [1], "missing_lines": ["2"]}}, '
            b'"totals": {"percent_covered": 1}}',
            "coverage.json: files['a.py'] is not a file's report, expected",
        ),
    ],
)
def test_bad_file_entries(small, capsys, name, content, error):
    """A file's entry is read when it is needed: for the per-file minimum, or changed."""
    (small / name).write_bytes(content)
    assert error in one_error(capsys, "--base", "HEAD", "--data", name, "--file-fail-under", "1")


# --------------------------------------------------------------------------- bad numbers


def xml_report(root: str = "", line: str = 'number="1" hits="1"') -> bytes:
    """A Cobertura report of app.py (two lines, one run); `root` replaces its counts and
    line-rate, `line` the first line's attributes."""
    root = root or 'line-rate="0.5" lines-valid="2" lines-covered="1"'
    return (
        f"<?xml version='1.0'?>\n<coverage {root}><sources><source>.</source></sources>"
        f'<packages><package name="."><classes><class name="app.py" filename="app.py"><lines>'
        f'<line {line}/><line number="2" hits="0"/></lines></class></classes></package>'
        "</packages></coverage>\n"
    ).encode()


def json_report(totals: str = "", entry: str = "") -> bytes:
    """A JSON report of app.py (two lines, one run); `totals` replaces its totals, `entry`
    the file's lines and summary."""
    totals = totals or '"percent_covered": 50.0, "num_statements": 2, "covered_lines": 1'
    entry = entry or '"executed_lines": [1], "missing_lines": [2]'
    return f'{{"files": {{"app.py": {{{entry}}}}}, "totals": {{{totals}}}}}'.encode()


RATE = "coverage.xml: the <coverage> element has a bad line-rate, expected a number from 0 to 1"
PERCENT = (
    "coverage.json: totals.percent_covered is not a percentage, expected a number from 0 to 100"
)
# (id, report, the error it makes)
BAD_TOTALS = [
    ("xml-nan", xml_report('line-rate="nan"'), f'{RATE}, not line-rate="nan"'),
    ("xml-inf", xml_report('line-rate="inf"'), f'{RATE}, not line-rate="inf"'),
    ("xml-1e999", xml_report('line-rate="1e999"'), f'{RATE}, not line-rate="1e999"'),
    ("xml-negative-rate", xml_report('line-rate="-0.5"'), f'{RATE}, not line-rate="-0.5"'),
    ("xml-rate-above-1", xml_report('line-rate="1.5"'), f'{RATE}, not line-rate="1.5"'),
    ("xml-rate-not-a-number", xml_report('line-rate="most"'), f'{RATE}, not line-rate="most"'),
    ("json-nan", json_report('"percent_covered": NaN'), f"{PERCENT}, not NaN"),
    ("json-inf", json_report('"percent_covered": Infinity'), f"{PERCENT}, not Infinity"),
    ("json-1e999", json_report('"percent_covered": 1e999'), f"{PERCENT}, not Infinity"),
    ("json-negative", json_report('"percent_covered": -1'), f"{PERCENT}, not -1"),
    ("json-above-100", json_report('"percent_covered": 100.5'), f"{PERCENT}, not 100.5"),
    (
        "json-file-nan",
        json_report(
            entry='"executed_lines": [1], "missing_lines": [], "summary": {"percent_covered": NaN}'
        ),
        "coverage.json: files['app.py'].summary.percent_covered is not a percentage, "
        "expected a number from 0 to 100, not NaN",
    ),
    *(
        (
            f"json-file-{kind}",
            json_report(
                entry=f'"executed_lines": [1], "missing_lines": [], "summary": '
                f'{{"percent_covered": {value}}}'
            ),
            "coverage.json: files['app.py'].summary.percent_covered is not a percentage, "
            f"expected a number from 0 to 100, not {shown}",
        )
        for kind, value, shown in [
            ("string", '"50"', '"50"'),
            ("array", "[50]", "[50]"),
            ("array-of-strings", '["50"]', "an array"),
            ("object", "{}", "an object"),
        ]
    ),
]
COUNTS = "coverage.xml: the <coverage> element has bad counts, expected"
LINE = 'coverage.xml: app.py: a <line> without a number or hits, expected number="N" hits="N"'
CONDITION = (
    "coverage.xml: app.py: line 1 has a bad condition-coverage, "
    'expected "P% (TAKEN/ALL)" with whole numbers, TAKEN at most ALL'
)
ENTRY = "coverage.json: files['app.py'] is not a file's report, expected"
LISTS = f"{ENTRY} executed_lines and missing_lines as lists of line numbers"
BAD_COUNTS = [
    (
        "xml-negative-counts",
        xml_report('line-rate="1" lines-valid="-5" lines-covered="-5"'),
        f'{COUNTS} whole numbers, not lines-valid="-5"',
    ),
    (
        "xml-fraction",
        xml_report('line-rate="1" lines-valid="2.5" lines-covered="1"'),
        f'{COUNTS} whole numbers, not lines-valid="2.5"',
    ),
    (
        "xml-long-count",
        xml_report(f'line-rate="1" lines-valid="{"9" * 50}x" lines-covered="1"'),
        f'{COUNTS} whole numbers, not lines-valid="{"9" * 37}..."',
    ),
    (
        "xml-covered-above-valid",
        xml_report('line-rate="0.5" lines-valid="2" lines-covered="1998"'),
        f'{COUNTS} lines-covered at most lines-valid, not lines-covered="1998" lines-valid="2"',
    ),
    (
        "xml-branches-covered-above-valid",
        xml_report(
            'line-rate="1" lines-valid="2" lines-covered="2" branches-valid="1" '
            'branches-covered="2"'
        ),
        f"{COUNTS} branches-covered at most branches-valid, "
        'not branches-covered="2" branches-valid="1"',
    ),
    (
        "xml-negative-hits",
        xml_report(line='number="1" hits="-1"'),
        f'{LINE} with whole numbers N, not <line number="1" hits="-1">',
    ),
    (
        "xml-negative-line",
        xml_report(line='number="-1" hits="1"'),
        f'{LINE} with whole numbers N, not <line number="-1" hits="1">',
    ),
    (
        "xml-branches-taken-above-all",
        xml_report(line='number="1" hits="1" branch="true" condition-coverage="150% (3/2)"'),
        f'{CONDITION}, not condition-coverage="150% (3/2)"',
    ),
    (
        "xml-negative-branches",
        xml_report(line='number="1" hits="1" branch="true" condition-coverage="50% (-1/2)"'),
        f'{CONDITION}, not condition-coverage="50% (-1/2)"',
    ),
    (
        "json-negative-count",
        json_report('"percent_covered": 100, "num_statements": -2, "covered_lines": -2'),
        "coverage.json: totals.num_statements is not a count, expected a whole number, not -2",
    ),
    (
        "json-fraction",
        json_report('"percent_covered": 50, "num_statements": 2, "covered_lines": 1.5'),
        "coverage.json: totals.covered_lines is not a count, expected a whole number, not 1.5",
    ),
    (
        "json-covered-above-valid",
        json_report('"percent_covered": 50, "num_statements": 2, "covered_lines": 1998'),
        "coverage.json: totals.covered_lines is above totals.num_statements, expected at "
        "most 2, not 1998",
    ),
    (
        "json-branches-covered-above-valid",
        json_report('"percent_covered": 50, "num_branches": 2, "covered_branches": 3'),
        "coverage.json: totals.covered_branches is above totals.num_branches, expected at "
        "most 2, not 3",
    ),
    (
        "json-file-covered-above-valid",
        json_report(
            entry='"executed_lines": [1], "missing_lines": [2], '
            '"summary": {"num_statements": 2, "covered_lines": 3}'
        ),
        "coverage.json: files['app.py'].summary.covered_lines is above "
        "files['app.py'].summary.num_statements, expected at most 2, not 3",
    ),
    (
        "json-negative-line",
        json_report(entry='"executed_lines": [1], "missing_lines": [-2]'),
        f"{LISTS}, not -2 in missing_lines",
    ),
    (
        "json-true-line",
        json_report(entry='"executed_lines": [true], "missing_lines": [2]'),
        f"{LISTS}, not true in executed_lines",
    ),
    (
        "json-negative-branch",
        json_report(
            entry='"executed_lines": [1], "missing_lines": [2], "missing_branches": [[-1, 2]]'
        ),
        f"{ENTRY} missing_branches as pairs of line numbers, not [-1, 2] in missing_branches",
    ),
]
DEEP = 100_000  # levels: far past Python's recursion limit
TOO_DEEP = [
    (
        "json-deep",
        b'{"files": {}, "totals": {"percent_covered": 100}, "x": '
        + b"[" * DEEP
        + b"]" * DEEP
        + b"}",
        "coverage.json: nested too deeply to read, expected a coverage.py JSON report "
        "(a few levels deep)",
    ),
]
BAD_NUMBERS = BAD_TOTALS + BAD_COUNTS + TOO_DEEP


@pytest.mark.parametrize(
    ("content", "error"), [pytest.param(*case[1:], id=case[0]) for case in BAD_NUMBERS]
)
def test_numbers_that_cannot_be_coverage(small, capsys, content, error):
    """A total that is not a finite share from 0 to 100 %, a count that is not a whole
    number, more covered than there is, a JSON report nested too deeply: one line that
    names the file, the value and what was expected; exit 2, no traceback. Every file is
    read (--file-fail-under)."""
    name = "coverage.xml" if content.startswith(b"<") else "coverage.json"
    (small / name).write_bytes(content)
    message = one_error(capsys, "--base", "HEAD", "--data", name, "--file-fail-under", "1")
    assert message == f"trunkgate coverage: error: {error}"


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("[1, 2]", "executed_lines and missing_lines as lists of line numbers, not [1, 2]"),
        (
            f"[{', '.join(['100000'] * 9)}]",
            "executed_lines and missing_lines as lists of line numbers, not "
            "[100000, 100000, 100000, 100000, 1000...",
        ),
        (
            '{"executed_lines": [1], "missing_lines": [], "missing_branches": {"8": 9}}',
            "missing_branches as pairs of line numbers, not missing_branches: an object",
        ),
        (
            '{"executed_lines": [1], "missing_lines": [], "summary": "full"}',
            'summary as an object, not summary: "full"',
        ),
    ],
    ids=["entry", "long-entry", "missing-branches", "summary"],
)
def test_file_entries_of_the_wrong_shape(small, capsys, entry, error):
    (small / "coverage.json").write_text(
        f'{{"files": {{"app.py": {entry}}}, "totals": {{"percent_covered": 50}}}}'
    )
    message = one_error(
        capsys, "--data", "coverage.json", "--base", "HEAD", "--file-fail-under", "1"
    )
    assert message.endswith(
        f"coverage.json: files['app.py'] is not a file's report, expected {error}"
    )


def test_the_reports_the_bad_numbers_start_from_are_sound(small, capsys):
    for name, content in (("coverage.xml", xml_report()), ("coverage.json", json_report())):
        (small / name).write_bytes(content)
        argv = ("--base", "HEAD", "--data", name, "--fail-under", "0", "--file-fail-under", "1")
        code, out = run_gate(capsys, *argv)
        assert code == 0, out
        assert out["metrics"] == {"coverage": 50.0}


def test_a_deep_json_report_through_the_command(small):
    """The installed command, in a process of its own: one line on stderr, no traceback."""
    (small / "coverage.json").write_bytes(TOO_DEEP[0][1])
    proc = subprocess.run(
        [str(BIN / "trunkgate"), "coverage", "--base", "HEAD"],
        cwd=small,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"trunkgate coverage: error: {TOO_DEEP[0][2]}\n"


def test_a_deep_xml_report_is_read(small, capsys):
    """ElementTree builds a deep tree without recursing: nothing to refuse."""
    body = b"<x>" * DEEP + b"</x>" * DEEP
    (small / "coverage.xml").write_bytes(b'<coverage line-rate="1">' + body + b"</coverage>")
    code, out = run_gate(capsys, "--base", "HEAD", "--data", "coverage.xml")
    assert code == 0
    assert out["metrics"] == {"coverage": 100.0}


def test_data_without_measured_files(small, capsys):
    sh(small, PYTHON, "-m", "coverage", "run", "--source", "nothing_here", "app.py")
    message = one_error(capsys, "--base", "HEAD")
    assert message.endswith(
        ".coverage: holds no measured files, expected the data of a run under coverage"
    )


def test_no_data_at_all(small, capsys):
    message = one_error(capsys, "--base", "HEAD", "--require-data")
    assert "no coverage data in" in message
    assert "pass --run-tests" in message


def test_a_data_file_named_in_the_policy_must_exist(small, capsys):
    message = one_error(capsys, "--data", "build/cov.xml", "--require-data")
    assert message.endswith(
        "build/cov.xml: no such file (policy key data); run the tests under coverage first, "
        "or pass --run-tests"
    )


def test_parallel_data_files_need_combining(small, capsys):
    (small / ".coverage.host.123.456").write_bytes(coverage_data.SQLITE)
    message = one_error(capsys, "--base", "HEAD", "--require-data")
    assert message.endswith(
        ".coverage: not found, but 1 parallel data file (.coverage.*) are; "
        "run `coverage combine` first"
    )


def test_coverage_data_that_does_not_match_the_sources(repo, capsys):
    build(repo.path)
    measure(repo.path)
    (repo.path / "app/extra.py").unlink()
    message = one_error(capsys, "--base", "main")
    assert "No source for code" in message
    assert "app/extra.py" in message


def test_base_that_does_not_exist(in_project, capsys):
    message = one_error(capsys, "--base", "no-such-branch", "--data", "coverage.xml")
    assert message.endswith("--base 'no-such-branch' is not a commit in this repository")


def test_no_trunk_to_compare_with(small, capsys):
    (small / "coverage.json").write_text('{"files": {}, "totals": {"percent_covered": 100}}')
    message = one_error(capsys, "--trunk", "develop")
    assert message.endswith(
        "no base to compare with (neither origin/develop nor develop exists here); expected "
        "--base REF, or the trunk (policy key trunk)"
    )


def test_unrelated_base(small, repo, capsys):
    (small / "coverage.json").write_text('{"files": {}, "totals": {"percent_covered": 100}}')
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit("chore: unrelated", {"b.py": "y = 2\n"})
    message = one_error(capsys, "--base", "main")
    assert message.endswith("--base main and HEAD have no common commit")


def test_base_outside_a_shallow_clone(project, tmp_path, monkeypatch, capsys):
    clone = shallow_clone(project, tmp_path / "clone", branch="feature/scale")
    shutil.copy(project / "coverage.xml", clone / "coverage.xml")
    monkeypatch.chdir(clone)
    base = git.rev_parse("main", cwd=str(project))
    message = one_error(capsys, "--base", base)
    assert "is not a commit in this repository; the clone is shallow" in message


def test_coverage_not_installed_for_a_data_file(small, capsys, monkeypatch):
    sh(small, PYTHON, "-m", "coverage", "run", "app.py")
    monkeypatch.setitem(sys.modules, "coverage", None)  # what an interpreter without it does
    message = one_error(capsys, "--base", "HEAD")
    assert "needs coverage.py, which is not installed" in message
    assert "pip install 'trunkgate[coverage]'" in message


# --------------------------------------------------------------------------- no data, stale data


def test_without_data_a_local_run_warns_how_to_make_it_and_passes(small, capsys):
    code, out = run_gate(capsys, "--base", "HEAD")
    assert code == 0
    assert rules(out) == [(None, None, "no-data", "warning")]
    message = out["findings"][0]["message"]
    assert "\n" not in message
    assert "run the tests under coverage first (pytest --cov, or coverage run -m pytest)" in message
    assert "require-data = true" in message
    (small / "pyproject.toml").write_text("[tool.trunkgate.coverage]\nrequire-data = true\n")
    assert "no coverage data in" in one_error(capsys, "--base", "HEAD")


def test_without_data_ci_always_fails(small, capsys, github_env):
    github_env("push", {"before": "0" * 40, "after": "1" * 40}, ref="refs/heads/main")
    assert run_cli("coverage", ["--base", "HEAD"]) == 2
    out, err = capsys.readouterr()
    assert "::error title=trunkgate coverage::no coverage data in" in out
    assert err.count("\n") == 1


CONFIGS = {
    ".coveragerc": ("[report]\nfail_under = 97\n", ".coveragerc [report] fail_under"),
    "setup.cfg": ("[coverage:report]\nfail_under = 97\n", "setup.cfg [coverage:report] fail_under"),
    "tox.ini": ("[coverage:report]\nfail_under = 97\n", "tox.ini [coverage:report] fail_under"),
    "pyproject.toml": (
        "[tool.coverage.report]\nfail_under = 97\n",
        "pyproject.toml [tool.coverage.report] fail_under",
    ),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fail_under_defaults_to_the_projects_own(small, capsys, name):
    text, where = CONFIGS[name]
    (small / "coverage.json").write_text('{"files": {}, "totals": {"percent_covered": 95}}')
    code, out = run_gate(capsys, "--base", "HEAD")
    assert code == 0  # 95 >= trunkgate's own 90
    (small / name).write_text(text)
    code, out = run_gate(capsys, "--base", "HEAD")
    assert code == 1
    assert out["findings"][0]["message"] == "total coverage 95.00% is below the minimum 97%"
    assert f"fail-under 97% from {where}" in out["notes"]
    code, out = run_gate(capsys, "--base", "HEAD", "--fail-under", "95")  # the policy wins
    assert code == 0
    assert not any("from" in n and "fail_under" in n for n in out["notes"])


def test_the_project_fail_under_is_read_in_coverages_order(small, capsys):
    (small / "coverage.json").write_text('{"files": {}, "totals": {"percent_covered": 95}}')
    (small / "pyproject.toml").write_text("[tool.coverage.report]\nfail_under = 100\n")
    (small / ".coveragerc").write_text("[report]\nfail_under = 80\n")  # read first, and wins
    code, out = run_gate(capsys, "--base", "HEAD")
    assert code == 0
    assert "fail-under 80% from .coveragerc [report] fail_under" in out["notes"]
    (small / ".coveragerc").write_text("[report]\nfail_under = lots\n")
    assert ".coveragerc: " in one_error(capsys, "--base", "HEAD")


STALE_APP = "def f(x):\n    if x:\n        return 1\n    return 0\n"
STALE_TEST = "from app import f\n\n\ndef test_f():\n    assert f(1) == 1\n    assert f(0) == 0\n"


@pytest.fixture
def measured(repo) -> Path:
    """A tiny project on a branch, measured: coverage data and its JSON report."""
    repo.commit("chore: start", {"README.md": "x\n"})
    repo.branch("feature/f")
    repo.commit("feat: f", {"app.py": STALE_APP, "test_app.py": STALE_TEST})
    sh(repo.path, PYTHON, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    sh(repo.path, PYTHON, "-m", "coverage", "json", "-q")
    return repo.path


def _later(path: Path, than: Path) -> None:
    stamp = than.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize("data", [".coverage", "coverage.json"])
def test_data_older_than_a_changed_source_is_stale(measured, capsys, data):
    code, out = run_gate(capsys, "--base", "main", "--data", data)
    assert (code, rules(out)) == (0, []), out
    (measured / "app.py").write_text(
        STALE_APP + "\n\ndef g(x):\n    if x:\n        return 2\n    return 3\n"
    )
    _later(measured / "app.py", measured / data)
    code, out = run_gate(capsys, "--base", "main", "--data", data)
    assert code == 1
    assert rules(out) == [(None, None, "stale-data", "error")]  # no verdict on stale figures
    assert out["findings"][0]["message"] == (
        f"{data} is stale: older than 1 changed source (app.py); re-run the tests under "
        "coverage, then run the gate again"
    )
    sh(measured, PYTHON, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    sh(measured, PYTHON, "-m", "coverage", "json", "-q")
    _later(measured / data, measured / "app.py")  # measured after the edit
    code, out = run_gate(capsys, "--base", "main", "--data", data)
    assert code == 1
    assert [r[2] for r in rules(out)] == ["fail-under", "diff-coverage", "diff-uncovered"]


def test_a_report_measuring_a_file_that_is_gone_is_stale(measured, capsys):
    (measured / "app.py").rename(measured / "core.py")
    code, out = run_gate(capsys, "--base", "main", "--data", "coverage.json")
    assert code == 1
    assert rules(out) == [(None, None, "stale-data", "error")]
    assert "measures 1 file no longer here (app.py)" in out["findings"][0]["message"]
    message = one_error(capsys, "--base", "main", "--data", ".coverage")
    assert "No source for code" in message
    assert message.endswith("the data is stale: re-run the tests under coverage")
