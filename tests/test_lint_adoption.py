"""The lint gate on an existing project: one file selection wherever it runs, the project's
ruff version, a baseline for old findings and the new-only mode (filter-mode added)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.cli import run_cli
from trunkgate import baseline, report, ruff_pins, tools
from trunkgate.gates import lint

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UNUSED = "import os\n\n\ndef f():\n    return 1\n"
CLEAN = "def f():\n    return 1\n"
UGLY = "x = {  'a':1}\n"


def as_json(capsys, *argv: str) -> tuple[int, dict]:
    code = run_cli("lint", [*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2 or out, err
    return code, (json.loads(out) if code != 2 else {"error": err})


def rules(data: dict) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["rule"]) for f in data["findings"]]


def notebook(source: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "a1",
        "metadata": {},
        "outputs": [],
        "source": [source],
    }
    meta = {"language_info": {"name": "python"}}
    return json.dumps({"cells": [cell], "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


# Every kind of file a project holds, each unformatted, so each file checked is one finding.
KINDS = {
    "pkg/a.py": UGLY,
    "pkg/b.pyi": UGLY,
    "nb/c.ipynb": notebook(UGLY),
    "docs/d.md": "# Doc\n\n```python\nx = {  'a':1}\n```\n",
    "bin/tool": "#!/usr/bin/env python3\n" + UGLY,
    "notes.txt": UGLY,
    "data.json": "{}\n",
}
PYTHONISH = {"pkg/a.py", "pkg/b.pyi", "nb/c.ipynb", "bin/tool"}


def checked(data: dict) -> set[str]:
    return {f["file"] for f in data["findings"]}


def lint_hook() -> dict:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(h for h in manifest if h["id"] == "trunkgate-lint")


def via_pre_commit(path: Path, tmp_path: Path) -> set[str]:
    """The files the real pre-commit hands the manifest's lint hook (its types, its entry),
    run over every file, then kept by the gate: the findings' files."""
    hook = lint_hook()
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": str(BIN / hook["entry"].split()[0]) + " " + " ".join(hook["entry"].split()[1:]),
        "language": "system",
        "require_serial": hook["require_serial"],
        "stages": hook["stages"],
    }
    for key in ("types", "types_or", "files", "exclude"):
        if key in hook:
            local[key] = hook[key]
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "NO_COLOR": "1"}
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "run", hook["id"], "--all-files", "--color", "never"],
        cwd=path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    (path / ".pre-commit-config.yaml").unlink()
    found = set(re.findall(r"(?m)^(\S+):\d+: format: ", proc.stdout))
    assert found or proc.returncode == 0, proc.stdout + proc.stderr
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("types", [None, "python,pyi,jupyter,markdown"])
def test_the_hook_all_and_changed_files_select_the_same_files(repo, capsys, tmp_path, types):
    repo.commit("chore: start", {"README": "x\n"})
    repo.branch("feature/kinds")
    repo.commit("feat: every kind of file", KINDS)
    (repo.path / "bin/tool").chmod(0o755)
    extra = []
    if types:
        repo.write(".trunkgate.toml", f"[lint]\ntypes = {json.dumps(types.split(','))}\n")
        extra = ["--types", types]
    want = PYTHONISH | ({"docs/d.md"} if types else set())
    _, everything = as_json(capsys, "--all", *extra)
    _, changed = as_json(capsys, "--base", "main", *extra)
    _, given = as_json(capsys, *KINDS, *extra)
    hooked = via_pre_commit(repo.path, tmp_path)
    assert checked(everything) == want
    assert checked(changed) == want
    assert checked(given) == want
    assert hooked == want


def test_the_hook_passes_every_type_the_policy_may_name():
    hook = lint_hook()
    assert set(hook["types_or"]) == set(tools.FILE_TYPES)
    assert "types" not in hook
    assert "files" not in hook


def test_an_unknown_file_type_is_one_line(repo, capsys):
    repo.write("a.py", CLEAN)
    code, data = as_json(capsys, "a.py", "--types", "python,rust")
    assert code == 2
    assert (
        "policy key types: unknown file type 'rust', expected some of python, pyi" in data["error"]
    )


