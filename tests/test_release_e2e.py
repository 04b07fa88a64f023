"""The release workflow, run by a real Actions runner (act, host executor, offline).

A scratch project calls `trunkgate/trunkgate/.github/workflows/release.yml@v<version>` the
way an adopter would (act serves the tag from a snapshot of this checkout). Its `origin`
pushes to a local bare repository, which receives the release branch and the tag; `gh` is
a stand-in first on PATH that records its arguments (tests/support/stubs/gh). act runs the
release job without waiting for an approval: it ignores `environment:` protection rules.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.act import ActRun, run_act
from tests.support.gha import (
    SELF_REF,
    Target,
    needs_act,
    offline_pip_env,
    runner_python,
    runner_python_template,
    step_summary,
    trunkgate_ref,
    wheelhouse,
)

pytestmark = [pytest.mark.e2e, needs_act]

# Fixtures come from tests.support.gha; naming them here makes pytest see them.
__all__ = ["runner_python", "runner_python_template", "trunkgate_ref", "wheelhouse"]

GH_STUB = Path(__file__).resolve().parent / "support" / "stubs" / "gh"
VERSION_REF = "trunkgate/trunkgate/.github/workflows/release.yml@v"

CALLER = """\
name: release
on:
  workflow_dispatch:
    inputs:
      pre:
        type: string
        default: ""
jobs:
  release:
    permissions:
      contents: write
      pull-requests: write
    uses: {ref}
    with:
      pre: ${{{{ inputs.pre }}}}
{secrets}"""
# A token that may open pull requests: the release workflow then opens the one back.
WITH_TOKEN = "    secrets:\n      token: ${{ secrets.RELEASE_TOKEN }}\n"

PYPROJECT = """\
[project]
name = "widget"
version = "0.1.0"

[tool.trunkgate]
trunk = "main"
"""

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- Batch mode.

### Fixed

- A crash on empty input.

## [0.1.0] - 2026-01-15

### Added

- The first release.

[unreleased]: https://github.com/example/target/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/example/target/releases/tag/v0.1.0
"""


def project(tmp_path: Path, token: bool = False) -> tuple[Target, Path]:
    """A released project (v0.1.0) with a feature and a fix since; `origin` pushes to a
    bare repository (act still reads the repository's name from the github.com URL). With
    `token` its caller passes the `token` secret (RELEASE_TOKEN)."""
    from tests.support.gha import VERSION

    target = Target(tmp_path / "target")
    target.commit(
        "feat: the first release",
        {
            "pyproject.toml": PYPROJECT,
            "CHANGELOG.md": CHANGELOG.replace(
                "### Added\n\n- Batch mode.\n\n### Fixed\n\n- A crash on empty input.\n\n", ""
            ),
        },
    )
    target.git("tag", "v0.1.0")
    target.commit(
        "feat: batch mode",
        {
            ".github/workflows/release.yml": CALLER.format(
                ref=f"{VERSION_REF}{VERSION}", secrets=WITH_TOKEN if token else ""
            ),
            "CHANGELOG.md": CHANGELOG.replace("### Fixed\n\n- A crash on empty input.\n\n", ""),
        },
    )
    target.commit("fix: a crash on empty input", {"CHANGELOG.md": CHANGELOG})
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=target.env)
    target.git("config", "remote.origin.pushurl", str(bare))
    target.git("push", "-q", "origin", "main", "v0.1.0")
    return target, bare


