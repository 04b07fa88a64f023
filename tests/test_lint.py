"""The lint gate: the real ruff on real files, in real git repositories."""

from __future__ import annotations

import json
import sys

import pytest

from tests.support.cli import run_cli
from tests.support.runner import outputs
from trunkgate import report, tools
from trunkgate.change import Change, is_python
from trunkgate.context import Context
from trunkgate.gates import lint

UNUSED = "import os\n\n\ndef f():\n    return 1\n"
UNUSED_CLEAN = "def f():\n    return 1\n"
UGLY = "x = {  'a':1}\n"
UGLY_CLEAN = 'x = {"a": 1}\n'
LONG = 'MESSAGE = "' + "a" * 70 + '"\n'
SHORT = 'MESSAGE = "' + "a" * 10 + '"\n'


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_cli("lint", list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def rules(data: dict) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["rule"]) for f in data["findings"]]


# --------------------------------------------------------------------------- pure


def test_findings_from_ruff_reads_check_diagnostics(tmp_path):
    root = str(tmp_path)
    items = [
        {
            "code": "F401",
            "filename": f"{root}/pkg/a.py",
            "location": {"row": 3, "column": 8},
            "message": "`os` imported but unused",
            "severity": "error",
        },
        {"code": None, "name": "invalid-syntax", "filename": "b.py", "location": {"row": 1}},
        {"code": "E501", "filename": "nb.ipynb", "cell": 2, "location": {"row": 4}},
        {"code": "X1", "filename": "c.py", "location": "?", "severity": "warning"},
        "not a diagnostic",
    ]
    found = lint.findings_from_ruff(items, root)
    assert found == [
        report.Finding("F401", "`os` imported but unused", file="pkg/a.py", line=3),
        report.Finding("invalid-syntax", "invalid-syntax", file="b.py", line=1),
        report.Finding("E501", "cell 2: E501", file="nb.ipynb", line=4),
        report.Finding("X1", "X1", file="c.py", severity=report.WARNING),
    ]


def test_findings_from_ruff_format_keeps_only_unformatted_files(tmp_path):
    items = [
        {"code": "unformatted", "filename": f"{tmp_path}/a.py", "location": {"row": 2}},
        {"code": "invalid-syntax", "filename": f"{tmp_path}/b.py", "location": {"row": 1}},
    ]
    found = lint.findings_from_ruff(items, str(tmp_path), formatting=True)
    assert found == [
        report.Finding("format", "would be reformatted by ruff format", file="a.py", line=2)
    ]


def test_findings_from_ruff_refuses_a_report_that_is_not_a_list():
    with pytest.raises(report.UsageError, match="expected a JSON list"):
        lint.findings_from_ruff({"oops": 1}, "/")


# --------------------------------------------------------------------------- ruff check


def test_unused_import_fails_and_its_clean_twin_passes(repo, capsys):
    repo.write("bad.py", UNUSED)
    repo.write("good.py", UNUSED_CLEAN)
    code, data = as_json(capsys, "bad.py")
    assert code == 1
    assert rules(data) == [("bad.py", 1, "F401")]
    assert data["findings"][0]["message"] == "`os` imported but unused"
    assert data["metrics"] == {"violations": 1, "unformatted": 0, "baselined": 0}
    code, data = as_json(capsys, "good.py")
    assert code == 0
    assert data["findings"] == []
    assert data["notes"] == ["checked 1 Python file given"]


def test_the_targets_own_line_length_applies(repo, capsys):
    repo.write(
        "pyproject.toml", '[tool.ruff]\nline-length = 40\n[tool.ruff.lint]\nselect = ["E501"]\n'
    )
    repo.write("long.py", LONG)
    repo.write("short.py", SHORT)
    code, out, _ = run(capsys, "long.py", "short.py")
    assert code == 1
    assert "long.py:1: E501: Line too long (82 > 40)" in out
    assert "short.py" not in out.split("\n\n")[0]
    code, out, _ = run(capsys, "short.py")
    assert code == 0, out


