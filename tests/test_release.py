"""`trunkgate release next|notes|cut` on real git histories, against the rules worked by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Repo
from tests.support import runner
from tests.support.cli import run_cli
from trunkgate import cli, git, versions
from trunkgate import files as tg_files
from trunkgate.release import classify, files, notes
from trunkgate.report import UsageError

# --------------------------------------------------------------------------- helpers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_cli("release", list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def history(repo: Repo, tags: list[str], messages: list[str]) -> None:
    """A first commit carrying the tags, then one commit per message."""
    repo.commit("chore: start")
    for tag in tags:
        repo.tag(tag)
    for message in messages:
        repo.commit(message)


def revert_of(repo: Repo, sha: str) -> str:
    """A commit with the message `git revert` writes for `sha`."""
    subject = repo.git("log", "-1", "--format=%s", sha).strip()
    return repo.commit(f'Revert "{subject}"\n\nThis reverts commit {sha}.\n')


# --------------------------------------------------------------------------- next: the rules

# (tags on the first commit, messages after it, flags, the next version worked by hand)
CASES = [
    (["v1.2.0"], ["fix: a"], [], "1.2.1"),
    (["v1.2.0"], ["perf: a"], [], "1.2.1"),
    (["v1.2.0"], ["revert: a"], [], "1.2.1"),
    (["v1.2.0"], ["feat: a"], [], "1.3.0"),
    (["v1.2.0"], ["fix: a", "feat(api): b", "fix: c"], [], "1.3.0"),
    (["v1.2.3"], ["Feat: a"], [], "1.3.0"),  # types are case-insensitive
    (["v1.2.0"], ["feat!: a"], [], "2.0.0"),
    (["v1.2.0"], ["feat(api)!: a"], [], "2.0.0"),
    (["v1.2.0"], ["refactor!: a"], [], "2.0.0"),
    (["v1.2.0"], ["fix: a\n\nBREAKING CHANGE: the flag is gone"], [], "2.0.0"),
    (["v1.2.0"], ["chore: a\n\nBREAKING-CHANGE: the flag is gone"], [], "2.0.0"),
    (["v1.2.0"], ["docs: a\n\nBreaking change: not the token"], [], None),
    (["v0.4.2"], ["fix: a"], [], "0.4.3"),
    (["v0.4.2"], ["feat: a"], [], "0.5.0"),
    (["v0.4.2"], ["feat!: a"], [], "0.5.0"),
    (["v0.4.2"], ["feat!: a"], ["--zero-major-breaking", "major"], "1.0.0"),
    (["v1.2.0"], ["docs: a", "chore: b", "test: c", "ci: d"], [], None),
    (["v1.2.0"], ["update things", "fixup! fix: a"], ["--non-conventional", "ignore"], None),
    (["v1.2.0"], [], [], None),
    (["v1.2.0", "v1.10.0", "v1.9.0"], ["fix: a"], [], "1.10.1"),  # semver order, not text
    (["v1.2.0", "v1.3.0-rc.2"], ["fix: a"], [], "1.2.1"),  # pre-releases are no base
    (["v1.2.0", "vnext", "v1.2"], ["fix: a"], [], "1.2.1"),  # not semver: ignored
    (["1.2.0"], ["feat: a"], ["--tag-prefix", ""], "1.3.0"),
    (["release-1.2.0", "v9.0.0"], ["fix: a"], ["--tag-prefix", "release-"], "1.2.1"),
    ([], ["fix: a"], [], "0.1.0"),
    ([], ["feat!: a"], ["--initial-version", "1.0.0"], "1.0.0"),
    (["v1.2.0"], ["feat: a"], ["--pre", "rc"], "1.3.0-rc.1"),
    ([], ["feat: a"], ["--pre", "beta"], "0.1.0-beta.1"),
]


@pytest.mark.parametrize(("tags", "messages", "flags", "expected"), CASES)
def test_next_version_follows_the_rules(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    tags: list[str],
    messages: list[str],
    flags: list[str],
    expected: str | None,
) -> None:
    history(repo, tags, messages)
    code, out, err = run(capsys, "next", *flags)
    assert code == 0, err
    assert out == (f"{expected}\n" if expected else "")
    if expected is None:
        assert "nothing to release" in err


def test_next_explains_on_stderr(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.2.0", "vnext"], [])
    fix = repo.commit("fix(cli): exit 2 on bad flags")
    feat = repo.commit("feat: add --json (#42)")
    repo.commit("docs: explain")
    repo.commit("update stuff")
    code, out, err = run(capsys, "next", "--non-conventional", "ignore")
    assert (code, out) == (0, "1.3.0\n")
    assert err.splitlines() == [
        "trunkgate release: warning: ignoring tag 'vnext': not vX.Y.Z "
        "(a semver version after the tag prefix 'v')",
        "trunkgate release next: last release v1.2.0; 4 commits since",
        f"  patch  {fix[:7]}  fix(cli): exit 2 on bad flags",
        f"  minor  {feat[:7]}  feat: add --json (#42)",
        "  1 other commit bumps nothing (docs)",
        f'  1 of 4 commits not Conventional Commits: {repo.head()[:7]} "update stuff"',
        "trunkgate release next: 1.3.0 (minor bump from 1.2.0, "
        f'by {feat[:7]} "feat: add --json (#42)")',
    ]


def test_next_says_why_a_breaking_change_bumps_the_minor_below_one(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v0.3.0"], ["feat!: drop py3.9"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.4.0\n")
    assert "a breaking change while the major version is 0: policy zero-major-breaking" in err


def test_first_release_says_so(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, [], ["feat: a", "fix: b"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "0.1.0\n")
    assert "no release tag (vX.Y.Z) in the history of HEAD: a first release, 3 commits" in err
    assert "0.1.0 (the first release: policy key initial-version)" in err


def test_nothing_to_release_in_an_empty_repository(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "")
    assert err == "trunkgate release next: nothing to release: the repository has no commits yet\n"


def test_nothing_to_release_names_the_commits(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], ["docs: a", "test: b"])
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "")
    assert err.splitlines()[-2:] == [
        "  2 other commits bump nothing (docs, test)",
        "trunkgate release next: nothing to release: the 2 commits since v1.0.0 hold no "
        "feature, fix, performance change, revert or breaking change",
    ]
    code, out, _ = run(capsys, "next", "--format", "json")
    assert json.loads(out)["version"] is None


def test_a_maintenance_branch_does_not_count_the_trunks_newer_releases(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # main: v1.0.0, feat (v1.1.0), feat! (v2.0.0); the branch 1.x left main at v1.0.0 and
    # released v1.0.1 there. On 1.x the trunk's releases left before v1.0.1: not counted.
    history(repo, ["v1.0.0"], [])
    start = repo.head()
    repo.commit("feat: a")
    repo.tag("v1.1.0")
    repo.commit("feat!: b")
    repo.tag("v2.0.0")
    repo.branch("1.x", start)
    repo.commit("fix: c")
    repo.tag("v1.0.1")
    repo.commit("fix: d")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.0.2\n"), err
    assert "not in the history" not in err


# --------------------------------------------------------------------------- next: histories


def _merge(repo: Repo, branch: str, message: str) -> None:
    repo.git("merge", "--no-ff", "-q", "-m", message, branch)


@pytest.mark.parametrize(
    ("shape", "breaking"),
    [
        ("rebase", False),
        ("merge", False),
        ("squash", False),
        ("rebase", True),
        ("merge", True),
        ("squash", True),
    ],
)
def test_rebase_merge_and_squash_histories_agree(
    repo: Repo, capsys: pytest.CaptureFixture[str], shape: str, breaking: bool
) -> None:
    bang = "!" if breaking else ""
    history(repo, ["v1.4.0"], [])
    repo.commit("docs: on main meanwhile")
    branch = [f"feat(api){bang}: add the batch endpoint", "fix(api): validate ids"]
    if shape == "rebase":
        for message in branch:
            repo.commit(message)
    elif shape == "merge":
        repo.branch("feature/batch", "HEAD~1")
        for message in branch:
            repo.commit(message)
        repo.checkout("main")
        _merge(repo, "feature/batch", "Merge pull request #7 from o/feature/batch\n\nfeat: batch")
    else:
        body = "\n\n".join(f"* {m}" for m in branch)
        repo.commit(f"feat(api){bang}: add the batch endpoint (#7)\n\n{body}\n")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "2.0.0\n" if breaking else "1.5.0\n"), err
    if shape == "merge":
        assert "1 merge commit skipped: the commits merged through it are counted" in err


def test_a_merged_hotfix_tag_becomes_the_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], [])
    repo.branch("hotfix/1.0.1")
    repo.commit("fix: urgent")
    repo.tag("v1.0.1")
    repo.checkout("main")
    repo.commit("feat: next thing")
    _merge(repo, "hotfix/1.0.1", "Merge branch 'hotfix/1.0.1'")
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.1.0\n")
    assert "last release v1.0.1; 1 commit since" in err


# --------------------------------------------------------------------------- next: reverts


def test_a_revert_in_range_cancels_its_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], ["fix: small"])
    feat = repo.commit("feat!: big")
    revert = revert_of(repo, feat)
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.0.1\n")
    assert (
        f'not counted: {feat[:7]} "feat!: big", reverted in the same range by {revert[:7]}' in err
    )


def test_a_revert_of_a_revert_brings_the_commit_back(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], [])
    feat = repo.commit("feat: big")
    first = revert_of(repo, feat)
    revert_of(repo, first)
    assert run(capsys, "next")[1] == "1.1.0\n"


def test_a_revert_of_a_released_commit_is_a_patch(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("chore: start")
    feat = repo.commit("feat: released")
    repo.tag("v1.1.0")
    revert_of(repo, feat)
    assert run(capsys, "next")[1] == "1.1.1\n"


def test_a_revert_written_by_hand_with_a_short_sha(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], [])
    feat = repo.commit("feat: big")
    repo.commit(f'Revert "feat: big"\n\nThis reverts commit {feat[:10]}.')
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, ""), err  # the pair cancels out: nothing is left to release
    assert f'not counted: {feat[:7]} "feat: big", reverted in the same range' in err


# --------------------------------------------------------------------------- next: pre-releases


def test_pre_releases_count_up_per_name(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.2.0"], ["feat: a"])
    assert run(capsys, "next", "--pre", "rc")[1] == "1.3.0-rc.1\n"
    repo.tag("v1.3.0-rc.1")
    repo.commit("fix: b")
    assert run(capsys, "next", "--pre", "rc")[1] == "1.3.0-rc.2\n"
    repo.tag("v1.3.0-rc.2")
    assert run(capsys, "next", "--pre", "beta")[1] == "1.3.0-beta.1\n"
    assert run(capsys, "next")[1] == "1.3.0\n"  # the final release from the last final one


@pytest.mark.parametrize("name", ["1", "r c", "", "rc.1", "ü"])
def test_bad_pre_release_names(repo: Repo, capsys: pytest.CaptureFixture[str], name: str) -> None:
    history(repo, ["v1.0.0"], ["fix: a"])
    code, out, err = run(capsys, "next", "--pre", name)
    assert (code, out) == (2, "")
    assert err.startswith("trunkgate release: error: --pre: expected a pre-release name")


# --------------------------------------------------------------------------- next: bad input


def test_bad_initial_version(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, [], ["fix: a"])
    code, _, err = run(capsys, "next", "--initial-version", "one")
    assert code == 2
    assert err == (
        "trunkgate release: error: initial-version: expected a semver version X.Y.Z, got 'one'\n"
    )


def test_calver_has_no_pre_releases(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, [], ["fix: a"])
    code, _, err = run(capsys, "next", "--version-scheme", "calver", "--pre", "rc")
    assert code == 2
    assert err == (
        "trunkgate release: error: --pre: calendar versions have no pre-releases; "
        "expected no --pre, got 'rc'\n"
    )


def test_a_shallow_clone_without_tags_is_refused(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    history(repo, [], ["fix: a", "feat: b"])
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)], check=True
    )
    monkeypatch.chdir(shallow)
    code, out, err = run(capsys, "next")
    assert (code, out) == (2, "")
    assert "no release tag in the history of HEAD, and the clone is shallow" in err
    assert "fetch-depth: 0" in err


def test_usage_and_help(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err.startswith("usage: trunkgate release {next,notes,cut}")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "cut VERSION" in out


def test_unknown_subcommand_says_what_was_meant(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "nxt")
    assert (code, out) == (2, "")
    assert err == (
        'trunkgate release: error: unknown command "nxt" (did you mean "next"?); '
        "expected next, notes or cut\n"
    )


def test_the_cli_dispatches_release(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v2.0.0"], ["perf: faster"])
    assert cli.main(["release", "next"]) == 0
    assert capsys.readouterr().out == "2.0.1\n"


# --------------------------------------------------------------------------- next: outputs


def test_next_as_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.0.0"], [])
    feat = repo.commit("feat: a")
    code, out, _ = run(capsys, "next", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "version": "1.1.0",
        "tag": "v1.1.0",
        "previous": "1.0.0",
        "previous_tag": "v1.0.0",
        "bump": "minor",
        "unreachable_tags": [],
        "commits": [{"sha": feat, "subject": "feat: a", "bump": "minor"}],
    }


def test_next_sets_step_outputs(repo: Repo, capsys: pytest.CaptureFixture[str], github_env) -> None:
    history(repo, ["v1.0.0"], ["feat!: a"])
    _, output = github_env("workflow_dispatch", {})
    code, out, _ = run(capsys, "next", "--format", "github")
    assert (code, out) == (0, "2.0.0\n")
    assert runner.outputs(output.read_text()) == {
        "version": "2.0.0",
        "tag": "v2.0.0",
        "previous": "1.0.0",
        "bump": "major",
    }


def test_next_with_nothing_sets_empty_outputs(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    history(repo, ["v1.0.0"], ["docs: a"])
    _, output = github_env("workflow_dispatch", {})
    assert run(capsys, "next", "--format", "github")[:2] == (0, "")
    assert runner.outputs(output.read_text()) == {
        "version": "",
        "tag": "",
        "previous": "1.0.0",
        "bump": "",
    }


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("version", "level", "zero", "expected"),
    [
        ("1.2.3", "patch", "minor", "1.2.4"),
        ("1.2.3", "minor", "minor", "1.3.0"),
        ("1.2.3", "major", "minor", "2.0.0"),
        ("0.2.3", "major", "minor", "0.3.0"),
        ("0.2.3", "major", "major", "1.0.0"),
        ("1.3.0-rc.1", "patch", "minor", "1.3.1"),
    ],
)
def test_bump(version: str, level: str, zero: str, expected: str) -> None:
    assert versions.bump(version, level, zero) == expected


@given(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
    st.sampled_from(["patch", "minor", "major"]),
    st.sampled_from(["minor", "major"]),
)
def test_a_bump_moves_exactly_its_part(parts: tuple[int, int, int], level: str, zero: str) -> None:
    version = "{}.{}.{}".format(*parts)
    new = versions.bump(version, level, zero)
    assert versions.semver_key(new) > versions.semver_key(version)
    assert versions.bump_between(version, new) == versions.effective_level(version, level, zero)
    assert versions.bump_between(new, version) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add x (#12)", ("add x", 12)),
        ("add x(#12)", ("add x(#12)", None)),
        ("add x (#12a)", ("add x (#12a)", None)),
        ("add (x)", ("add (x)", None)),
        ("add x", ("add x", None)),
    ],
)
def test_pull_request_suffix(text: str, expected: tuple[str, int | None]) -> None:
    assert classify._pr_suffix(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/o/r.git", "o/r"),
        ("https://github.com/o/r", "o/r"),
        ("git@github.com:o/r.git", "o/r"),
        ("ssh://git@github.com/o/r.git", "o/r"),
        ("https://gitlab.example.com/group/sub/r.git", "sub/r"),
        ("/srv/git/r.git", ""),
        ("https://github.com/r", ""),
        ("", ""),
    ],
)
def test_repository_from_url(url: str, expected: str) -> None:
    assert files.repository_from_url(url) == expected


def test_repository_comes_from_policy_env_or_origin(repo: Repo) -> None:
    from trunkgate import config

    repo.commit("chore: start")
    policy = config.resolve("release", start=str(repo.path))
    assert files.repository_of(policy, {}) == ""
    repo.git("remote", "add", "origin", "git@github.com:acme/widget.git")
    assert files.repository_of(policy, {}) == "acme/widget"
    assert files.repository_of(policy, {"GITHUB_REPOSITORY": "acme/gadget"}) == "acme/gadget"
    policy = config.resolve("release", {"repository": "acme/thing"}, start=str(repo.path))
    assert files.repository_of(policy, {"GITHUB_REPOSITORY": "acme/gadget"}) == "acme/thing"


def test_dirty_files(repo: Repo) -> None:
    repo.commit("chore: start", {"a.txt": "a\n", "b.txt": "b\n"})
    assert git.dirty_files() == []
    repo.write("untracked.txt", "u\n")
    assert git.dirty_files() == []
    repo.write("a.txt", "changed\n")
    repo.git("mv", "b.txt", "c.txt")
    assert sorted(git.dirty_files()) == ["a.txt", "c.txt"]


def test_tags_at_and_merged(repo: Repo) -> None:
    repo.commit("chore: start")
    repo.tag("v1.0.0")
    repo.git("tag", "-a", "v1.0.1", "-m", "annotated")
    repo.commit("fix: a")
    assert git.tags_at("HEAD") == []
    assert git.tags_at("HEAD~1") == ["v1.0.0", "v1.0.1"]
    assert git.tags_merged("HEAD", "v*") == ["v1.0.1", "v1.0.0"]


# --------------------------------------------------------------------------- a project

CHANGELOG = """\
# Changelog

