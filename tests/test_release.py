"""`trunkgate release next|notes|cut` on real git histories, against the rules worked by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Repo
from trunkgate import cli, git, release

# --------------------------------------------------------------------------- helpers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = release.main(list(argv))
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
    (["v1.2.0"], ["update things", "fixup! fix: a"], [], None),
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
    code, out, err = run(capsys, "next")
    assert (code, out) == (0, "1.3.0\n")
    assert err.splitlines() == [
        "trunkgate release: warning: ignoring tag 'vnext': not vX.Y.Z "
        "(a semver version after the tag prefix 'v')",
        "trunkgate release next: last release v1.2.0; 4 commits since",
        f"  patch  {fix[:7]}  fix(cli): exit 2 on bad flags",
        f"  minor  {feat[:7]}  feat: add --json (#42)",
        "  1 other commit bumps nothing (docs)",
        f'  not Conventional Commits, not counted: {repo.head()[:7]} "update stuff"',
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


def test_only_tags_in_the_history_of_head_count(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    history(repo, ["v1.0.0"], [])
    repo.branch("other")
    repo.commit("feat!: elsewhere")
    repo.tag("v2.0.0")
    repo.checkout("main")
    repo.commit("fix: here")
    assert run(capsys, "next")[1] == "1.0.1\n"


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


def test_other_version_schemes_are_refused(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    history(repo, [], ["fix: a"])
    code, _, err = run(capsys, "next", "--version-scheme", "calver")
    assert code == 2
    assert "release versions are computed in semver" in err


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
        "commits": [{"sha": feat, "subject": "feat: a", "bump": "minor"}],
    }


def test_next_sets_step_outputs(repo: Repo, capsys: pytest.CaptureFixture[str], github_env) -> None:
    history(repo, ["v1.0.0"], ["feat!: a"])
    _, output = github_env("workflow_dispatch", {})
    code, out, _ = run(capsys, "next", "--format", "github")
    assert (code, out) == (0, "2.0.0\n")
    assert output.read_text() == "version=2.0.0\ntag=v2.0.0\nprevious=1.0.0\nbump=major\n"


def test_next_with_nothing_sets_empty_outputs(
    repo: Repo, capsys: pytest.CaptureFixture[str], github_env
) -> None:
    history(repo, ["v1.0.0"], ["docs: a"])
    _, output = github_env("workflow_dispatch", {})
    assert run(capsys, "next", "--format", "github")[:2] == (0, "")
    assert output.read_text() == "version=\ntag=\nprevious=1.0.0\nbump=\n"


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
    assert release.bump(version, level, zero) == expected


@given(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
    st.sampled_from(["patch", "minor", "major"]),
    st.sampled_from(["minor", "major"]),
)
def test_a_bump_moves_exactly_its_part(parts: tuple[int, int, int], level: str, zero: str) -> None:
    version = "{}.{}.{}".format(*parts)
    new = release.bump(version, level, zero)
    assert release.semver_key(new) > release.semver_key(version)
    assert release.bump_between(version, new) == release.effective_level(version, level, zero)
    assert release.bump_between(new, version) is None


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
    assert release._pr_suffix(text) == expected


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
    assert release.repository_from_url(url) == expected


def test_repository_comes_from_policy_env_or_origin(repo: Repo) -> None:
    from trunkgate import config

    repo.commit("chore: start")
    policy = config.resolve("release", start=str(repo.path))
    assert release.repository_of(policy, {}) == ""
    repo.git("remote", "add", "origin", "git@github.com:acme/widget.git")
    assert release.repository_of(policy, {}) == "acme/widget"
    assert release.repository_of(policy, {"GITHUB_REPOSITORY": "acme/gadget"}) == "acme/gadget"
    policy = config.resolve("release", {"repository": "acme/thing"}, start=str(repo.path))
    assert release.repository_of(policy, {"GITHUB_REPOSITORY": "acme/gadget"}) == "acme/thing"


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