def test_text_output_has_the_fix_block_and_verdict(repo, capsys):
    repo.write("bad.py", UNUSED)
    code, out, _ = run(capsys, "bad.py")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "bad.py:1: F401: `os` imported but unused"
    assert "trunkgate lint --fix" in out
    assert lines[-1] == "trunkgate lint: failed (1 error)"


def test_ruffs_own_exclude_applies_to_files_passed_by_name(repo, capsys):
    repo.write("pyproject.toml", '[tool.ruff]\nextend-exclude = ["generated"]\n')
    repo.write("generated/bad.py", UNUSED + UGLY)
    repo.write("bad.py", UNUSED)
    code, data = as_json(capsys, "generated/bad.py")
    assert code == 0
    assert data["findings"] == []
    code, data = as_json(capsys, "generated/bad.py", "bad.py")
    assert code == 1
    assert rules(data) == [("bad.py", 1, "F401")]


def test_non_python_files_are_skipped_and_python_scripts_kept(repo, capsys):
    repo.write("README.md", "# not python\n")
    repo.write("bin/tool", "#!/usr/bin/env python3\nimport os\n").chmod(0o755)
    repo.write("bin/other", "#!/bin/sh\necho hi\n")
    code, data = as_json(capsys, "README.md", "bin/tool", "bin/other", "missing.py")
    assert code == 1
    assert rules(data) == [("bin/tool", 2, "F401")]
    assert data["notes"] == ["checked 1 Python file given (3 other files skipped)"]


def test_a_syntax_error_is_reported_once(repo, capsys):
    repo.write("broken.py", "def f(:\n    pass\n")
    code, data = as_json(capsys, "broken.py")
    assert code == 1
    assert {f["rule"] for f in data["findings"]} == {"invalid-syntax"}
    assert data["metrics"]["unformatted"] == 0


def test_paths_given_from_a_subfolder_are_shown_from_the_root(repo, capsys, monkeypatch):
    repo.write("pkg/bad.py", UNUSED)
    monkeypatch.chdir(repo.path / "pkg")
    code, data = as_json(capsys, "bad.py")
    assert code == 1
    assert rules(data) == [("pkg/bad.py", 1, "F401")]


# --------------------------------------------------------------------------- ruff format


def test_unformatted_code_fails_and_its_clean_twin_passes(repo, capsys):
    repo.write("ugly.py", "import sys\n\nprint(sys.argv)\n" + UGLY)
    repo.write("tidy.py", UGLY_CLEAN)
    code, out, _ = run(capsys, "ugly.py", "tidy.py")
    assert code == 1
    assert "ugly.py:4: format: would be reformatted by ruff format" in out
    assert "tidy.py" not in out
    code, _, _ = run(capsys, "tidy.py")
    assert code == 0


def test_format_check_can_be_turned_off_by_flag_and_policy(repo, capsys):
    repo.write("ugly.py", UGLY)
    assert run(capsys, "ugly.py", "--no-check-format")[0] == 0
    assert run(capsys, "ugly.py", "--check-format")[0] == 1
    repo.write("pyproject.toml", "[tool.trunkgate.lint]\ncheck-format = false\n")
    assert run(capsys, "ugly.py")[0] == 0
    assert run(capsys, "ugly.py", "--check-format")[0] == 1


# --------------------------------------------------------------------------- --fix


def test_fix_repairs_and_formats_then_reports_what_is_left(repo, capsys):
    repo.write("bad.py", UNUSED + "x = [\n  1,\n  2\n]\ny = undefined_name\n")
    code, data = as_json(capsys, "bad.py", "--fix")
    assert code == 1
    assert rules(data) == [("bad.py", 6, "F821")]  # where it is after formatting
    assert "reformatted 1 file with ruff format" in data["notes"]
    text = (repo.path / "bad.py").read_text()
    assert text == "def f():\n    return 1\n\n\nx = [1, 2]\ny = undefined_name\n"