def test_every_hook_declares_its_stages():
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in manifest:
        assert hook.get("stages"), hook["id"]
        assert "commit-msg" not in hook["stages"] or hook["id"] == "trunkgate-commit-msg"


# --------------------------------------------------------------------------- ruff's version


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("0.4.4", "0.4.4", True),
        ("0.4.4", "==0.4.4", True),
        ("0.4.4", ">=0.4,<0.6", True),
        ("0.6.0", ">=0.4,<0.6", False),
        ("0.4.9", "~=0.4.1", True),
        ("0.5.0", "~=0.4.1", False),
        ("0.4.2", "0.4.*", True),
        ("0.17.6", "!=0.17.6", False),
        ("0.17.6", "latest", None),
    ],
)
def test_satisfies(version, spec, expected):
    assert ruff_pins.satisfies(version, spec) is expected


def test_project_pins_follow_ruffs_own_order(tmp_path):
    assert ruff_pins.project_pins(str(tmp_path)) == []
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\nrequired-version = ">=0.3"\n')
    assert ruff_pins.project_pins(str(tmp_path)) == [
        (">=0.3", "required-version in pyproject.toml [tool.ruff]")
    ]
    (tmp_path / "ruff.toml").write_text('required-version = "0.4.4"\n')
    assert ruff_pins.project_pins(str(tmp_path))[0] == ("0.4.4", "required-version in ruff.toml")
    (tmp_path / ".ruff.toml").write_text("line-length = 100\n")  # wins, and pins nothing
    assert ruff_pins.project_pins(str(tmp_path)) == []
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "-   repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v6.0.0\n"
        "    hooks: [{id: trailing-whitespace}]\n"
        "  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        "    rev: 'v0.4.4'  # the project's ruff\n"
        "    hooks:\n      - id: ruff\n"
    )
    assert ruff_pins.project_pins(str(tmp_path)) == [
        ("==0.4.4", "the ruff-pre-commit rev in .pre-commit-config.yaml")
    ]
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        "    rev: c60c980e561ed3e73101667fe8365c609d19a438  # frozen: v0.15.9\n"
        "    hooks:\n      - id: ruff-check\n"
    )
    assert ruff_pins.project_pins(str(tmp_path)) == [
        ("==0.15.9", "the ruff-pre-commit rev in .pre-commit-config.yaml")
    ]
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: main\n"
    )
    assert ruff_pins.project_pins(str(tmp_path)) == []


def test_the_installed_ruff_serves_a_pin_it_meets(repo, capsys):
    have = tools.version_of(tools.find_tool("lint"))
    repo.write("ruff.toml", f'required-version = ">={have}"\n')
    repo.write("a.py", UNUSED)
    code, data = as_json(capsys, "a.py")
    assert code == 1
    assert rules(data) == [("a.py", 1, "F401")]
    assert not any("pinned" in n for n in data["notes"])


def test_a_range_the_installed_ruff_misses_is_one_line_saying_how(repo, capsys):
    repo.write("pyproject.toml", '[tool.ruff]\nrequired-version = "<0.1"\n')
    repo.write("a.py", CLEAN)
    code, data = as_json(capsys, "a.py")
    assert code == 2
    err = data["error"]
    assert err.count("\n") == 1
    assert "required-version in pyproject.toml [tool.ruff] asks for ruff <0.1, but the " in err
    assert "pip install 'ruff<0.1'" in err
    assert "ruff-version" in err


def test_a_bad_ruff_version_is_one_line(repo, capsys):
    repo.write("a.py", CLEAN)
    code, data = as_json(capsys, "a.py", "--ruff-version", "newest")
    assert code == 2
    assert "ruff-version: 'newest' is not a version, expected one like 0.4.4" in data["error"]


