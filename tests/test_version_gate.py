"""The version gate: on a release tag or branch, the version file, the changelog and the name
agree, and the bump is as large as the changes ask; elsewhere it passes with a note."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.support import runner
from tests.support.cli import run_cli
from trunkgate import cli, versions
from trunkgate.gates import version
from trunkgate.release import classify

CHANGELOG = """\
# Changelog

## [Unreleased]

## [{new}] - 2026-04-01

### {group}

- {entry}

## [1.2.0] - 2026-03-01

### Added

- Batch mode.
"""


def project(
    repo: Repo,
    new: str = "1.3.0",
    *,
    messages: tuple[str, ...] = ("feat: json output",),
    group: str = "Added",
    entry: str = "JSON output.",
    file_version: str | None = None,
    base: str = "1.2.0",
) -> None:
    """Released as v<base>; then commits; then the release commit for <new>."""
    repo.commit("chore: start", {"pyproject.toml": f'[project]\nname = "w"\nversion = "{base}"\n'})
    repo.tag(f"v{base}")
    for message in messages:
        repo.commit(message)
    text = CHANGELOG.format(new=new, group=group, entry=entry).replace("1.2.0", base)
    repo.commit(
        f"chore(release): {new}",
        {
            "CHANGELOG.md": text,
            "pyproject.toml": f'[project]\nname = "w"\nversion = "{file_version or new}"\n',
        },
    )


def gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = run_cli("version", list(argv))
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


# --------------------------------------------------------------------------- which release


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("v1.3.0", ("tag", "v1.3.0", "1.3.0")),
        ("refs/tags/v1.3.0-rc.1", ("tag", "v1.3.0-rc.1", "1.3.0-rc.1")),
        ("release/1.3.0", ("branch", "release/1.3.0", "1.3.0")),
        ("refs/heads/release/v1.3.0", ("branch", "release/v1.3.0", "1.3.0")),
        ("hotfix/1.2.1", ("branch", "hotfix/1.2.1", "1.2.1")),
        ("refs/heads/v1.3.0", None),  # a branch named like a tag is no release
        ("refs/tags/release/1.3.0", None),
        ("release/next", None),
        ("feature/1.3.0", None),
        ("v1.3", None),
        ("main", None),
    ],
)
def test_release_of(ref: str, expected: tuple[str, str, str] | None) -> None:
    found = version.release_of(ref, "v")
    assert (None if found is None else (found.kind, found.name, found.version)) == expected


def test_release_of_other_prefixes_and_schemes() -> None:
    assert version.release_of("1.3.0", "").version == "1.3.0"  # type: ignore[union-attr]
    assert version.release_of("release/2026.4", "v", "calver").version == "2026.4"  # type: ignore[union-attr]
    assert version.release_of("v2026.4", "v") is None


# --------------------------------------------------------------------------- not a release


def test_elsewhere_it_passes_with_a_note(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.branch("feature/x")
    assert gate(capsys) == (
        0,
        "not a release (branch feature/x): nothing to check\ntrunkgate version: passed\n",
    )


def test_a_detached_head_without_a_tag(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.checkout("HEAD~1")
    code, out = gate(capsys)
    assert code == 0
    assert "not a release (a detached HEAD)" in out


def test_an_empty_repository(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert gate(capsys) == (
        0,
        "not a release (branch main): nothing to check\ntrunkgate version: passed\n",
    )
    assert run_cli("version", ["--ref", "v1.0.0"]) == 2
    assert capsys.readouterr().err == (
        "trunkgate version: error: the tag v1.0.0 names a release, "
        "but the repository has no commits\n"
    )


# --------------------------------------------------------------------------- agreement


def test_a_consistent_release_passes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.branch("release/1.3.0")
    code, out = gate(capsys)
    assert code == 0, out
    assert out.splitlines() == [
        "release 1.3.0 (branch release/1.3.0)",
        "1.3.0 after v1.2.0: 2 commits, asking for a minor bump "
        f'(the feature {repo.git("rev-parse", "--short=7", "HEAD~1").strip()} "feat: json output")',
        "trunkgate version: passed",
    ]


def test_a_tag_at_head_is_found(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.tag("v1.3.0")
    repo.tag("not-a-version")
    code, out = gate(capsys)
    assert code == 0, out
    assert out.startswith("release 1.3.0 (tag v1.3.0)\n")


def test_disagreements_fail(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, file_version="1.2.5")
    code, out = gate(capsys, "--ref", "release/1.4.0")
    assert code == 1
    assert out.splitlines()[:3] == [
        "pyproject.toml: version-file: pyproject.toml holds version 1.2.5, "
        "but the branch release/1.4.0 releases 1.4.0",
        "CHANGELOG.md:5: version-changelog: the branch release/1.4.0 releases 1.4.0, "
        "but its newest section is [1.3.0]; expected ## [1.4.0]",
        "",
    ]
    assert "trunkgate release cut X.Y.Z --bump" in out
    assert out.endswith("trunkgate version: failed (2 errors)\n")


def test_a_release_not_yet_cut(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit(
        "chore: start",
        {
            "pyproject.toml": '[project]\nname = "w"\nversion = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- A bug.\n",
        },
    )
    repo.tag("v1.2.0")
    repo.branch("release/1.2.1")
    repo.commit("fix: a bug")
    code, out = gate(capsys, "--format", "json")
    assert code == 1
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["severity"], f["line"]) for f in found] == [
        ("version-file", "error", None),
        ("version-changelog", "error", None),
        ("version-changelog", "warning", 3),
    ]
    assert found[1]["message"].endswith("but it has no release section; expected ## [1.2.1]")
    assert found[2]["message"] == (
        "## [Unreleased] still holds 1 entry; a release moves them under ## [1.2.1]"
    )


def test_without_a_version_file(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, file_version="0.0.0")
    code, out = gate(capsys, "--ref", "v1.3.0", "--version-file", "")
    assert code == 0, out


def test_a_version_in_a_python_file(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.commit("chore: version", {"src/w/__init__.py": '__version__ = "1.2.0"\n'})
    code, out = gate(capsys, "--ref", "v1.3.0", "--version-file", "src/w/__init__.py")
    assert code == 1
    assert "src/w/__init__.py holds version 1.2.0, but the tag v1.3.0 releases 1.3.0" in out


# --------------------------------------------------------------------------- the bump


@pytest.mark.parametrize(
    ("base", "new", "messages", "entry", "zero", "expected"),
    [
        ("1.2.0", "1.2.1", ("fix: a",), "A fix.", "minor", None),
        ("1.2.0", "1.3.0", ("fix: a",), "A fix.", "minor", None),  # more than needed is fine
        ("1.2.0", "1.2.1", ("feat: a",), "A.", "minor", "a patch bump from 1.2.0, but the feature"),
        (
            "1.2.0",
            "1.3.0",
            ("feat!: a",),
            "A.",
            "minor",
            "a minor bump from 1.2.0, but the breaking",
        ),
        ("1.2.0", "2.0.0", ("feat!: a",), "A.", "minor", None),
        (
            "1.2.0",
            "1.3.0",
            ("feat: a",),
            "**Breaking:** A.",
            "minor",
            "the **Breaking:** entry at line 9",
        ),
        ("0.4.0", "0.5.0", ("feat!: a",), "A.", "minor", None),
        ("0.4.0", "0.5.0", ("feat!: a",), "A.", "major", "needs a major bump; expected 1.0.0"),
        ("0.4.0", "0.4.1", ("feat!: a",), "A.", "minor", "needs a minor bump; expected 0.5.0"),
        ("1.2.0", "1.3.0-rc.1", ("feat: a",), "A.", "minor", None),
        ("1.2.0", "1.2.1", ("docs: a",), "Docs.", "minor", None),
    ],
)
def test_the_bump_fits_the_changes(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    base: str,
    new: str,
    messages: tuple[str, ...],
    entry: str,
    zero: str,
    expected: str | None,
) -> None:
    project(repo, new, messages=messages, entry=entry, base=base)
    code, out = gate(capsys, "--ref", f"v{new}", "--zero-major-breaking", zero)
    if expected is None:
        assert code == 0, out
    else:
        assert code == 1, out
        assert "version-bump" in out
        assert expected in out


def test_a_version_below_the_last_release(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, "1.1.0", messages=("fix: a",))
    code, out = gate(capsys, "--ref", "release/1.1.0")
    assert code == 1
    assert (
        "version-order: 1.1.0 is not above the last release 1.2.0; expected a higher version" in out
    )


def test_pre_releases_and_the_release_tag_itself_are_not_the_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, messages=("feat: a",))
    repo.git("tag", "v1.3.0-rc.1", "HEAD~1")
    repo.tag("v1.3.0")
    code, out = gate(capsys)
    assert code == 0, out
    assert "1.3.0 after v1.2.0" in out


def test_a_first_release(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit(
        "feat: start",
        {
            "pyproject.toml": '[project]\nname = "w"\nversion = "0.1.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n"
            "### Added\n\n- Everything.\n",
        },
    )
    code, out = gate(capsys, "--ref", "v0.1.0")
    assert code == 0, out
    assert "the first release: no earlier release tag, so no bump to check" in out


def test_a_shallow_clone_cannot_check_the_bump(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(repo)
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{repo.path}", str(shallow)],
        check=True,
    )
    monkeypatch.chdir(shallow)
    assert run_cli("version", ["--ref", "v1.3.0"]) == 2
    err = capsys.readouterr().err
    assert "no release tag before 1.3.0 in the history of HEAD, and the clone is shallow" in err
    assert "fetch-depth: 0" in err


def test_other_schemes_skip_the_bump(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, "2026.4.0")
    code, out = gate(capsys, "--ref", "v2026.4.0", "--version-scheme", "calver")
    assert code == 0, out
    assert "the bump is not checked: the version scheme is calver, not semver" in out


def test_non_semver_tags_are_noted(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.git("tag", "vnext", "HEAD~1")
    code, out = gate(capsys, "--ref", "v1.3.0")
    assert code == 0, out
    assert "warning: ignoring tag 'vnext'" in out


# --------------------------------------------------------------------------- in CI


def test_a_pushed_tag_in_ci(repo: Repo, capsys: pytest.CaptureFixture[str], github_env) -> None:
    project(repo, "1.2.1", messages=("feat: a",))
    _, output = github_env("push", {}, ref="refs/tags/v1.2.1")
    code, out = gate(capsys, "--format", "github")
    assert code == 1
    assert out.startswith("::error title=trunkgate version%3A version-bump::1.2.1 is a patch bump")
    found = runner.outputs(output.read_text())
    assert (found["version"], found["bump"]) == ("1.2.1", "patch")


def test_a_pull_request_from_a_release_branch(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    project(repo)
    github_env(
        "pull_request",
        {"pull_request": {"number": 3, "head": {"ref": "release/1.3.0"}, "base": {"ref": "main"}}},
        ref="refs/pull/3/merge",
    )
    code, out = gate(capsys)
    assert code == 0, out
    assert out.startswith("release 1.3.0 (branch release/1.3.0)\n")


def test_a_push_to_the_trunk_in_ci(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    project(repo)
    repo.tag("v1.3.0")  # at HEAD, but CI says the push was to main
    github_env("push", {}, ref="refs/heads/main")
    assert "not a release (refs/heads/main)" in gate(capsys)[1]


def test_the_cli_dispatches_version(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    assert cli.main(["version", "--ref", "v1.3.0"]) == 0
    assert "release 1.3.0 (tag v1.3.0)" in capsys.readouterr().out


def test_the_policy_file_is_read(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, "0.5.0", base="0.4.0", messages=("feat!: a",))
    repo.commit(
        "chore: policy",
        {
            "pyproject.toml": '[project]\nname = "w"\nversion = "0.5.0"\n\n'
            '[tool.trunkgate.release]\nzero-major-breaking = "major"\n'
        },
    )
    code, out = gate(capsys, "--ref", "v0.5.0")
    assert code == 1
    assert "needs a major bump; expected 1.0.0" in out


# --------------------------------------------------------------------------- pure parts


def test_required_level_prefers_the_strongest_reason() -> None:
    feat = classify.Change("a" * 40, "feat: a")
    fix = classify.Change("b" * 40, "fix: b")
    assert version.required_level([fix], None) == (versions.PATCH, "the fixes")
    assert version.required_level([fix, feat], None)[0] == versions.MINOR
    assert version.required_level([], None) == (None, "no change")