def dispatch(
    target: Target,
    tmp_path: Path,
    trunkgate_ref: Path,
    wheelhouse: Path,
    runner_python: Path,
    **inputs: str,
) -> tuple[ActRun, list[dict]]:
    log = tmp_path / "gh.jsonl"
    log.touch()
    payload = {
        "inputs": {"pre": "", **inputs},
        "ref": "refs/heads/main",
        "repository": {"full_name": "example/target", "default_branch": "main"},
    }
    run = run_act(
        target.path,
        "workflow_dispatch",
        ".github/workflows/release.yml",
        home=tmp_path / "home",
        payload=payload,
        env={
            "CHECKOUT_SRC": str(target.path),
            "SETUP_PYTHON_BIN": str(runner_python),
            **offline_pip_env(wheelhouse),
            "PATH": f"{GH_STUB}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "GH_STUB_LOG": str(log),
            "GH_STUB_FAIL": os.environ.get("GH_STUB_FAIL", ""),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        },
        # Not real tokens: they show that a token reaches gh through GH_TOKEN only.
        secrets={"GITHUB_TOKEN": "test-token", "RELEASE_TOKEN": "release-token"},
        local_repositories={SELF_REF: trunkgate_ref},
        timeout=600,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return run, calls


def bare_git(bare: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=bare, capture_output=True, text=True, check=True
    ).stdout


def test_a_release_is_cut_tagged_pushed_and_published(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target, bare = project(tmp_path, token=True)
    run, calls = dispatch(target, tmp_path, trunkgate_ref, wheelhouse, runner_python)
    assert run.returncode == 0, run.describe()

    # The plan job found 0.2.0 and showed the notes of Unreleased to the reviewer.
    assert run.job_results() == {
        "release/trunkgate release/Plan the release": "success",
        "release/trunkgate release/Release": "success",
    }, run.describe()
    assert step_summary(run, "Plan the release") == (
        "## v0.2.0\n\n### Added\n\n- Batch mode.\n\n### Fixed\n\n- A crash on empty input.\n\n"
    )

    # The origin received the release branch and the annotated tag on the release commit.
    today = datetime.date.today().isoformat()
    assert bare_git(bare, "cat-file", "-t", "v0.2.0").strip() == "tag"
    assert bare_git(bare, "rev-parse", "v0.2.0^{commit}") == bare_git(
        bare, "rev-parse", "release/0.2.0"
    )
    assert bare_git(bare, "log", "-1", "--format=%s", "v0.2.0").strip() == "chore(release): 0.2.0"
    changelog = bare_git(bare, "show", "v0.2.0:CHANGELOG.md")
    assert f"## [Unreleased]\n\n## [0.2.0] - {today}\n\n### Added\n\n- Batch mode.\n" in changelog
    assert changelog.endswith(
        "[unreleased]: https://github.com/example/target/compare/v0.2.0...HEAD\n"
        "[0.2.0]: https://github.com/example/target/compare/v0.1.0...v0.2.0\n"
        "[0.1.0]: https://github.com/example/target/releases/tag/v0.1.0\n"
    )
    assert 'version = "0.2.0"' in bare_git(bare, "show", "v0.2.0:pyproject.toml")
    assert "refs/heads/main" in bare_git(bare, "for-each-ref", "--format=%(refname)")

    # gh made the release from the changelog's section, then the pull request back.
    assert [call["argv"][:2] for call in calls] == [["release", "create"], ["pr", "create"]]
    create, pull = calls
    assert create["argv"][2:6] == ["v0.2.0", "--verify-tag", "--title", "v0.2.0"]
    assert "--prerelease" not in create["argv"]
    assert create["files"]["--notes-file"] == (
        "### Added\n\n- Batch mode.\n\n### Fixed\n\n- A crash on empty input.\n\n"
    )
    assert pull["argv"][2:6] == ["--base", "main", "--head", "release/0.2.0"]
    assert pull["argv"][6:8] == ["--title", "chore(release): 0.2.0"]
    assert {call["gh_token"] for call in calls} == {"release-token"}
    # The major tag moved to the release, after the release was made.
    assert bare_git(bare, "rev-parse", "v0^{commit}") == bare_git(
        bare, "rev-parse", "v0.2.0^{commit}"
    )


def test_without_a_token_it_tags_and_releases_and_leaves_the_pull_request(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    """A new repository, whose GITHUB_TOKEN may not open pull requests: the run still ends
    green with the tag and its release, and says how to bring the release back."""
    target, bare = project(tmp_path)
    run, calls = dispatch(target, tmp_path, trunkgate_ref, wheelhouse, runner_python)
    assert run.returncode == 0, run.describe()
    assert [call["argv"][:2] for call in calls] == [["release", "create"]]
    assert calls[0]["gh_token"] == "test-token"
    assert "v0.2.0" in bare_git(bare, "tag", "--list").split()
    notes = [a["message"] for a in run.annotations("notice")]
    assert any("open the pull request from release/0.2.0 to main by hand" in n for n in notes)


def test_a_release_that_cannot_be_made_takes_its_tag_back(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path, monkeypatch
) -> None:
    target, bare = project(tmp_path)
    monkeypatch.setenv("GH_STUB_FAIL", "release")
    run, _ = dispatch(target, tmp_path, trunkgate_ref, wheelhouse, runner_python)
    assert run.returncode == 1, run.describe()
    tags = bare_git(bare, "tag", "--list").split()
    assert tags == ["v0.1.0"], tags  # neither v0.2.0 nor a moved v0
    errors = [a["message"] for a in run.annotations("error")]
    assert any("the tag was deleted again" in e for e in errors), errors


def test_a_pre_release(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target, bare = project(tmp_path)
    run, calls = dispatch(target, tmp_path, trunkgate_ref, wheelhouse, runner_python, pre="rc")
    assert run.returncode == 0, run.describe()
    assert bare_git(bare, "tag", "--list").split() == ["v0.1.0", "v0.2.0-rc.1"]  # no v0 moved
    create = calls[0]["argv"]
    assert create[:3] == ["release", "create", "v0.2.0-rc.1"]
    assert create[-1] == "--prerelease"


def test_nothing_to_release_stops_after_the_plan(
    tmp_path: Path, trunkgate_ref: Path, wheelhouse: Path, runner_python: Path
) -> None:
    target, bare = project(tmp_path)
    target.git("tag", "v0.2.0")  # everything is released already
    run, calls = dispatch(target, tmp_path, trunkgate_ref, wheelhouse, runner_python)
    assert run.returncode == 0, run.describe()
    assert run.job_results() == {  # no release job
        "release/trunkgate release/Plan the release": "success"
    }, run.describe()
    assert calls == []
    assert "nothing to release" in step_summary(run, "Plan the release")
    assert bare_git(bare, "tag", "--list").split() == ["v0.1.0"]