def test_a_pin_that_cannot_be_installed_says_how(repo, capsys, monkeypatch):
    monkeypatch.setattr(sys, "executable", str(repo.path / "no-python"))
    repo.write("a.py", CLEAN)
    code, data = as_json(capsys, "a.py", "--ruff-version", "0.0.1")
    assert code == 2
    err = data["error"]
    assert err.count("\n") == 1
    assert "the policy key ruff-version: could not install ruff 0.0.1 into " in err
    assert err.rstrip().endswith(
        "install it yourself with: pip install ruff==0.0.1 "
        "(or set the lint policy key ruff-version)"
    )


@pytest.mark.e2e
def test_the_projects_pinned_older_ruff_is_installed_once_and_used(repo, capsys, monkeypatch):
    """ruff 0.4.4 from the package index: its own findings, its text-only format check."""
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: https://github.com/astral-sh/ruff-pre-commit\n"
        "  rev: v0.4.4\n  hooks: [{id: ruff}]\n",
    )
    repo.write("a.py", UNUSED + UGLY)
    code, data = as_json(capsys, "a.py")
    assert code == 1, data
    assert (
        "ruff 0.4.4, pinned by the ruff-pre-commit rev in .pre-commit-config.yaml" in data["notes"]
    )
    assert rules(data) == [("a.py", 1, "F401"), ("a.py", 6, "format")]
    installed = Path(tools.cache_home()) / "tools" / "ruff-0.4.4" / "bin" / "ruff"
    assert tools.version_of(str(installed)) == "0.4.4"
    # Reused: no installer is run the second time (there is none to run now).
    monkeypatch.setattr(sys, "executable", str(repo.path / "no-python"))
    code, again = as_json(capsys, "a.py")
    assert (code, rules(again)) == (1, rules(data))


def test_diagnostics_from_a_format_diff():
    diff = (
        "--- pkg/a.py\n+++ pkg/a.py\n@@ -1,6 +1,5 @@\n-x=1\n+x = 1\n import os\n-\n \n \n"
        "-y = {  'a':1}\n+y = {'a': 1}\n\n--- b.py\n+++ b.py\n@@ -3,2 +3,3 @@\n a\n+\n b\n"
    )
    found = lint.flagged_from_ruff(lint.diagnostics_from_diff(diff), "/r", formatting=True)
    assert [(f.finding.file, f.finding.line, sorted(f.rows)) for f in found] == [
        ("pkg/a.py", 1, [1, 3, 6]),
        ("b.py", 3, [3]),
    ]


# --------------------------------------------------------------------------- the baseline

OLD = "import os\nimport sys\n\n\ndef f():\n    return sys.argv\n"


def test_a_baseline_accepts_old_findings_and_fails_new_ones(repo, capsys):
    repo.write("old.py", OLD)
    repo.write("ugly.py", UGLY)
    code, data = as_json(capsys, "--update-baseline")
    assert code == 0
    assert data["notes"][-1] == "wrote .trunkgate/ruff-baseline.json: 2 accepted findings"
    saved = json.loads((repo.path / ".trunkgate/ruff-baseline.json").read_text())
    assert [(e["test_id"], e["path"], e["count"]) for e in saved["findings"]] == [
        ("F401", "old.py", 1),
        ("format", "ugly.py", 1),
    ]
    assert saved["about"].startswith("trunkgate lint baseline")
    code, data = as_json(capsys, "old.py", "ugly.py")
    assert (code, data["findings"]) == (0, [])
    assert "2 findings accepted by the baseline .trunkgate/ruff-baseline.json" in data["notes"]
    assert data["metrics"]["baselined"] == 2
    # Lines moving (a docstring on top) change nothing; a second copy of the import is new.
    repo.write("old.py", '"""Doc."""\n\n' + OLD)
    assert as_json(capsys, "old.py")[0] == 0
    repo.write("old.py", "import json\n" + OLD)
    code, data = as_json(capsys, "old.py")
    assert code == 1
    assert rules(data) == [("old.py", 1, "F401")]
    assert data["findings"][0]["message"] == "`json` imported but unused"
    # New unformatted code in the accepted file is a new format finding.
    repo.write("ugly.py", UGLY + "y = [1,\n2]\n")
    code, data = as_json(capsys, "ugly.py")
    assert (code, rules(data)) == (1, [("ugly.py", 1, "format")])