def test_fix_on_clean_files_changes_nothing(repo, capsys):
    repo.write("good.py", UNUSED_CLEAN)
    code, data = as_json(capsys, "good.py", "--fix")
    assert code == 0
    assert not any("reformatted" in n for n in data["notes"])
    assert (repo.path / "good.py").read_text() == UNUSED_CLEAN


def test_fix_without_the_format_check_leaves_the_layout_alone(repo, capsys):
    repo.write("bad.py", UNUSED + UGLY)
    code, data = as_json(capsys, "bad.py", "--fix", "--no-check-format")
    assert code == 0
    assert (
        repo.path / "bad.py"
    ).read_text() == "\n\n" + UNUSED_CLEAN + UGLY  # only the import went
    assert not any("reformatted" in n for n in data["notes"])


def test_fix_is_refused_in_ci(repo, capsys, github_env):
    github_env("push", {"before": "0" * 40, "after": "1" * 40})
    repo.write("bad.py", UNUSED)
    code, _, err = run(capsys, "bad.py", "--fix")
    assert code == 2
    assert "--fix changes files and is for local use" in err
    assert (repo.path / "bad.py").read_text() == UNUSED


def test_check_never_fixes_even_when_the_target_asks_ruff_to(repo, capsys):
    repo.write("pyproject.toml", "[tool.ruff]\nfix = true\n")
    repo.write("bad.py", UNUSED)
    assert run(capsys, "bad.py")[0] == 1
    assert (repo.path / "bad.py").read_text() == UNUSED


# --------------------------------------------------------------------------- which files


def test_changed_files_since_base(repo, capsys):
    repo.commit("chore: start", {"old.py": UNUSED, "README.md": "# x\n"})
    base = repo.head()
    repo.branch("feature/x")
    repo.commit("feat: add", {"new.py": UNUSED, "clean.py": UNUSED_CLEAN, "README.md": "# y\n"})
    code, data = as_json(capsys, "--base", "main")
    assert code == 1
    assert rules(data) == [("new.py", 1, "F401")]
    assert data["notes"] == [f"checked 2 changed Python files since {base[:10]} (main)"]