All notable changes to this project are documented here.

## [Unreleased]

### Added

- The `--json` flag.

### Fixed

- A crash on empty input.

## [1.2.0] - 2026-03-01

### Added

- Batch mode.

[unreleased]: https://github.com/acme/widget/compare/v1.2.0...HEAD
[1.2.0]: https://github.com/acme/widget/compare/v1.1.0...v1.2.0
"""
PYPROJECT = '[project]\nname = "widget"\nversion = "1.2.0"\n\n[tool.other]\nversion = "9.9.9"\n'


def project(repo: Repo, changelog: str = CHANGELOG, **files: str) -> None:
    """A project released as v1.2.0, with the changelog (and files) committed after it."""
    repo.commit("chore: start", {"pyproject.toml": PYPROJECT})
    repo.tag("v1.2.0")
    repo.commit("docs: the changelog", {"CHANGELOG.md": changelog, **files})


def changelog_findings(text: str) -> list[str]:
    """What the changelog gate says about a file: a cut must leave it clean."""
    from trunkgate import changelog_rules, config

    policy = config.resolve("changelog", start="/")
    return [repr(f) for f in changelog_rules.check_text(text, policy, "CHANGELOG.md")]


# --------------------------------------------------------------------------- notes


def test_notes_from_the_commits(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.2.0"], [])
    a = repo.commit("feat(cli): add --json (#12)")
    b = repo.commit("fix: crash on empty input")
    c = repo.commit("perf(parser): parse once")
    d = repo.commit(
        "refactor!: rename the table\n\nBREAKING CHANGE: [tool.gate] is now\n[tool.widget]."
    )
    repo.commit("docs: readme")
    e = repo.commit("feat!: drop Python 3.9")
    f = revert_of(repo, repo.git("rev-list", "--max-parents=0", "HEAD").strip())
    code, out, err = run(capsys, "notes")
    assert code == 0
    assert out == (
        "### Breaking changes\n\n"
        f"- rename the table ({d[:7]})\n"
        "  [tool.gate] is now\n"
        "  [tool.widget].\n"
        f"- drop Python 3.9 ({e[:7]})\n\n"
        "### Features\n\n"
        f"- **cli:** add --json (#12, {a[:7]})\n\n"
        "### Fixes\n\n"
        f"- crash on empty input ({b[:7]})\n\n"
        "### Performance\n\n"
        f"- **parser:** parse once ({c[:7]})\n\n"
        "### Reverts\n\n"
        f'- Revert "chore: start" ({f[:7]})\n'
    )
    assert "notes: from the commits since v1.2.0 to HEAD (7 commits)" in err


def test_notes_from_the_changelog_section(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.commit("feat: not in the notes")
    code, out, err = run(capsys, "notes")
    assert code == 0
    assert out == "### Added\n\n- The `--json` flag.\n\n### Fixed\n\n- A crash on empty input.\n"
    assert err.endswith("notes: from CHANGELOG.md, section [Unreleased]\n")
    code, out, err = run(capsys, "notes", "v1.2.0")
    assert (code, out) == (0, "### Added\n\n- Batch mode.\n")
    assert "section [1.2.0]" in err


def test_notes_of_a_tagged_version_span_from_its_predecessor(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], ["fix: one"])
    repo.tag("v1.0.1")
    two = repo.commit("feat: two")
    repo.tag("v1.1.0-rc.1")
    three = repo.commit("fix: three")
    repo.tag("v1.1.0")
    repo.commit("feat: four")
    code, out, err = run(capsys, "notes", "1.1.0")
    assert code == 0
    assert out == f"### Features\n\n- two ({two[:7]})\n\n### Fixes\n\n- three ({three[:7]})\n"
    assert "since v1.0.1 to v1.1.0 (2 commits)" in err
    code, out, err = run(capsys, "notes", "1.1.0-rc.1")
    assert out == f"### Features\n\n- two ({two[:7]})\n"
    code, out, err = run(capsys, "notes", "1.0.0")
    assert "from the first commit to v1.0.0 (1 commit)" in err


def test_notes_of_an_untagged_version_come_from_the_last_release(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], [])
    fix = repo.commit("fix: one")
    code, out, _ = run(capsys, "notes", "1.0.1")
    assert (code, out) == (0, f"### Fixes\n\n- one ({fix[:7]})\n")


def test_notes_of_the_next_pre_release(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    history(repo, ["v1.0.0", "v1.1.0-rc.1"], [])
    feat = repo.commit("feat: one")
    _, output = github_env("workflow_dispatch", {})
    code, out, _ = run(capsys, "notes", "--pre", "rc", "--format", "github")
    assert (code, out) == (0, f"### Features\n\n- one ({feat[:7]})\n")
    found = runner.outputs(output.read_text())
    assert (found["version"], found["tag"]) == ("1.1.0-rc.2", "v1.1.0-rc.2")


def test_notes_with_nothing_notable(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.0.0"], ["docs: one"])
    code, out, err = run(capsys, "notes")
    assert (code, out) == (0, "")
    assert err.endswith("notes: no notable changes to list\n")


def test_notes_as_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, ["v1.0.0"], [])
    fix = repo.commit("fix: one")
    code, out, _ = run(capsys, "notes", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "version": "1.0.1",
        "tag": "v1.0.1",
        "notes": f"### Fixes\n\n- one ({fix[:7]})\n",
    }


def test_notes_set_multiline_outputs_and_the_summary(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    history(repo, ["v1.0.0"], [])
    fix = repo.commit("fix: one")
    summary, output = github_env("workflow_dispatch", {})
    code, out, _ = run(capsys, "notes", "--format", "github")
    assert code == 0
    notes = f"### Fixes\n\n- one ({fix[:7]})\n"
    assert out == notes
    text = output.read_text()
    assert runner.outputs(text) == {"version": "1.0.1", "tag": "v1.0.1", "notes": notes}
    lines = text.split("\n")
    assert lines[6].startswith("notes<<ghadelimiter_")
    delimiter = lines[6][len("notes<<") :]
    assert len(delimiter) == len("ghadelimiter_") + 32
    assert text.endswith(f"notes<<{delimiter}\n{notes}\n{delimiter}\n")
    assert summary.read_text() == f"## v1.0.1\n\n{notes}\n"
    # Two runs, two different delimiters: nobody can guess one to end the value early.
    run(capsys, "notes", "--format", "github")
    assert output.read_text().count(delimiter) == 2


def test_notes_summary_without_notes(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    history(repo, ["v1.0.0"], ["docs: a"])
    summary, output = github_env("workflow_dispatch", {})
    assert run(capsys, "notes", "--format", "github")[:2] == (0, "")
    assert summary.read_text() == "_No notable changes._\n"
    assert runner.outputs(output.read_text()) == {"version": "", "tag": "", "notes": ""}


# --------------------------------------------------------------------------- cut

CUT_130 = """\
# Changelog