def test_the_baseline_counts_repeats(repo, capsys):
    repo.write("a.py", "def f():\n    x = 1\n\n\ndef g():\n    x = 1\n")
    code, data = as_json(capsys, "--update-baseline", "--no-check-format")
    assert code == 0
    assert "2 accepted findings" in data["notes"][-1]  # F841 twice, one entry counted 2
    repo.write("a.py", "def f():\n    x = 1\n\n\ndef g():\n    x = 1\n\n\ndef h():\n    x = 1\n")
    code, data = as_json(capsys, "a.py", "--no-check-format")
    assert code == 1
    assert rules(data) == [("a.py", 10, "F841")]


def test_a_bad_baseline_is_one_line_naming_the_lint_gate(repo, capsys):
    repo.write(".trunkgate/ruff-baseline.json", "{}")
    repo.write("a.py", CLEAN)
    code, data = as_json(capsys, "a.py")
    assert code == 2
    assert (
        '.trunkgate/ruff-baseline.json: not a trunkgate lint baseline (no "findings" list)'
        in data["error"]
    )


def test_updating_for_given_files_keeps_the_other_entries(repo, capsys):
    repo.write("a.py", UNUSED)
    repo.write("b.py", UNUSED)
    as_json(capsys, "--update-baseline")
    repo.write("a.py", CLEAN)
    code, _ = as_json(capsys, "a.py", "--update-baseline")
    assert code == 0
    saved = json.loads((repo.path / ".trunkgate/ruff-baseline.json").read_text())
    assert [e["path"] for e in saved["findings"]] == ["b.py"]


# --------------------------------------------------------------------------- filter-mode


def test_filter_mode_added_fails_only_what_the_change_brings(repo, capsys):
    repo.commit("chore: start", {"old.py": OLD + UGLY})
    repo.branch("feature/x")
    repo.write("old.py", OLD + UGLY + "\n\ndef g():\n    import json\n    return 1\n")
    code, data = as_json(capsys, "--base", "main")
    assert code == 1
    assert {r for _, _, r in rules(data)} == {"F401", "format"}
    assert len(data["findings"]) == 3
    code, data = as_json(capsys, "--base", "main", "--filter-mode", "added")
    assert code == 1
    assert rules(data) == [("old.py", 11, "F401")]
    assert (
        "2 findings on lines the change did not touch not counted (filter-mode added)"
        in data["notes"]
    )
    repo.write("old.py", OLD + UGLY + "\n\ndef g():\n    return 1\n")  # a clean addition
    code, data = as_json(capsys, "--base", "main", "--filter-mode", "added")
    assert (code, data["findings"]) == (0, [])


def test_filter_mode_added_counts_new_unformatted_lines(repo, capsys):
    repo.commit("chore: start", {"a.py": CLEAN})
    repo.branch("feature/x")
    repo.write("a.py", CLEAN + "\n\n" + UGLY)
    code, data = as_json(capsys, "--base", "main", "--filter-mode", "added")
    assert (code, rules(data)) == (1, [("a.py", 5, "format")])


def test_filter_mode_added_without_a_base_counts_everything(repo, capsys):
    repo.write("a.py", UNUSED)  # no commit: no trunk to compare with
    code, data = as_json(capsys, "a.py", "--filter-mode", "added")
    assert code == 1
    assert "filter-mode added: no base to compare with, so every finding counts" in data["notes"]


def test_a_lint_finding_fingerprint_is_rule_path_and_code(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\nimport os\n")
    items = [
        {
            "code": "F401",
            "filename": str(tmp_path / "a.py"),
            "location": {"row": 2},
            "end_location": {"row": 2},
        }
    ]
    (found,) = lint.flagged_from_ruff(items, str(tmp_path))
    assert found.fingerprint == ("F401", "a.py", baseline.code_hash("import os"))
    assert found.finding == report.Finding("F401", "F401", file="a.py", line=2)
