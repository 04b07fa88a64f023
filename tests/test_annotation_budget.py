"""GitHub shows 10 annotations of each level a step and silently drops the rest. Past that,
the github format keeps the ones on the lines the change adds, then on the files it changes,
and its last annotation of the level says how many more the log holds."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Repo
from tests.support import runner
from trunkgate.render.github import PER_LEVEL


def undefined(name: str, count: int) -> str:
    """`count` lines, each with one undefined name (F821)."""
    return "".join(f"{name}{i} = undefined_{name}{i}\n" for i in range(count))


# Old debt on main: 14 findings, one a line. The branch adds 3 to that file, and a new file
# with 4.
OLD = undefined("a", 14)
ADDED_TO_OLD = undefined("c", 3)
NEW = undefined("e", 4)


@pytest.fixture
def indebted(repo: Repo) -> Repo:
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    repo.write("old.py", OLD)
    repo.commit("chore: start")
    repo.git("switch", "-q", "-c", "feat/more")
    repo.write("old.py", OLD + ADDED_TO_OLD)
    repo.write("new.py", NEW)
    repo.commit("feat: more")
    return repo


def _errors(out: str) -> list[tuple[dict[str, str], str]]:
    return [(props, message) for name, props, message in runner.commands(out) if name == "error"]


def test_past_ten_the_changes_own_lines_are_shown_and_the_rest_counted(
    indebted: Repo, gate_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUNKGATE_NO_CACHE", "1")
    code, out, _ = gate_cli("lint", "--base", "main", "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert len(findings) == 14 + 3 + 4  # the touched file reports its old debt too
    added = {("old.py", 15 + i) for i in range(3)} | {("new.py", 1 + i) for i in range(4)}
    assert {(f["file"], f["line"]) for f in findings} >= added

    code, out, _ = gate_cli("lint", "--base", "main", "--format", "github")
    assert code == 1
    errors = _errors(out)
    assert len(errors) == PER_LEVEL
    shown = [(p["file"], int(p["line"])) for p, _ in errors[:-1]]
    # Every finding on an added line is shown; the room left goes to the old lines of the
    # touched file, in the report's order.
    assert added <= set(shown)
    old_shown = [line for file, line in shown if (file, line) not in added]
    assert old_shown == [1, 2]
    props, message = errors[-1]
    assert "file" not in props
    more = len(findings) - (PER_LEVEL - 1)
    assert props["title"] == f"trunkgate: {more} more errors"
    assert message.startswith(f"{more} more errors not shown as annotations")
    # The log lists the ones left out, as text.
    assert f"not annotated ({more}):" in out
    hidden = {(f["file"], f["line"]) for f in findings} - set(shown)
    assert len(hidden) == more
    assert all(f"{file}:{line}: F821" in out for file, line in hidden)


def test_ten_or_fewer_are_all_shown_in_the_reports_order(
    repo: Repo, gate_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUNKGATE_NO_CACHE", "1")
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    repo.write("a.py", undefined("a", PER_LEVEL))
    repo.commit("chore: start")
    code, out, _ = gate_cli("lint", "--all", "--format", "github")
    assert code == 1
    errors = _errors(out)
    assert [int(p["line"]) for p, _ in errors] == list(range(1, PER_LEVEL + 1))
    assert not any("more errors" in p["title"] for p, _ in errors)


def test_without_a_base_the_first_ones_in_the_reports_order_are_shown(
    repo: Repo, gate_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUNKGATE_NO_CACHE", "1")
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    repo.write("a.py", OLD)
    repo.commit("chore: start")
    code, out, _ = gate_cli("lint", "--all", "--format", "github")
    assert code == 1
    errors = _errors(out)
    assert [int(p["line"]) for p, _ in errors[:-1]] == list(range(1, PER_LEVEL))
    assert errors[-1][0]["title"] == f"trunkgate: {14 - PER_LEVEL + 1} more errors"