All notable changes to this project are documented here.

## [Unreleased]

## [1.3.0] - 2026-04-01

### Added

- The `--json` flag.

### Fixed

- A crash on empty input.

## [1.2.0] - 2026-03-01

### Added

- Batch mode.

[unreleased]: https://github.com/acme/widget/compare/v1.3.0...HEAD
[1.3.0]: https://github.com/acme/widget/compare/v1.2.0...v1.3.0
[1.2.0]: https://github.com/acme/widget/compare/v1.1.0...v1.2.0
"""


def test_cut_moves_unreleased_and_bumps(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    code, out, err = run(capsys, "cut", "1.3.0", "--date", "2026-04-01", "--bump")
    assert (code, out) == (0, ""), err
    assert (repo.path / "CHANGELOG.md").read_text() == CUT_130
    assert changelog_findings(CUT_130) == []
    assert (repo.path / "pyproject.toml").read_text() == PYPROJECT.replace(
        'version = "1.2.0"', 'version = "1.3.0"'
    )
    assert err.splitlines() == [
        "trunkgate release cut: done:",
        "  CHANGELOG.md: [Unreleased] -> [1.3.0] - 2026-04-01 (2 entries); "
        "compare links: [unreleased], [1.3.0]",
        "  pyproject.toml: version 1.2.0 -> 1.3.0",
    ]


def test_cut_accepts_the_tag_form_and_defaults_to_today(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime

    project(repo)
    assert run(capsys, "cut", "v1.3.0")[0] == 0
    today = datetime.date.today().isoformat()
    assert f"## [1.3.0] - {today}\n" in (repo.path / "CHANGELOG.md").read_text()
    assert 'version = "1.2.0"' in (repo.path / "pyproject.toml").read_text()  # no --bump


def test_cut_from_commits(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.commit("feat(cli): add --yaml (#12)")
    repo.commit("fix: crash on empty input")
    repo.commit("perf: parse once")
    repo.commit("refactor!: rename the table\n\nBREAKING CHANGE: [tool.gate] is now [tool.widget].")
    repo.commit("build!: drop the sdist")
    repo.commit("docs: readme")
    code, _, err = run(capsys, "cut", "2.0.0", "--date", "2026-04-01", "--from-commits")
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.split("## [1.2.0]")[0] == (
        "# Changelog\n\n"
        "All notable changes to this project are documented here.\n\n"
        "## [Unreleased]\n\n"
        "## [2.0.0] - 2026-04-01\n\n"
        "### Added\n\n"
        "- The `--json` flag.\n"
        "- **cli:** add --yaml (#12)\n\n"
        "### Changed\n\n"
        "- parse once\n"
        "- **Breaking:** rename the table\n"
        "  [tool.gate] is now [tool.widget].\n"
        "- **Breaking:** drop the sdist\n\n"
        "### Fixed\n\n"
        "- A crash on empty input.\n"
        "- crash on empty input\n\n"
    )
    assert changelog_findings(text) == []
    assert "cut: 5 entries from the 7 commits since v1.2.0" in err
    assert "(7 entries, 5 from the commits)" in err


def test_cut_from_commits_skips_entries_already_written(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    written = CHANGELOG.replace("- The `--json` flag.", "- **cli:** add  --json (#12)")
    project(repo, written)
    repo.commit("feat(cli): add --json (#12)")
    repo.commit("feat(cli): add --json (#12)")  # the same subject twice: one entry
    repo.commit("feat: add --yaml")
    code, _, err = run(capsys, "cut", "1.3.0", "--date", "2026-04-01", "--from-commits")
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "### Added\n\n- **cli:** add  --json (#12)\n- add --yaml\n\n### Fixed" in text
    assert "(3 entries, 1 from the commits)" in err


def test_cut_from_commits_fills_an_empty_unreleased(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = CHANGELOG.split("### Added")[0] + CHANGELOG[CHANGELOG.index("## [1.2.0]") :]
    project(repo, empty)
    repo.commit("fix: one")
    code, _, err = run(capsys, "cut", "1.2.1", "--date", "2026-04-01", "--from-commits")
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "## [Unreleased]\n\n## [1.2.1] - 2026-04-01\n\n### Fixed\n\n- one\n\n## [1.2.0]" in text
    assert changelog_findings(text) == []


def test_cut_writes_missing_links_from_the_repository(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = CHANGELOG[: CHANGELOG.index("[unreleased]:")].rstrip("\n") + "\n"
    project(repo, bare)
    code, _, err = run(
        capsys, "cut", "1.3.0", "--date", "2026-04-01", "--repository", "acme/widget"
    )
    assert code == 0, err
    assert (
        (repo.path / "CHANGELOG.md")
        .read_text()
        .endswith(
            "- Batch mode.\n\n"
            "[unreleased]: https://github.com/acme/widget/compare/v1.3.0...HEAD\n"
            "[1.3.0]: https://github.com/acme/widget/compare/v1.2.0...v1.3.0\n"
        )
    )


def test_cut_without_links_or_repository_says_so(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = CHANGELOG[: CHANGELOG.index("[unreleased]:")]
    project(repo, bare)
    code, _, err = run(capsys, "cut", "1.3.0", "--date", "2026-04-01")
    assert code == 0, err
    assert "no compare links (none to follow; set the policy key repository)" in err
    assert not (repo.path / "CHANGELOG.md").read_text().rstrip().endswith("HEAD")


def test_cut_follows_gitlab_links_and_the_unreleased_label(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    gitlab = CHANGELOG.replace(
        "https://github.com/acme/widget/compare/",
        "https://gitlab.example.com/acme/widget/-/compare/",
    ).replace("[unreleased]:", "[Unreleased]:")
    project(repo, gitlab)
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01")[0] == 0
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.endswith(
        "[Unreleased]: https://gitlab.example.com/acme/widget/-/compare/v1.3.0...HEAD\n"
        "[1.3.0]: https://gitlab.example.com/acme/widget/-/compare/v1.2.0...v1.3.0\n"
        "[1.2.0]: https://gitlab.example.com/acme/widget/-/compare/v1.1.0...v1.2.0\n"
    )


def test_cut_follows_links_in_headings(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inline = (
        CHANGELOG[: CHANGELOG.index("[unreleased]:")]
        .replace(
            "## [1.2.0] - 2026-03-01",
            "## [1.2.0](https://github.com/acme/widget/compare/v1.1.0...v1.2.0) - 2026-03-01",
        )
        .rstrip("\n")
        + "\n"
    )
    project(repo, inline)
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01")[0] == 0
    text = (repo.path / "CHANGELOG.md").read_text()
    assert (
        "## [1.3.0](https://github.com/acme/widget/compare/v1.2.0...v1.3.0) - 2026-04-01\n" in text
    )
    assert text.endswith(
        "- Batch mode.\n\n[unreleased]: https://github.com/acme/widget/compare/v1.3.0...HEAD\n"
    )
    assert changelog_findings(text) == []


def test_cut_a_first_release(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    first = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n\n"
        "[unreleased]: https://github.com/acme/widget/compare/abc1234...HEAD\n"
    )
    repo.commit("feat: start", {"CHANGELOG.md": first})
    assert run(capsys, "cut", "0.1.0", "--date", "2026-04-01")[0] == 0
    assert (
        (repo.path / "CHANGELOG.md")
        .read_text()
        .endswith(
            "[unreleased]: https://github.com/acme/widget/compare/v0.1.0...HEAD\n"
            "[0.1.0]: https://github.com/acme/widget/compare/abc1234...v0.1.0\n"
        )
    )


def test_cut_keeps_crlf_line_ends(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    (repo.path / "CHANGELOG.md").write_bytes(CHANGELOG.replace("\n", "\r\n").encode())
    repo.commit("docs: crlf")
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01")[0] == 0
    assert (repo.path / "CHANGELOG.md").read_bytes() == CUT_130.replace("\n", "\r\n").encode()


def test_cut_dry_run_shows_a_diff_and_writes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    repo.write("pyproject.toml", PYPROJECT + "# local edit\n")  # dry runs work on dirty trees
    code, out, err = run(capsys, "cut", "1.3.0", "--date", "2026-04-01", "--bump", "--dry-run")
    assert code == 0, err
    assert out.startswith("--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ ")
    assert "+## [1.3.0] - 2026-04-01\n" in out
    assert "+[1.3.0]: https://github.com/acme/widget/compare/v1.2.0...v1.3.0\n" in out
    assert "--- a/pyproject.toml\n+++ b/pyproject.toml\n@@ -1,6 +1,6 @@\n" in out
    assert '-version = "1.2.0"\n+version = "1.3.0"\n' in out
    assert "dry run, nothing written" in err
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG
    assert (repo.path / "pyproject.toml").read_text() == PYPROJECT + "# local edit\n"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "src/widget/__init__.py",
            '"""Widget."""\n\n__version__ = "1.2.0"\n',
            '__version__ = "1.3.0"',
        ),
        (
            "src/widget/_version.py",
            "__version__: str = '1.2.0'  # set by release\n",
            "__version__: str = '1.3.0'  # set by release",
        ),
        ("VERSION", "1.2.0\n", "1.3.0\n"),
        ("poetry.toml", '[tool.poetry]\nname = "w"\nversion = "1.2.0"\n', 'version = "1.3.0"'),
    ],
)
def test_cut_bumps_other_version_files(
    repo: Repo, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    project(repo, **{name: text})
    code, _, err = run(
        capsys, "cut", "1.3.0", "--date", "2026-04-01", "--bump", "--version-file", name
    )
    assert code == 0, err
    assert expected in (repo.path / name).read_text()
    assert f"{name}: version 1.2.0 -> 1.3.0" in err


def test_cut_with_an_empty_version_file_key(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    code, _, err = run(
        capsys, "cut", "1.3.0", "--date", "2026-04-01", "--bump", "--version-file", ""
    )
    assert code == 0, err
    assert (
        "--bump: no version file to bump (the policy keys version-file and version-files "
        "are empty)" in err
    )


def test_cut_rewrites_references(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    workflow = (
        "jobs:\n  a:\n    uses: acme/widget/.github/workflows/gates.yml@v1.2.0\n"
        "    steps:\n      - uses: acme/widget/actions/setup@v1.2.0\n"
        "      - uses: Acme/Widget@v1.1.0\n"
        "      - uses: acme/widget/actions/lint@v1\n"  # a moving major tag: left alone
        "      - uses: acme/widgetry/actions/x@v1.2.0\n"  # another repository
        "      - uses: other/acme/widget@v1.2.0\n"
    )
    readme = "Pin it: `acme/widget/actions/setup@v1.2.0`.\n"
    project(repo, **{".github/workflows/gates.yml": workflow, "README.md": readme})
    (repo.path / "pyproject.toml").write_text(
        PYPROJECT
        + '\n[tool.trunkgate.release]\nrepository = "acme/widget"\n'
        + 'reference-files = [".github/workflows/*.yml", "README.md", "docs/*.md"]\n'
    )
    repo.commit("chore: policy")
    code, _, err = run(capsys, "cut", "1.3.0", "--date", "2026-04-01")
    assert code == 0, err
    assert (repo.path / ".github/workflows/gates.yml").read_text() == (
        "jobs:\n  a:\n    uses: acme/widget/.github/workflows/gates.yml@v1.3.0\n"
        "    steps:\n      - uses: acme/widget/actions/setup@v1.3.0\n"
        "      - uses: Acme/Widget@v1.3.0\n"
        "      - uses: acme/widget/actions/lint@v1\n"
        "      - uses: acme/widgetry/actions/x@v1.2.0\n"
        "      - uses: other/acme/widget@v1.2.0\n"
    )
    assert (repo.path / "README.md").read_text() == "Pin it: `acme/widget/actions/setup@v1.3.0`.\n"
    assert ".github/workflows/gates.yml: 3 references -> @v1.3.0" in err
    assert "README.md: 1 reference -> @v1.3.0" in err
    assert "warning: reference-files pattern 'docs/*.md' matches no file" in err


def test_cut_rewrites_references_in_the_changelog_once(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    mention = CHANGELOG.replace(
        "- Batch mode.", "- Batch mode (`acme/widget/actions/batch@v1.2.0`)."
    )
    project(repo, mention)
    code, _, err = run(
        capsys,
        "cut",
        "1.3.0",
        "--date",
        "2026-04-01",
        "--repository",
        "acme/widget",
        "--reference-files",
        "CHANGELOG.md",
    )
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "## [1.3.0] - 2026-04-01" in text
    assert "acme/widget/actions/batch@v1.3.0" in text


# --------------------------------------------------------------------------- cut: bad input


def _untouched(repo: Repo) -> None:
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG
    assert (repo.path / "pyproject.toml").read_text() == PYPROJECT
    assert not list(repo.path.glob(".*.trunkgate-tmp"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cut", "1.1.0"], "1.1.0 is not above v1.2.0, already released in the history of HEAD"),
        (["cut", "1.2.0"], "tag v1.2.0 already exists; expected a version not yet released"),
        (["cut", "one"], "VERSION: expected a semver version (X.Y.Z), got 'one'"),
        (
            ["cut", "1.3.0", "--date", "2026-02-30"],
            "--date: expected a date YYYY-MM-DD, got '2026-02-30'",
        ),
    ],
)
def test_cut_refuses_bad_arguments(
    repo: Repo, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    project(repo)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err
    _untouched(repo)


def test_cut_without_a_version_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    with pytest.raises(SystemExit) as exc:
        run_cli("release", ["cut"])
    assert exc.value.code == 2
    assert "the following arguments are required: VERSION" in capsys.readouterr().err
    _untouched(repo)


def test_cut_refuses_a_dirty_worktree(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    repo.write("pyproject.toml", PYPROJECT + "# edit\n")
    code, out, err = run(capsys, "cut", "1.3.0", "--bump")
    assert (code, out) == (2, "")
    assert err == (
        "trunkgate release: error: the worktree has uncommitted changes (pyproject.toml); "
        "expected a clean worktree to cut a release from (commit or stash them; "
        "--dry-run works anyway)\n"
    )
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG


@pytest.mark.parametrize(
    ("changelog", "message"),
    [
        (CHANGELOG.replace("## [Unreleased]\n", ""), "CHANGELOG.md: no ## [Unreleased] section"),
        (
            CHANGELOG.replace(
                "### Added\n\n- The `--json` flag.\n\n### Fixed\n\n- A crash on empty input.\n\n",
                "",
            ),
            "CHANGELOG.md:5: ## [Unreleased] has no entries, nothing to release",
        ),
        (
            CHANGELOG.replace("## [1.2.0] - 2026-03-01", "## [1.4.0] - 2026-03-01"),
            "CHANGELOG.md: 1.3.0 is not above the newest release in the changelog, 1.4.0",
        ),
        (
            CHANGELOG.replace("## [1.2.0] - 2026-03-01", "## [1.3.0] - 2026-03-01"),
            "CHANGELOG.md:15: already has a section for 1.3.0",
        ),
    ],
)
def test_cut_refuses_a_changelog_it_cannot_cut(
    repo: Repo, capsys: pytest.CaptureFixture[str], changelog: str, message: str
) -> None:
    project(repo, changelog)
    code, out, err = run(capsys, "cut", "1.3.0", "--bump")
    assert (code, out) == (2, "")
    assert message in err
    assert (repo.path / "CHANGELOG.md").read_text() == changelog
    assert (repo.path / "pyproject.toml").read_text() == PYPROJECT


def test_cut_refuses_a_version_file_it_cannot_bump(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    dynamic = '[project]\nname = "widget"\ndynamic = ["version"]\n'
    project(repo)
    repo.commit("build: dynamic version", {"pyproject.toml": dynamic})
    code, _, err = run(capsys, "cut", "1.3.0", "--bump")
    assert code == 2
    assert (
        "pyproject.toml: [project] version is dynamic; expected the policy key version-file" in err
    )
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "pyproject.toml",
            '[project]\nname = "w"\n',
            'pyproject.toml: no version = "X" in [project]',
        ),
        ("v.py", "VERSION = '1'\n", 'v.py: no __version__ = "X" line'),
        ("VERSION", "1.2.0\nmore\n", "VERSION: expected a file holding only the version"),
        ("VERSION", "\n", "VERSION: expected a file holding only the version"),
        (
            "pyproject.toml",
            '[project]\nversion = "1.4.0"\n',
            "pyproject.toml: holds version 1.4.0, above 1.3.0",
        ),
        ("latin1.py", None, "latin1.py: not UTF-8 text (byte 0xe9 at offset 1)"),
        ("missing.py", "", "missing.py: no such file"),
    ],
)
def test_cut_refuses_version_files(
    repo: Repo, capsys: pytest.CaptureFixture[str], name: str, text: str | None, message: str
) -> None:
    project(repo)
    if text is None:
        (repo.path / name).write_bytes(b"#\xe9\n")
    elif text:
        (repo.path / name).write_text(text)
    repo.commit("chore: version file")
    code, _, err = run(capsys, "cut", "1.3.0", "--bump", "--version-file", name)
    assert code == 2
    assert message in err
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG


def test_cut_needs_the_repository_for_reference_files(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, **{"README.md": "x\n"})
    code, _, err = run(capsys, "cut", "1.3.0", "--reference-files", "README.md")
    assert code == 2
    assert "reference-files: cannot tell this repository's owner/name" in err


def test_cut_writes_all_files_or_none(repo: Repo) -> None:
    project(repo)
    # The second file cannot be staged (its folder is gone): the first must stay as it was,
    # and nothing staged is left behind.
    changelog = repo.path / "CHANGELOG.md"
    with pytest.raises(UsageError, match=r"^gone/pyproject.toml: cannot write the file .*nothing"):
        tg_files.write_all(
            [
                (str(changelog), "CHANGELOG.md", "new"),
                (str(repo.path / "gone" / "pyproject.toml"), "gone/pyproject.toml", "new"),
            ]
        )
    assert changelog.read_text() == CHANGELOG
    assert sorted(p.name for p in repo.path.iterdir() if "trunkgate-tmp" in p.name) == []


def test_cut_needs_a_changelog_and_commits(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "cut", "1.0.0")
    assert code == 2
    assert "the repository has no commits yet" in err
    repo.commit("chore: start")
    code, _, err = run(capsys, "cut", "1.0.0")
    assert code == 2
    assert "CHANGELOG.md: no such file" in err


# --------------------------------------------------------------------------- the hotfix path

HOTFIX_BASE = """\
# Changelog

