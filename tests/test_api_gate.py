"""The api gate: two versions of a small package in a real repository, compared with griffe,
and the chain commit -> changelog -> code checked on them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Repo
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

# Fixtures come from tests.support.gha; naming them here makes pytest see them.
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

BASE = '''"""A small package."""

from pkg.core import greet


def removed(x):
    return x


def changed(a, b):
    return a + b


def optional(a):
    return a
'''
CORE = """def greet(name):
    return f"hello {name}"
"""
# removed() is gone; changed() gained a required parameter; optional() an optional one.
BROKEN = '''"""A small package."""

from pkg.core import greet


def changed(a, b, c):
    return a + b + c


def optional(a, b=1):
    return a + b
'''
COMPATIBLE = BASE.replace(
    "def optional(a):\n    return a", "def optional(a, b=1):\n    return a + b"
)
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Something.\n"
BREAKING_CHANGELOG = (
    "# Changelog\n\n## [Unreleased]\n\n### Removed\n\n- **Breaking:** `removed()` is gone; "
    "`changed()` takes `c`.\n"
)


@pytest.fixture
def pkg(repo: Repo) -> Repo:
    repo.commit(
        "feat: the package",
        {
            "pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0.0"\n',
            "src/pkg/__init__.py": BASE,
            "src/pkg/core.py": CORE,
            "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n",
        },
    )
    repo.branch("feature/change")
    return repo


def api(gate_cli, *args: str) -> tuple[int, dict, str]:
    code, out, err = gate_cli("api", "--base", "main", "--format", "json", *args)
    return code, (json.loads(out) if out.strip() else {}), err


def by_rule(doc: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in doc["findings"]:
        found.setdefault(finding["rule"], []).append(finding)
    return found


def test_an_unannounced_break_fails_at_the_changed_objects(pkg: Repo, gate_cli) -> None:
    pkg.commit("feat: rework the api", {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": CHANGELOG})
    code, doc, err = api(gate_cli)
    assert code == 1, err
    rules = by_rule(doc)
    breaks = {f["message"].split(" ")[0].rstrip(":"): f for f in rules["unannounced-break"]}
    assert set(breaks) == {"pkg.removed", "pkg.changed(c)"}
    # A changed object: its file and line at the head.
    assert breaks["pkg.changed(c)"]["file"] == "src/pkg/__init__.py"
    assert breaks["pkg.changed(c)"]["line"] == 6
    assert "parameter was added as required" in breaks["pkg.changed(c)"]["message"]
    # A removed one: its file, and its line at the base in the message.
    assert breaks["pkg.removed"]["file"] == "src/pkg/__init__.py"
    assert breaks["pkg.removed"]["line"] is None
    assert (
        "was removed from the public API (a function, line 6 at" in breaks["pkg.removed"]["message"]
    )
    assert "no commit in the range announces a breaking change" in breaks["pkg.removed"]["message"]
    [entry] = rules["breaking-entry"]
    assert entry["file"] == "CHANGELOG.md"
    assert entry["line"] == 3
    assert doc["metrics"]["breaking"] == 2


def test_an_optional_parameter_is_not_breaking(pkg: Repo, gate_cli) -> None:
    pkg.commit("feat: optional() takes b", {"src/pkg/__init__.py": COMPATIBLE})
    code, doc, _ = api(gate_cli)
    assert code == 0
    assert doc["findings"] == []
    assert doc["metrics"]["breaking"] == 0
    assert any("0 breaking changes" in note for note in doc["notes"])


def test_a_changed_signature_in_a_submodule(pkg: Repo, gate_cli) -> None:
    pkg.commit(
        "feat: greet loudly",
        {"src/pkg/core.py": 'def greet(name, *, loud):\n    return f"hello {name}"\n'},
    )
    code, doc, _ = api(gate_cli)
    assert code == 1
    [found] = by_rule(doc)["unannounced-break"]
    assert (found["file"], found["line"]) == ("src/pkg/core.py", 1)
    assert found["message"].startswith("pkg.core.greet(loud): parameter was added as required")


def test_an_announced_break_with_an_entry_passes(pkg: Repo, gate_cli) -> None:
    pkg.commit(
        "feat!: rework the api",
        {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": BREAKING_CHANGELOG},
    )
    code, doc, _ = api(gate_cli)
    assert code == 0, doc
    rules = by_rule(doc)
    assert set(rules) == {"breaking-change"}
    assert all(f["severity"] == "note" for f in rules["breaking-change"])
    assert all("(announced in " in f["message"] for f in rules["breaking-change"])


def test_an_announced_break_still_needs_the_entry(pkg: Repo, gate_cli) -> None:
    pkg.commit(
        "refactor: rework the api\n\nBREAKING CHANGE: removed() is gone\n",
        {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": CHANGELOG},
    )
    code, doc, _ = api(gate_cli)
    assert code == 1
    assert set(by_rule(doc)) == {"breaking-change", "breaking-entry"}


def test_a_bang_the_api_does_not_confirm_fails(pkg: Repo, gate_cli) -> None:
    sha = pkg.commit("feat!: optional() takes b", {"src/pkg/__init__.py": COMPATIBLE})
    code, doc, _ = api(gate_cli)
    assert code == 1
    [found] = by_rule(doc)["unconfirmed-break"]
    assert found["where"] == f"commit {sha[:10]}"
    assert "did not break" in found["message"]


def test_a_break_explained_in_its_footer_passes(pkg: Repo, gate_cli) -> None:
    pkg.commit(
        "feat!: optional() adds b\n\nBREAKING CHANGE: optional() now returns a + 1 by default\n",
        {"src/pkg/__init__.py": COMPATIBLE},
    )
    code, doc, _ = api(gate_cli)
    assert code == 0
    assert doc["findings"] == []
    assert any("its BREAKING CHANGE footer explains it" in note for note in doc["notes"])


def test_the_work_tree_is_left_alone(pkg: Repo, gate_cli) -> None:
    pkg.commit("feat: rework", {"src/pkg/__init__.py": BROKEN})
    pkg.write("src/pkg/core.py", CORE + "\n\ndef extra():\n    pass\n")  # uncommitted
    before = pkg.git("status", "--porcelain")
    code, _, _ = api(gate_cli)
    assert code == 1
    assert pkg.git("status", "--porcelain") == before
    assert len(pkg.git("worktree", "list").splitlines()) == 1


def test_the_pushed_commit_not_the_disk(pkg: Repo, gate_cli, monkeypatch) -> None:
    """In pre-push the head is the pushed commit: the working tree (here broken) is not read."""
    good = pkg.commit("feat: optional() takes b", {"src/pkg/__init__.py": COMPATIBLE})
    pkg.write("src/pkg/__init__.py", BROKEN)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", good)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature/change")
    code, doc, _ = api(gate_cli)
    assert code == 0, doc
    assert any("the pushed commit" in note for note in doc["notes"])
    # The same disk, judged as the working tree, breaks.
    for name in ("PRE_COMMIT_TO_REF", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_REMOTE_BRANCH"):
        monkeypatch.delenv(name)
    assert api(gate_cli)[0] == 1


def test_policy_packages_and_search_paths(repo: Repo, gate_cli) -> None:
    repo.commit("feat: lib", {"lib/tool.py": "def run(a):\n    return a\n"})
    repo.branch("feature/x")
    repo.commit("feat: run takes b", {"lib/tool.py": "def run(a, b):\n    return a\n"})
    code, _, err = gate_cli("api", "--base", "main")
    assert code == 2
    assert "no [project] name" in err
    code, doc, _ = api(gate_cli, "--packages", "tool", "--search-paths", "lib")
    assert code == 1
    assert by_rule(doc)["unannounced-break"][0]["file"] == "lib/tool.py"


def test_a_new_package_has_nothing_to_compare(repo: Repo, gate_cli) -> None:
    repo.commit("chore: start", {"pyproject.toml": '[project]\nname = "pkg"\n'})
    repo.branch("feature/x")
    repo.commit("feat: pkg", {"pkg/__init__.py": "def f():\n    pass\n"})
    code, doc, _ = api(gate_cli)
    assert code == 0
    assert any("is new since" in note for note in doc["notes"])


def test_a_missing_package_is_bad_input(pkg: Repo, gate_cli) -> None:
    code, _, err = gate_cli("api", "--base", "main", "--packages", "nothere")
    assert code == 2
    assert "api: package 'nothere' not found in the working tree under src, ." in err


def test_no_change_to_judge_on_a_schedule(pkg: Repo, gate_cli, github_env) -> None:
    github_env("schedule", {})
    code, out, _ = gate_cli("api")
    assert code == 0
    assert "nothing to check: a schedule event has no base" in out


def test_without_griffe_it_says_how_to_install(pkg: Repo, gate_cli, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "griffe", None)
    code, _, err = gate_cli("api", "--base", "main")
    assert code == 2
    assert "griffe is not installed" in err
    assert "pip install 'trunkgate[api]'" in err


def test_it_finds_what_griffe_check_finds(pkg: Repo, gate_cli) -> None:
    """The same breaking changes as the `griffe check` command on the same two commits."""
    pkg.commit("feat: rework", {"src/pkg/__init__.py": BROKEN})
    pkg.commit("feat: greet loudly", {"src/pkg/core.py": "def greet(name, *, loud):\n    pass\n"})
    griffe = [sys.executable, "-m", "griffe", "check", "pkg", "-a", "main", "-s", "src"]
    proc = subprocess.run(griffe, cwd=pkg.path, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    theirs = [line for line in proc.stderr.splitlines() if line.strip()]
    code, doc, _ = api(gate_cli)
    assert code == 1
    ours = by_rule(doc)["unannounced-break"]
    assert len(ours) == len(theirs) == 3


KINDS_BASE = '''"""Kinds of break."""

LIMIT = 10


class Base:
    pass


class Child(Base):
    pass


def scale(x, factor=2):
    return x * factor


def pos(a, b):
    return a + b
'''
KINDS_HEAD = '''"""Kinds of break."""

LIMIT = 20


class Child:
    pass


def scale(x, factor=3):
    return x * factor


def pos(a, *, b):
    return a + b
'''


def test_each_kind_of_break_says_what_changed(repo: Repo, gate_cli) -> None:
    repo.commit(
        "feat: kinds", {"pyproject.toml": '[project]\nname = "kinds"\n', "kinds.py": KINDS_BASE}
    )
    repo.branch("feature/x")
    repo.commit("feat: change kinds", {"kinds.py": KINDS_HEAD})
    code, doc, _ = api(gate_cli)
    assert code == 1
    messages = sorted(f["message"].split(";")[0] for f in by_rule(doc)["unannounced-break"])
    assert messages == [
        "kinds.Base was removed from the public API (a class, line 6 at "
        + repo.git("rev-parse", "main").strip()[:10]
        + ")",
        "kinds.Child: base class was removed (Base)",
        "kinds.pos(b): parameter kind was changed (positional or keyword -> keyword-only)",
        "kinds.scale(factor): parameter default was changed (2 -> 3)",
    ]
    # griffe does not compare attributes yet (LIMIT changed from 10 to 20).
    # No changelog at all: the entry is still asked for, at the file.
    [entry] = by_rule(doc)["breaking-entry"]
    assert (entry["file"], entry["line"]) == ("CHANGELOG.md", None)


def test_a_changelog_without_unreleased(pkg: Repo, gate_cli) -> None:
    pkg.commit("feat: rework", {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": "# Changelog\n"})
    code, doc, _ = api(gate_cli)
    assert code == 1
    [entry] = by_rule(doc)["breaking-entry"]
    assert (entry["file"], entry["line"]) == ("CHANGELOG.md", None)


def test_the_pushed_commits_changelog(pkg: Repo, gate_cli, monkeypatch) -> None:
    """Not on disk: the changelog is read from the pushed commit too."""
    pushed = pkg.commit(
        "feat!: rework", {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": BREAKING_CHANGELOG}
    )
    pkg.write("CHANGELOG.md", CHANGELOG)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", pushed)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature/change")
    code, doc, _ = api(gate_cli)
    assert code == 0, doc


def test_source_griffe_cannot_read_is_bad_input(pkg: Repo, gate_cli) -> None:
    pkg.commit("feat: broken", {"src/pkg/__init__.py": "def broken(:\n"})
    code, _, err = gate_cli("api", "--base", "main")
    assert code == 2
    assert "api: griffe could not load pkg" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- in Actions

API_WORKFLOW = """\
name: api
on: push
permissions:
  contents: read