def test_changed_files_in_a_pull_request(repo, capsys, github_env):
    repo.commit("chore: start", {"old.py": UNUSED})
    base = repo.head()
    repo.branch("feature/x")
    head = repo.commit("feat: add", {"pkg/new.py": UNUSED})
    github_env("pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}})
    code, data = as_json(capsys)
    assert code == 1
    assert rules(data) == [("pkg/new.py", 1, "F401")]
    assert "the pull request's base" in data["notes"][0]


def test_a_pull_request_checked_out_as_github_merge_commit(repo, capsys, github_env):
    repo.commit("chore: start", {"old.py": UNUSED_CLEAN})
    repo.branch("feature/x")
    head = repo.commit("feat: add", {"pkg/new.py": UNUSED})
    repo.checkout("main")
    tip = repo.commit("fix: meanwhile on the trunk", {"trunk.py": UNUSED})
    # actions/checkout on a pull request: refs/pull/N/merge, the head merged into the base
    repo.git("checkout", "-q", "--detach", tip)
    repo.git("merge", "-q", "--no-ff", "--no-edit", head)
    github_env("pull_request", {"pull_request": {"base": {"sha": tip}, "head": {"sha": head}}})
    code, data = as_json(capsys)
    assert code == 1
    assert rules(data) == [("pkg/new.py", 1, "F401")]  # not trunk.py: the trunk's own change
    assert data["notes"][0] == (
        f"checked 1 changed Python file since {tip[:10]} (the pull request's base)"
    )


def test_changed_files_of_a_push(repo, capsys, github_env):
    repo.commit("chore: start", {"old.py": UNUSED})
    before = repo.head()
    repo.commit("feat: add", {"clean.py": UNUSED_CLEAN})
    github_env("push", {"before": before, "after": repo.head()}, ref="refs/heads/main")
    code, data = as_json(capsys)
    assert code == 0
    assert data["notes"] == [
        f"checked 1 changed Python file since {before[:10]} (the push's previous commit)"
    ]


def test_ci_without_a_base_checks_the_whole_tree(repo, capsys, github_env):
    repo.commit("chore: start", {"old.py": UNUSED, "pkg/b.py": UNUSED})
    github_env("schedule", {})
    code, data = as_json(capsys)
    assert code == 1
    assert rules(data) == [("old.py", 1, "F401"), ("pkg/b.py", 1, "F401")]
    assert data["notes"] == [
        "checked the whole tree (no base to compare with in a schedule event): "
        "2 files of types python, pyi, jupyter"
    ]


def test_all_checks_the_whole_tree_with_ruffs_excludes(repo, capsys):
    repo.write("pyproject.toml", '[tool.ruff]\nextend-exclude = ["vendor"]\n')
    repo.write("a.py", UNUSED)
    repo.write("vendor/b.py", UNUSED)
    repo.write("pkg/c.py", UGLY)
    code, data = as_json(capsys, "--all")
    assert code == 1
    assert rules(data) == [("a.py", 1, "F401"), ("pkg/c.py", 1, "format")]
    # vendor/b.py is selected, then left out by ruff's own exclude
    assert data["notes"] == [
        "checked the whole tree (--all): 3 files of types python, pyi, jupyter"
    ]


def test_nothing_to_check_passes_and_says_so(repo, capsys, monkeypatch):
    code, out, _ = run(capsys)  # a repository without commits: no trunk to compare with
    assert code == 0
    assert "nothing to check: no files given and no trunk (main) to compare with" in out
    monkeypatch.setenv("PATH", "")  # ruff is not even looked for
    code, out, _ = run(capsys, "README.md")
    assert code == 0
    assert "checked 0 Python files given (1 other file skipped)" in out


def test_locally_without_files_the_change_since_the_trunk(repo, capsys):
    repo.commit("chore: start", {"old.py": "import os\n"})  # already on the trunk
    repo.branch("feature/x")
    repo.commit("feat: x", {"new.py": "import sys\n"})
    code, out, _ = run(capsys)
    assert code == 1
    assert "new.py:1: F401" in out
    assert "old.py" not in out
    assert "changed Python file since" in out
    assert "(the trunk, main)" in out


def test_a_base_that_is_not_a_commit_is_a_usage_error(repo, capsys):
    repo.commit("chore: start", {"a.py": UNUSED_CLEAN})
    code, _, err = run(capsys, "--base", "nonesuch")
    assert code == 2
    assert "--base 'nonesuch' is not a commit in this repository" in err


# --------------------------------------------------------------------------- the tool


def test_ruff_is_found_on_path_when_not_next_to_python(monkeypatch, tmp_path):
    real = tools.find("ruff", "x")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path) + ":" + real.rsplit("/", 1)[0])
    assert tools.find("ruff", "x") == real


def test_a_ruff_crash_is_a_usage_error_with_its_stderr_tail(repo, capsys):
    repo.write("pyproject.toml", '[tool.ruff]\nline-length = "long"\n')
    repo.write("a.py", UNUSED_CLEAN)
    code, out, err = run(capsys, "a.py")
    assert code == 2
    assert out == ""
    assert err.startswith("trunkgate lint: error: ruff failed (exit status 2): ")
    assert "line-length" in err
    assert err.count("\n") == 1  # one error line: the tail of ruff's stderr joined with "; "
    assert len(err.split("): ", 1)[1].split("; ")) <= tools.TAIL_LINES