## [Unreleased]

## [1.0.0] - 2026-01-15

### Added

- The first release.

[unreleased]: https://github.com/acme/widget/compare/v1.0.0...HEAD
[1.0.0]: https://github.com/acme/widget/releases/tag/v1.0.0
"""


def test_the_hotfix_path(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/releasing.md, "Hotfix": branch from the tag, fix, cut, tag, merge back."""

    pyproject = '[project]\nname = "widget"\nversion = "1.0.0"\n'
    repo.commit(
        "feat: the first release", {"CHANGELOG.md": HOTFIX_BASE, "pyproject.toml": pyproject}
    )
    repo.tag("v1.0.0")
    # Trunk moves on: a feature, with its changelog entry.
    with_feature = HOTFIX_BASE.replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n### Added\n\n- Batch mode.\n"
    )
    repo.commit("feat: batch mode", {"CHANGELOG.md": with_feature})
    # 1. Branch from the release tag.
    repo.branch("hotfix/1.0.1", "v1.0.0")
    with_fix = HOTFIX_BASE.replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n\n- A crash on empty input.\n"
    )
    repo.commit("fix: crash on empty input", {"CHANGELOG.md": with_fix})
    # 2. The next version, from that tag.
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.0.1\n"), err
    assert "last release v1.0.0; 1 commit since" in err
    # 3. Cut, commit, check, tag.
    code, _, err = run(capsys, "cut", "1.0.1", "--bump", "--date", "2026-02-01")
    assert code == 0, err
    repo.commit("chore(release): 1.0.1")
    assert run_cli("version", []) == 0  # on hotfix/1.0.1
    repo.tag("v1.0.1")
    assert run_cli("version", []) == 0  # on the tag
    capsys.readouterr()
    # 4. Merge back into trunk; the changelog conflicts where both added under Unreleased.
    repo.checkout("main")
    merge = repo.git(
        "merge", "--no-ff", "-q", "-m", "Merge branch 'hotfix/1.0.1'", "hotfix/1.0.1", check=False
    )
    assert "CONFLICT" in merge or repo.git("diff", "--name-only", "--diff-filter=U").strip()
    resolved = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Batch mode.\n\n"
        "## [1.0.1] - 2026-02-01\n\n### Fixed\n\n- A crash on empty input.\n\n"
        "## [1.0.0] - 2026-01-15\n\n### Added\n\n- The first release.\n\n"
        "[unreleased]: https://github.com/acme/widget/compare/v1.0.1...HEAD\n"
        "[1.0.1]: https://github.com/acme/widget/compare/v1.0.0...v1.0.1\n"
        "[1.0.0]: https://github.com/acme/widget/releases/tag/v1.0.0\n"
    )
    repo.write("CHANGELOG.md", resolved)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit", "--no-verify")
    assert 'version = "1.0.1"' in (repo.path / "pyproject.toml").read_text()
    assert changelog_findings(resolved) == []
    # 5. On trunk the next release counts from the hotfix: the feature makes it 1.1.0.
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.1.0\n"), err
    assert "last release v1.0.1; 1 commit since" in err
    assert "1 merge commit skipped" in err
    code, _, err = run(capsys, "cut", "1.1.0", "--bump", "--date", "2026-03-01")
    assert code == 0, err
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "## [Unreleased]\n\n## [1.1.0] - 2026-03-01\n\n### Added\n\n- Batch mode.\n" in text
    assert text.endswith(
        "[unreleased]: https://github.com/acme/widget/compare/v1.1.0...HEAD\n"
        "[1.1.0]: https://github.com/acme/widget/compare/v1.0.1...v1.1.0\n"
        "[1.0.1]: https://github.com/acme/widget/compare/v1.0.0...v1.0.1\n"
        "[1.0.0]: https://github.com/acme/widget/releases/tag/v1.0.0\n"
    )
    repo.commit("chore(release): 1.1.0")
    assert run_cli("version", ["--ref", "v1.1.0"]) == 0