jobs:
  api:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0
        with:
          persist-credentials: false
          fetch-depth: 0
      - id: gate
        uses: trunkgate/trunkgate/actions/api@v{version}
        continue-on-error: true
      - id: other
        uses: trunkgate/trunkgate/actions/api@v{version}
        continue-on-error: true
        with:
          packages: nothere
"""


@pytest.mark.e2e
@needs_act
def test_the_api_action_under_a_real_runner(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """The api action in a job of the caller's own, on a push that breaks the API unannounced:
    it fails, annotates the changed object and counts the breaks; a bad input is an error."""
    target = Target(tmp_path / "target")
    target.write({".github/workflows/api.yml": API_WORKFLOW.format(version=VERSION)})
    before = target.commit(
        "feat: the package",
        {
            "pyproject.toml": '[project]\nname = "pkg"\n',
            "src/pkg/__init__.py": BASE,
            "src/pkg/core.py": CORE,
            "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n",
        },
    )
    target.commit("feat: rework", {"src/pkg/__init__.py": BROKEN, "CHANGELOG.md": CHANGELOG})
    run = run_workflow(
        target,
        "push",
        ".github/workflows/api.yml",
        home=tmp_path / "home",
        payload=target.push(before),
        trunkgate_ref=trunkgate_ref,
        wheelhouse=wheelhouse,
        runner_python=runner_python,
    )
    assert run.returncode == 0, run.describe()
    gate = run.outputs(job="api/api", step="gate")
    assert gate["passed"] == "false", gate
    assert gate["breaking"] == "2", gate
    assert gate["error"] == "false", gate
    other = run.outputs(job="api/api", step="other")
    assert other["error"] == "true", other
    found = [
        a for a in run.annotations("error") if a.get("title", "").endswith("unannounced-break")
    ]
    assert {(a.get("file"), a.get("line")) for a in found} == {
        ("src/pkg/__init__.py", None),
        ("src/pkg/__init__.py", "6"),
    }, found
    assert "trunkgate api" in step_summary(run, "api/api")