def test_github_format_annotates_findings(repo, capsys, github_env):
    repo.commit("chore: start", {"a.py": UNUSED_CLEAN})
    base = repo.head()
    head = repo.commit("feat: x", {"a.py": UNUSED})
    _, output = github_env(
        "pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    )
    code, out, _ = run(capsys, "--format", "github")
    assert code == 1
    assert "::error file=a.py,line=1,title=trunkgate lint%3A F401::`os` imported but unused" in out
    written = outputs(output.read_text())
    assert written["findings"] == "1"
    assert written["violations"] == "1"


# --------------------------------------------------------------------------- shared helpers


def test_run_reports_a_tool_that_cannot_start(tmp_path):
    with pytest.raises(report.UsageError, match=r"cannot run .*nonesuch"):
        tools.run([str(tmp_path / "nonesuch")])


def test_run_stops_a_tool_that_runs_too_long():
    argv = [sys.executable, "-c", "import time; time.sleep(5)"]
    with pytest.raises(report.UsageError, match=r"python\S* did not finish within 0.2 s"):
        tools.run(argv, timeout=0.2)


def test_run_all_keeps_order_and_raises_the_first_failure():
    say = [[sys.executable, "-c", f"print({i})"] for i in range(3)]
    assert [p.stdout for p in tools.run_all(say)] == ["0\n", "1\n", "2\n"]
    fail = [
        sys.executable,
        "-c",
        "import sys; print('x\\n' * 9 + 'last', file=sys.stderr); exit(3)",
    ]
    with pytest.raises(report.UsageError) as exc:
        tools.run_all([say[0], fail], env={"EXTRA": "1"})
    message = str(exc.value)
    assert message.startswith("python")
    assert "failed (exit status 3): x; x; x; x; last (--verbose shows 5 more lines)" in message
    assert exc.value.detail is not None
    assert exc.value.detail.splitlines()[-1] == "last"


def test_load_json_calls_output_that_is_not_json_a_crash():
    argv = [sys.executable, "-c", "import sys; print('half a report'); sys.stderr.write('boom')"]
    proc = tools.run(argv)
    with pytest.raises(report.UsageError, match=r"gave no JSON report \(exit status 0\): boom$"):
        tools.load_json(argv, proc)


def test_is_python(tmp_path):
    (tmp_path / "script").write_text("#!/usr/bin/python3\n")
    (tmp_path / "shell").write_text("#!/bin/sh\n")
    (tmp_path / "folder").mkdir()
    assert is_python(str(tmp_path / "a.py"))
    assert is_python(str(tmp_path / "script"))
    assert not is_python(str(tmp_path / "shell"))
    assert not is_python(str(tmp_path / "notes.txt"))
    assert not is_python(str(tmp_path / "folder"))
    assert not is_python(str(tmp_path / "missing"))


def test_a_project_below_the_repository_root_checks_only_its_own_changes(repo, capsys, monkeypatch):
    repo.commit("chore: start", {"svc/pyproject.toml": "[tool.trunkgate]\n", "other/x.py": ""})
    base = repo.head()
    repo.commit("feat: add", {"svc/pkg/a.py": UNUSED, "other/b.py": UNUSED})
    monkeypatch.chdir(repo.path / "svc")
    code, data = as_json(capsys, "--base", base)
    assert code == 1
    assert rules(data) == [("pkg/a.py", 1, "F401")]
    assert data["notes"][0].startswith("checked 1 changed Python file since")


def test_the_top_of_the_working_tree_with_and_without_git(repo, monkeypatch, tmp_path_factory):
    (repo.path / "svc").mkdir()

    def top(root: str) -> str:
        return Change(Context({}), root=root, trunk="main").top

    assert top(str(repo.path / "svc")) == str(repo.path)
    monkeypatch.setenv("GIT_DIR", str(repo.path / ".git"))  # as inside a git hook: ask git
    monkeypatch.setenv("GIT_WORK_TREE", str(repo.path))
    assert top(str(repo.path / "svc")) == str(repo.path)
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    outside = tmp_path_factory.mktemp("outside")
    with pytest.raises(report.UsageError, match="not a git repository"):
        top(str(outside))


def test_verbose_shows_the_tools_whole_error_output(repo, capsys):
    repo.write("pyproject.toml", '[tool.ruff]\nline-length = "long"\n')
    repo.write("a.py", UNUSED_CLEAN)
    assert run_cli("lint", ["a.py", "--verbose"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("trunkgate lint: error: ruff failed (exit status 2): ")
    assert len(err) > 2  # the tail, each line indented, after the one line
    assert all(line.startswith("  ") for line in err[1:])
    assert any("line-length" in line for line in err[1:])