# --------------------------------------------------------------------------- cut: link shapes


def test_cut_a_first_release_links_from_the_repository(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(
        "feat: start", {"CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- All."}
    )
    code, _, err = run(capsys, "cut", "0.1.0", "--date", "2026-04-01", "--repository", "acme/w")
    assert code == 0, err
    assert (repo.path / "CHANGELOG.md").read_text() == (
        "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-04-01\n\n### Added\n\n- All.\n\n"
        "[unreleased]: https://github.com/acme/w/compare/v0.1.0...HEAD\n"
        "[0.1.0]: https://github.com/acme/w/releases/tag/v0.1.0"
    )


def test_cut_derives_links_from_version_links(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    no_unreleased_link = CHANGELOG.replace(
        "[unreleased]: https://github.com/acme/widget/compare/v1.2.0...HEAD\n", ""
    )
    project(repo, no_unreleased_link)
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01")[0] == 0
    assert (
        (repo.path / "CHANGELOG.md")
        .read_text()
        .endswith(
            "- Batch mode.\n\n"
            "[unreleased]: https://github.com/acme/widget/compare/v1.3.0...HEAD\n"
            "[1.3.0]: https://github.com/acme/widget/compare/v1.2.0...v1.3.0\n"
            "[1.2.0]: https://github.com/acme/widget/compare/v1.1.0...v1.2.0\n"
        )
    )


def test_cut_replaces_a_link_written_ahead(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    ahead = CHANGELOG + "[1.3.0]: https://example.com/placeholder\n"
    project(repo, ahead)
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01")[0] == 0
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.endswith(
        "[unreleased]: https://github.com/acme/widget/compare/v1.3.0...HEAD\n"
        "[1.2.0]: https://github.com/acme/widget/compare/v1.1.0...v1.2.0\n"
        "[1.3.0]: https://github.com/acme/widget/compare/v1.2.0...v1.3.0\n"
    )
    assert "placeholder" not in text


def test_cut_fills_an_empty_group_from_commits(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_group = CHANGELOG.replace("- A crash on empty input.\n", "")
    project(repo, empty_group)
    repo.commit("fix: one")
    assert run(capsys, "cut", "1.3.0", "--date", "2026-04-01", "--from-commits")[0] == 0
    text = (repo.path / "CHANGELOG.md").read_text()
    assert "### Fixed\n\n- one\n" in text
    assert changelog_findings(text) == []


def test_notes_skip_an_empty_unreleased_section(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("chore: start", {"CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n"})
    repo.tag("v1.0.0")
    fix = repo.commit("fix: one")
    code, out, err = run(capsys, "notes")
    assert (code, out) == (0, f"### Fixes\n\n- one ({fix[:7]})\n")
    assert "from the commits since v1.0.0" in err


def test_section_text_trims_blank_lines() -> None:
    from trunkgate import keepachangelog as kac

    text = "# C\n\n## [1.0.0] - 2026-01-01\n\n\n### Added\n\n- A.\n\n\n\n## [0.9.0] - 2025-01-01\n"
    section = kac.parse(text).section("1.0.0")
    assert notes.section_text(text, section) == "### Added\n\n- A.\n"
    empty = kac.parse("## [1.0.0]\n\n").section("1.0.0")
    assert notes.section_text("## [1.0.0]\n\n", empty) == ""
