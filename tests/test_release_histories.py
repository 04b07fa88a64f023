"""`trunkgate release` on the histories real projects have: release commits rewritten after
they were tagged, unprefixed and floating tags, PEP 440 and calendar versions, breaking
changes outside a proper footer, commits that are not Conventional, pre-release cycles, a
two-package monorepo and versions kept in several files. Each expected answer is worked out
by hand beside its history.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.support.cli import run_cli
from tests.test_release import history, run
from trunkgate import versions
from trunkgate.release import files as release_files


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the worktree (outside .git), to prove that nothing was written."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


# --------------------------------------------------------------------------- off-history tags


def test_a_tag_left_on_a_rewritten_release_commit_counts_as_released(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # v1.0.0 - feat - release 1.1.0 (tagged v1.1.0), then the release commit is amended: the
    # tag stays on the old commit, out of the history of HEAD. A fix follows.
    # The commits no release tag holds: the amended release commit and the fix: 1.1.1.
    history(repo, ["v1.0.0"], ["feat: a"])
    repo.commit("chore(release): 1.1.0")
    repo.tag("v1.1.0")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit("chore(release): 1.1.0\n\nWith the notes fixed.")
    repo.commit("fix: b")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.1.1\n"), err
    assert (
        "trunkgate release: warning: release 1 tag not in the history of HEAD (a release "
        "commit rewritten after it was tagged?): v1.1.0; counted as released"
    ) in err
    assert "last release 1.1.0 (from tag v1.1.0, not in the history of HEAD)" in err
    code, out, _ = run(capsys, "next", "--format", "json")
    assert json.loads(out)["unreachable_tags"] == ["v1.1.0"]


def test_tags_left_behind_four_releases_in_a_row(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Four releases whose release commits were all rebased away (the history rewritten from
    # v1.0.0 on, each release commit tagged before the rewrite). Without the off-history
    # tags the next version would be 1.1.0, which exists; with them: 1.4.0 is the newest
    # release, and the rewritten feat commits no tag holds ask for a minor bump: 1.5.0.
    history(repo, ["v1.0.0"], [])
    base = repo.head()
    for minor in range(1, 5):
        repo.commit(f"feat: f{minor}")
        repo.commit(f"chore(release): 1.{minor}.0")
        repo.tag(f"v1.{minor}.0")
    repo.git("checkout", "-q", "-B", "main", base)
    for minor in range(1, 5):
        repo.commit(f"feat: f{minor}")
        repo.commit(f"chore(release): 1.{minor}.0")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.5.0\n"), err
    assert "4 tags not in the history of HEAD" in err
    assert "v1.4.0, v1.3.0, v1.2.0, v1.1.0" in err


def test_the_changelog_and_the_version_file_know_releases_the_tags_miss(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # v1.0.0 is tagged; 1.1.0 was released (changelog section, version file) but its tag was
    # never pushed. A feat since: 1.2.0, not 1.1.0 again.
    changelog = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-02-01\n\n### Added\n\n- X.\n"
    repo.commit("chore: start", {"pyproject.toml": '[project]\nversion = "1.0.0"\n'})
    repo.tag("v1.0.0")
    repo.commit(
        "chore(release): 1.1.0",
        {"CHANGELOG.md": changelog, "pyproject.toml": '[project]\nversion = "1.1.0"\n'},
    )
    repo.commit("feat: y")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.2.0\n"), err
    assert "last release 1.1.0 (from CHANGELOG.md [1.1.0])" in err
    # The version file alone says so too.
    repo.commit("docs: drop the changelog", {"CHANGELOG.md": "# Changelog\n"})
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.2.0\n"), err
    assert "(from pyproject.toml 1.1.0)" in err


def test_a_fresh_projects_version_file_is_the_first_release_to_come(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # No tag, no changelog release, pyproject says the initial version 0.1.0: a first release.
    repo.commit("feat: a", {"pyproject.toml": '[project]\nversion = "0.1.0"\n'})
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.1.0\n"), err
    # A version above it was released without tags: 0.3.0, then a feat makes 0.4.0.
    repo.commit("feat: b", {"pyproject.toml": '[project]\nversion = "0.3.0"\n'})
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.4.0\n"), err


def test_a_branch_released_from_the_last_release_counts(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # v2.0.0 was tagged on a branch that left main at v1.0.0, after it: a release that is
    # known, so main's next release must not be 2.0.0 again; main's fix after it: 2.0.1.
    history(repo, ["v1.0.0"], [])
    repo.branch("other")
    repo.commit("feat!: elsewhere")
    repo.tag("v2.0.0")
    repo.checkout("main")
    repo.commit("feat!: here too")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "3.0.0\n"), err
    assert "v2.0.0" in err


# --------------------------------------------------------------------------- tag names


def test_unprefixed_tags_under_the_default_prefix(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["0.27.0", "0.28.0", "0.28.1"], ["feat: a"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.29.0\n"), err
    assert err.splitlines()[0] == (
        "trunkgate release: warning: no tag has the tag prefix 'v', but 3 tags look like "
        "0.28.1 (prefix ''): using that prefix; expected tag-prefix = \"\" in the policy"
    )
    code, out, _ = run(capsys, "next", "--format", "json")
    assert json.loads(out)["tag"] == "0.29.0"


def test_a_monorepo_root_takes_its_own_prefix_not_the_most_common(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A root project `app` beside a package `lib` whose tags are the more numerous."""
    repo.write("pyproject.toml", '[project]\nname = "app"\n')
    history(repo, ["app-v1.0.0", "lib-v1.0.0", "lib-v1.1.0", "lib-v1.2.0"], ["feat: a"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.1.0\n"), err
    assert "(prefix 'app-v'): using that prefix" in err
    code, out, _ = run(capsys, "next", "--format", "json")
    assert json.loads(out)["tag"] == "app-v1.1.0"


def test_a_prefix_that_matches_tags_is_kept(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["0.9.0", "0.9.1", "v1.0.0"], ["fix: a"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.0.1\n"), err
    assert "using that prefix" not in err


def test_floating_tags_are_aliases_said_nothing_about(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v10.5.0", "v10.6.0", "v10.6.1", "v10", "v10.6", "v10.5"], ["fix: a"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "10.6.2\n")
    assert "warning" not in err
    # `v9` has no v9.x.y beside it: no alias, so it is named.
    repo.tag("v9")
    assert "ignoring tag 'v9'" in run(capsys, "next")[2]


# --------------------------------------------------------------------------- schemes


PEP440_CASES = [
    # (tags, messages, flags, expected): worked by hand from PEP 440's rules.
    (["1.4.0"], ["feat: a"], [], "1.5.0"),
    (["1.4.0"], ["fix: a"], [], "1.4.1"),
    (["1.4.0"], ["feat!: a"], [], "2.0.0"),
    (["4.2"], ["feat: a"], [], "4.3"),  # as many release parts as the last release had
    (["4.2"], ["fix: a"], [], "4.2.1"),
    (["4.2"], ["fix!: a"], [], "5.0"),
    (["0.4"], ["feat!: a"], [], "0.5"),  # breaking while the major is 0: the minor
    (["1!2.0"], ["fix: a"], [], "1!2.0.1"),  # the epoch stays
    (["1.4.0", "1.4.0.post1"], ["fix: a"], [], "1.4.1"),  # a post release is a release
    (["1.4.0", "1.5.0rc1"], ["fix: a"], [], "1.4.1"),  # a pre-release is no base
    (["1.4.0", "1.5.0rc1"], ["feat: a"], ["--pre", "rc"], "1.5.0rc2"),
    (["1.4.0"], ["feat: a"], ["--pre", "beta"], "1.5.0b1"),
    (["1.4.0"], ["feat: a"], ["--pre", "alpha"], "1.5.0a1"),
    (["1.4.0", "1.5.0.dev1"], ["feat: a"], ["--pre", "dev"], "1.5.0.dev2"),
    (["1.4.0", "1.10.0", "1.9.0"], ["fix: a"], [], "1.10.1"),
    ([], ["feat: a"], [], "0.1.0"),
]


@pytest.mark.parametrize(("tags", "messages", "flags", "expected"), PEP440_CASES)
def test_pep440_next(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    tags: list[str],
    messages: list[str],
    flags: list[str],
    expected: str,
) -> None:
    history(repo, tags, messages)
    code, out, err = run(capsys, "next", "--version-scheme", "pep440", "--tag-prefix", "", *flags)
    assert (code, out) == (0, f"{expected}\n"), err
    from packaging.version import Version  # the reference for PEP 440's rules

    assert str(Version(expected)) == expected  # written in normal form
    assert all(Version(expected) > Version(t) for t in tags if "rc" not in t and "dev" not in t)


def test_pep440_refuses_a_name_it_cannot_write(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["1.0.0"], ["feat: a"])
    code, _, err = run(
        capsys, "next", "--version-scheme", "pep440", "--tag-prefix", "", "--pre", "x"
    )
    assert code == 2
    assert err == (
        "trunkgate release: error: --pre: expected a PEP 440 pre-release name "
        "(a, b, rc, alpha, beta, dev), got 'x'\n"
    )


def test_pep440_order_is_packagings() -> None:
    from packaging.version import Version

    names = ["1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.0.1"]
    names += ["1.1.dev1", "1.1", "2!0.1", "1.0.post1.dev2"]
    ours = sorted(names, key=lambda v: versions.sort_key(v, "pep440"))
    assert ours == sorted(names, key=Version)


def test_calver_next(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    today = datetime.date.today()
    y, m = today.year, today.month
    # The month's first release: .0, the month as the last release wrote it.
    history(repo, ["2020.1.4"], ["fix: a"])
    code, out, err = run(capsys, "next", "--version-scheme", "calver", "--tag-prefix", "")
    assert (code, out) == (0, f"{y}.{m}.0\n"), err
    # Another release this month: .N + 1.
    repo.tag(f"{y}.{m}.0")
    repo.commit("feat: b")
    code, out, err = run(capsys, "next", "--version-scheme", "calver", "--tag-prefix", "")
    assert (code, out) == (0, f"{y}.{m}.1\n"), err
    # Nothing that asks for a release: nothing.
    repo.tag(f"{y}.{m}.1")
    repo.commit("docs: c")
    code, out, _ = run(capsys, "next", "--version-scheme", "calver", "--tag-prefix", "")
    assert (code, out) == (0, "")


@pytest.mark.parametrize(
    ("version", "today", "expected"),
    [
        ("2026.11.3", (2026, 11), "2026.11.4"),
        ("2026.11.3", (2026, 12), "2026.12.0"),
        ("2026.01.0", (2026, 2), "2026.02.0"),  # zero-padded, as the last release was
        ("2026.1", (2026, 1), "2026.1.1"),
        ("2026.12.0", (2026, 11), "2026.12.1"),  # a clock behind the last release
        (None, (2026, 3), "2026.3.0"),
    ],
)
def test_calver_arithmetic(version: str | None, today: tuple[int, int], expected: str) -> None:
    assert versions.next_release(version, "patch", "calver", today=today) == expected
    assert versions.is_valid(expected, "calver")


# --------------------------------------------------------------------------- breaking changes


BREAKING_CASES = [
    # The token in the last paragraph, with no blank line before it: not a footer.
    ("feat: a\n\nThe body says why.\nBREAKING CHANGE: --old is gone", 4),
    # A breaking footer that runs over several paragraphs: the first is not "the footers".
    ("fix: a\n\nBREAKING CHANGE: --old is gone.\n\nUse --new instead.\n\nRefs: #12", 3),
    # In the body, after a bullet.
    ("refactor: a\n\n* BREAKING CHANGE: the API moved\n\nMore text.", 3),
]


@pytest.mark.parametrize(("message", "line"), BREAKING_CASES)
def test_breaking_change_outside_a_footer_is_never_under_bumped(
    repo: Repo, capsys: pytest.CaptureFixture[str], message: str, line: int
) -> None:
    history(repo, ["v1.2.0"], [])
    sha = repo.commit(message)
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "2.0.0\n"), err
    assert (
        f"trunkgate release: warning: {sha[:7]}: line {line} says BREAKING CHANGE outside a "
        "valid footer (the last paragraphs, after a blank line); counted as breaking all the same"
    ) in err
    code, out, _ = run(capsys, "notes")
    assert out.startswith("### Breaking changes\n")


@pytest.mark.parametrize(
    "message",
    [
        "docs: a\n\nBreaking change: not the token",  # the token is upper case
        "docs: a\n\nNo BREAKING CHANGE here, only prose.",  # not at the start of a line
        "docs: a\n\nBREAKING CHANGES: plural is another word",
    ],
)
def test_words_that_are_not_the_token(
    repo: Repo, capsys: pytest.CaptureFixture[str], message: str
) -> None:
    history(repo, ["v1.2.0"], [message])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, ""), err


# --------------------------------------------------------------------------- not Conventional


def non_conventional_history(repo: Repo) -> None:
    """v1.0.0, then 30 commits: 12 that are not Conventional, 18 docs commits."""
    history(repo, ["v1.0.0"], [])
    for n in range(30):
        repo.commit(f"Update the docs, take {n}" if n % 5 < 2 else f"docs: take {n}")


def test_commits_that_are_not_conventional_stop_next(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    non_conventional_history(repo)
    code, out, err = run(capsys, "next")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "trunkgate release: error: 12 of 30 commits since 1.0.0 aren't Conventional Commits; "
        "the next version can't be told from them; expected Conventional Commits, or "
        "--non-conventional patch|ignore (policy key non-conventional)"
    )
    assert "  12 of 30 commits not Conventional Commits: " in err
    assert "and 7 more" in err
    code, out, err = run(capsys, "notes")  # notes of the next version: the same question
    assert code == 2


def test_non_conventional_patch_or_ignore(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    non_conventional_history(repo)
    code, out, err = run(capsys, "next", "--non-conventional", "patch")
    assert (code, out) == (0, "1.0.1\n"), err
    assert "each commit that is not Conventional counts as a fix" in err
    code, out, err = run(capsys, "next", "--non-conventional", "ignore")
    assert (code, out) == (0, ""), err
    # As a policy key.
    repo.write("pyproject.toml", '[tool.trunkgate.release]\nnon-conventional = "patch"\n')
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.0.1\n"), err


def test_a_history_of_no_conventional_commit_at_all(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], ["Initial work", "More work"])
    code, out, err = run(capsys, "next", "--non-conventional", "ignore")
    assert (code, out) == (0, "")
    assert "none of the 2 commits since v1.0.0 is a Conventional Commit" in err


# --------------------------------------------------------------------------- pre-releases


RC_START = """\
# Changelog

## [Unreleased]

### Added

- The `--json` flag.

## [1.5.0] - 2026-03-01

### Added

- Batch mode.

[unreleased]: https://github.com/acme/widget/compare/v1.5.0...HEAD
[1.5.0]: https://github.com/acme/widget/compare/v1.4.0...v1.5.0
"""
RC_FINAL = """\
# Changelog

## [Unreleased]

## [1.6.0] - 2026-04-20

### Added

- The `--json` flag.

### Changed

- Faster start.

### Fixed

- The exit code of --help.
- A crash on empty input.

## [1.5.0] - 2026-03-01

### Added

- Batch mode.

[unreleased]: https://github.com/acme/widget/compare/v1.6.0...HEAD
[1.6.0]: https://github.com/acme/widget/compare/v1.5.0...v1.6.0
[1.5.0]: https://github.com/acme/widget/compare/v1.4.0...v1.5.0
"""


def _add_entry(repo: Repo, group: str, entry: str) -> None:
    text = (repo.path / "CHANGELOG.md").read_text()
    head = "## [Unreleased]\n"
    text = text.replace(head, f"{head}\n### {group}\n\n- {entry}\n", 1)
    repo.write("CHANGELOG.md", text)


def test_a_release_candidate_cycle_end_to_end(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("chore: start", {"pyproject.toml": '[project]\nversion = "1.5.0"\n'})
    repo.tag("v1.5.0")
    repo.commit("feat: add --json", {"CHANGELOG.md": RC_START})
    # rc.1
    assert run(capsys, "next", "--pre", "rc")[1] == "1.6.0-rc.1\n"
    code, _, err = run(capsys, "cut", "1.6.0-rc.1", "--date", "2026-04-01", "--bump")
    assert code == 0, err
    repo.commit("chore(release): 1.6.0-rc.1")
    repo.tag("v1.6.0-rc.1")
    # rc.2, after a fix
    _add_entry(repo, "Fixed", "A crash on empty input.")
    repo.commit("fix: a crash on empty input")
    assert run(capsys, "next", "--pre", "rc")[1] == "1.6.0-rc.2\n"
    assert run(capsys, "next")[1] == "1.6.0\n"  # the final release is still 1.6.0
    code, _, err = run(capsys, "cut", "1.6.0-rc.2", "--date", "2026-04-10", "--bump")
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "## [1.6.0-rc.2] - 2026-04-10" in text
    assert "## [1.6.0-rc.1] - 2026-04-01" in text
    repo.commit("chore(release): 1.6.0-rc.2")
    repo.tag("v1.6.0-rc.2")
    # the final release rolls both candidates up, with what came after them
    repo.write(
        "CHANGELOG.md",
        (repo.path / "CHANGELOG.md")
        .read_text()
        .replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Changed\n\n- Faster start.\n\n### Fixed\n\n"
            "- The exit code of --help.\n",
            1,
        ),
    )
    repo.commit("perf: faster start")
    assert run(capsys, "next")[1] == "1.6.0\n"
    code, _, err = run(capsys, "cut", "1.6.0", "--date", "2026-04-20", "--bump")
    assert code == 0, err
    assert (repo.path / "CHANGELOG.md").read_text() == RC_FINAL
    assert (
        "the pre-release sections [1.6.0-rc.2], [1.6.0-rc.1] rolled up into [1.6.0], "
        "their links removed"
    ) in err
    assert (repo.path / "pyproject.toml").read_text() == '[project]\nversion = "1.6.0"\n'
    repo.commit("chore(release): 1.6.0")
    repo.tag("v1.6.0")
    assert run_cli("version", ["--ref", "v1.6.0"]) == 0, capsys.readouterr()
    capsys.readouterr()
    # notes of the final span from 1.5.0, through the candidates
    code, out, _ = run(capsys, "notes", "1.6.0")
    assert "The `--json` flag." in out
    assert "A crash on empty input." in out


def test_rolling_up_keeps_an_entry_written_twice_once() -> None:
    from trunkgate.release.cut import roll_up

    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- A.\n\n"
        "## [2.0.0-beta.1] - 2026-01-02\n\n### Fixed\n\n- A.\n- B.\n\n"
        "## [1.9.0] - 2026-01-01\n"
    )
    new, rolled = roll_up(text, "2.0.0", "semver")
    assert rolled == ["2.0.0-beta.1"]
    assert new == (
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- A.\n- B.\n\n## [1.9.0] - 2026-01-01\n"
    )
    assert roll_up(text, "2.0.0-beta.2", "semver") == (text, [])  # a pre-release rolls nothing
    assert roll_up(text, "2.1.0", "semver") == (text, [])  # another release's candidates stay


# --------------------------------------------------------------------------- a monorepo


def monorepo(repo: Repo, paths: str = '[tool.trunkgate.release]\npaths = ["."]\n') -> None:
    """Two packages, each with its own policy: pkga (tags pkga-vX.Y.Z), pkgb (pkgb-vX.Y.Z)."""
    for name, version in (("pkga", "1.0.0"), ("pkgb", "2.0.0")):
        repo.write(
            f"{name}/pyproject.toml",
            f'[project]\nname = "{name}"\nversion = "{version}"\n\n'
            f'[tool.trunkgate]\ntag-prefix = "{name}-v"\n\n{paths}',
        )
        repo.write(f"{name}/CHANGELOG.md", f"# Changelog\n\n## [Unreleased]\n\n## [{version}]\n")
        repo.write(f"{name}/src.py", "")
    repo.commit("chore: start")
    repo.tag("pkga-v1.0.0")
    repo.tag("pkgb-v2.0.0")


def test_a_feature_of_one_package_does_not_bump_the_other(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monorepo(repo)
    repo.commit("feat: b can fly", {"pkgb/src.py": "fly = 1\n"})
    monkeypatch.chdir(repo.path / "pkga")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, ""), err
    assert "no commits since pkga-v1.0.0" in err
    monkeypatch.chdir(repo.path / "pkgb")
    assert run(capsys, "next")[1] == "2.1.0\n"
    repo.commit("fix: a lands", {"pkga/src.py": "land = 1\n"})
    repo.commit("docs: both", {"pkga/README": "a\n", "pkgb/README": "b\n"})
    monkeypatch.chdir(repo.path / "pkga")
    code, out, err = run(capsys, "next", "--format", "json")
    doc = json.loads(out)
    assert (doc["version"], doc["tag"]) == ("1.0.1", "pkga-v1.0.1")
    assert [c["subject"] for c in doc["commits"]] == ["fix: a lands", "docs: both"]
    code, out, _ = run(capsys, "notes")
    assert "a lands" in out
    assert "fly" not in out
    # cut --from-commits writes pkga's entries only, into pkga's changelog
    code, _, err = run(capsys, "cut", "1.0.1", "--from-commits", "--bump", "--date", "2026-05-01")
    assert code == 0, err
    text = (repo.path / "pkga" / "CHANGELOG.md").read_text()
    assert "- a lands" in text
    assert "fly" not in text
    assert 'version = "1.0.1"' in (repo.path / "pkga" / "pyproject.toml").read_text()
    assert 'version = "2.0.0"' in (repo.path / "pkgb" / "pyproject.toml").read_text()


def test_a_package_in_a_folder_releases_its_own_commits_by_default(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No paths key: a project in a folder of the repository (as init sets a package up)
    releases the commits that touch its folder; the project at the top, all of them."""
    monorepo(repo, paths="")
    repo.write("pyproject.toml", '[project]\nname = "top"\n\n[tool.trunkgate]\ntag-prefix = "v"\n')
    repo.commit("chore: the top project")
    repo.tag("v0.1.0")
    repo.commit("feat: b can fly", {"pkgb/src.py": "fly = 1\n"})
    monkeypatch.chdir(repo.path / "pkga")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, ""), err
    monkeypatch.chdir(repo.path / "pkgb")
    assert run(capsys, "next")[1] == "2.1.0\n"
    monkeypatch.chdir(repo.path)
    assert run(capsys, "next")[1] == "0.2.0\n"


def test_a_package_without_tags_is_not_given_anothers_prefix(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monorepo(repo)
    repo.git("tag", "-d", "pkga-v1.0.0")
    repo.write("pkga/CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n")
    repo.write(
        "pkga/pyproject.toml",
        (repo.path / "pkga/pyproject.toml")
        .read_text()
        .replace('version = "1.0.0"', 'version = "0.1.0"'),
    )
    repo.commit("feat: a starts", {"pkga/src.py": "x = 1\n"})
    monkeypatch.chdir(repo.path / "pkga")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.1.0\n"), err
    assert "using that prefix" not in err


def test_paths_from_the_command_line(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    monorepo(repo)
    repo.commit("feat: b can fly", {"pkgb/src.py": "fly = 1\n"})
    code, out, _ = run(capsys, "next", "--tag-prefix", "pkga-v", "--paths", "pkga")
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "next", "--tag-prefix", "pkgb-v", "--paths", "pkgb,docs")
    assert (code, out) == (0, "2.1.0\n")


# --------------------------------------------------------------------------- version files


VERSION_FILES = (
    '[project]\nname = "pkg"\nversion = "1.2.0"\n\n'
    "[tool.trunkgate.release]\nversion-files = [\n"
    '  {path = "src/pkg/__init__.py", pattern = \'__version__ = "{version}"\'},\n'
    '  {path = "README.md", pattern = "pkg=={version}"},\n'
    "]\n"
)
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- A thing.\n\n## [1.2.0] - 2026-01-01\n"


def version_project(repo: Repo, readme: str = "pip install pkg==1.2.0\n") -> None:
    repo.commit(
        "chore: start",
        {
            "pyproject.toml": VERSION_FILES,
            "src/pkg/__init__.py": '"""The package."""\n\n__version__ = "1.2.0"\n',
            "README.md": readme,
            "CHANGELOG.md": CHANGELOG,
        },
    )
    repo.tag("v1.2.0")
    repo.commit("feat: a thing")


def test_cut_bumps_every_version_file(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    version_project(repo, "pip install pkg==1.2.0\n\nor: uv add pkg==1.2.0\n")
    code, _, err = run(capsys, "cut", "1.3.0", "--bump", "--date", "2026-02-01")
    assert code == 0, err
    assert 'version = "1.3.0"' in (repo.path / "pyproject.toml").read_text()
    assert (repo.path / "src/pkg/__init__.py").read_text().endswith('__version__ = "1.3.0"\n')
    assert (repo.path / "README.md").read_text() == (
        "pip install pkg==1.3.0\n\nor: uv add pkg==1.3.0\n"
    )
    for line in (
        "  pyproject.toml: version 1.2.0 -> 1.3.0",
        "  src/pkg/__init__.py: version 1.2.0 -> 1.3.0",
        "  README.md: version 1.2.0 -> 1.3.0",
    ):
        assert line in err.splitlines()
    assert not list(repo.path.glob(".*journal*"))
    repo.commit("chore(release): 1.3.0")
    repo.tag("v1.3.0")
    assert run_cli("version", ["--ref", "v1.3.0"]) == 0


def test_a_pattern_that_matches_nothing_writes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    version_project(repo, "Install it with pip.\n")
    before = snapshot(repo.path)
    code, out, err = run(capsys, "cut", "1.3.0", "--bump", "--date", "2026-02-01")
    assert (code, out) == (2, "")
    assert err == (
        "trunkgate release: error: README.md: the version-files pattern 'pkg=={version}' "
        "matches nothing; expected it to match the text around the version; nothing was "
        "written\n"
    )
    assert snapshot(repo.path) == before


@pytest.mark.parametrize("pattern", ["version", "{version}", "{version} and {version}"])
def test_a_pattern_needs_one_version_and_text_around_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], pattern: str
) -> None:
    version_project(repo)
    before = snapshot(repo.path)
    tables = json.dumps([{"path": "README.md", "pattern": pattern}]).replace('":', '" =')
    code, _, err = run(capsys, "cut", "1.3.0", "--bump", "--version-files", tables)
    assert code == 2
    assert err.startswith(
        f"trunkgate release: error: version-files[0]: pattern {pattern!r} for README.md: "
        "expected the text around the version with one {version} in it"
    )
    assert snapshot(repo.path) == before


def test_the_version_gate_reads_every_version_file(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    version_project(repo)
    run(capsys, "cut", "1.3.0", "--bump", "--date", "2026-02-01")
    repo.write("README.md", "pip install pkg==1.2.0\n")  # left behind
    repo.commit("chore(release): 1.3.0")
    repo.tag("v1.3.0")
    code = run_cli("version", ["--ref", "v1.3.0"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "README.md holds version 1.2.0, but the tag v1.3.0 releases 1.3.0" in out


def test_next_reads_the_version_files(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # No tag at all; the version files say 1.4.0 was released: a feat makes 1.5.0.
    repo.commit(
        "feat: a",
        {
            "pyproject.toml": VERSION_FILES.replace('version = "1.2.0"', 'dynamic = ["version"]'),
            "src/pkg/__init__.py": '__version__ = "1.4.0"\n',
            "README.md": "pip install pkg==1.4.0\n",
        },
    )
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.5.0\n"), err
    assert "last release 1.4.0 (from src/pkg/__init__.py 1.4.0)" in err


def test_version_file_patterns_read_and_write() -> None:
    vf = release_files.VersionFile("/x/setup.cfg", "version = {version}", "version-files[0]")
    text = "[metadata]\nversion = 1.2.0\nother = 3.4.5\n"
    assert vf.read(text) == ["1.2.0"]
    old, new = vf.write(text, "1.3.0rc1", "pep440")
    assert (old, new) == ("1.2.0", "[metadata]\nversion = 1.3.0rc1\nother = 3.4.5\n")
    dotted = release_files.VersionFile("/x/README", "release {version}.", "version-files[1]")
    assert dotted.write("This is release 1.2.0.\n", "1.3.0", "semver")[1] == (
        "This is release 1.3.0.\n"
    )


def test_a_squash_merged_revert_is_a_revert(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # GitHub writes `Revert "fix: a (#11)" (#12)` for a squash-merged revert pull request.
    history(repo, ["v1.0.0"], [])
    fix = repo.commit("fix: a (#11)")
    repo.commit(f'Revert "fix: a (#11)" (#12)\n\nThis reverts commit {fix}.\n')
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, ""), err
    assert f'not counted: {fix[:7]} "fix: a (#11)", reverted in the same range' in err


def test_rolling_up_pep440_candidates() -> None:
    from trunkgate.release.cut import roll_up

    text = (
        "# Changelog\n\n## [Unreleased]\n\n"
        "## [2.0rc1] - 2026-01-03\n\n### Added\n\n- B.\n\n"
        "## [2.0b1] - 2026-01-02\n\n### Added\n\n- A.\n\n"
        "## [1.9] - 2026-01-01\n\n"
        "[2.0rc1]: https://example.com/compare/2.0b1...2.0rc1\n"
        "[2.0b1]: https://example.com/compare/1.9...2.0b1\n"
    )
    new, rolled = roll_up(text, "2.0", "pep440")
    assert rolled == ["2.0rc1", "2.0b1"]
    assert new == (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- B.\n- A.\n\n## [1.9] - 2026-01-01\n\n"
    )
