"""trunkgate's references to itself name exactly this release: `@v{__version__}`.

In a called workflow `./` is the caller's checkout, so the reusable workflows name their own
actions in full, `trunkgate/trunkgate/actions/<name>@<ref>`, and the actions name `setup` the
same way. The ref is the exact release tag: the release commit bumps `__version__` and every
one of these references together and is then tagged, so a tag's workflows run that same
tag's actions and install that tag's engine. The starter workflows and the README name the
exact release too (not the moving major tag `v0`): an adopter copies a release that works
as tested and moves on with Dependabot, as with any other action. Neither the newer
self-repository form `uses: $/...` (not on GitHub Enterprise Server; act and other tools do
not know it) nor a branch (`@main`) is ever used.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trunkgate import __version__

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"trunkgate/trunkgate/(?P<path>[\w./-]+?)@(?P<ref>[^\s\"'`#)]+)")
SELF_REPOSITORY = re.compile(r"^\s*(-\s*)?uses:\s*['\"]?\$/")  # a step or a job, not prose


def files_to_check() -> list[Path]:
    found = [
        *ROOT.glob("actions/*/action.yml"),
        *ROOT.glob(".github/workflows/*.yml"),
        *ROOT.glob("workflows/*.yml"),
        ROOT / "README.md",
        *ROOT.glob("docs/*.md"),
    ]
    return sorted(p for p in found if p.is_file())


def references(text: str) -> list[tuple[int, str, str]]:
    """(line, path, ref) of every `trunkgate/trunkgate/<path>@<ref>` in a text."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        found.extend((number, m["path"], m["ref"]) for m in REFERENCE.finditer(line))
    return found


def problems(text: str, version: str) -> list[str]:
    """What is wrong with a file's self-references, for release `version`."""
    wrong = []
    for number, path, ref in references(text):
        if ref != f"v{version}":
            wrong.append(f"line {number}: {path}@{ref} should name v{version}")
        target = ROOT / path
        if not (target / "action.yml").is_file() and not target.is_file():
            wrong.append(f"line {number}: {path} is not an action or a workflow of this repository")
    for number, line in enumerate(text.splitlines(), 1):
        if SELF_REPOSITORY.search(line):
            wrong.append(f"line {number}: the $/ self-repository form is not used")
    return wrong


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", files_to_check(), ids=rel)
def test_self_references_name_this_release(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8"), __version__) == []


def test_the_internal_references_are_there() -> None:
    """The reusable workflows and the gate actions do refer to themselves (so the test
    above checks something), and the starters call the reusable workflows."""
    for name in ("quality-gates.yml", "dependency-audit.yml"):
        workflow = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert {path for _, path, _ in references(workflow)} >= {
            "actions/gates" if name == "quality-gates.yml" else "actions/audit"
        }
        starter = (ROOT / "workflows" / name).read_text(encoding="utf-8")
        assert [p for _, p, _ in references(starter)] == [f".github/workflows/{name}"]
    # The actions call no trunkgate action at all: they run the setup script beside them.
    for action in [ROOT / "action.yml", *ROOT.glob("actions/*/action.yml")]:
        assert [p for _, p, _ in references(action.read_text(encoding="utf-8"))] == [], rel(action)


def test_a_wrong_reference_is_reported() -> None:
    text = (
        "uses: trunkgate/trunkgate/actions/lint@v0\n"
        "  uses: trunkgate/trunkgate/.github/workflows/quality-gates.yml@main # moving\n"
        "uses: trunkgate/trunkgate/actions/nope@v9.9.9\n"
        "uses: $/actions/lint\n"
        "uses: trunkgate/trunkgate/actions/setup@v9.9.9\n"
    )
    assert problems(text, "9.9.9") == [
        "line 1: actions/lint@v0 should name v9.9.9",
        "line 2: .github/workflows/quality-gates.yml@main should name v9.9.9",
        "line 3: actions/nope is not an action or a workflow of this repository",
        "line 4: the $/ self-repository form is not used",
    ]


def test_the_version_is_a_release_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
