"""End to end through pre-commit and prek: real hook installs, real commits and pushes.

A snapshot of this checkout (its files as they are now, committed to a scratch repository) is
the hook repository, so the tests see uncommitted work too. Both runners read the same
`.pre-commit-hooks.yaml`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNNERS = ["pre-commit", "prek"]

pytestmark = pytest.mark.e2e

GOOD_CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- The first feature.

## [0.1.0] - 2026-01-02

### Added

- A start.

[unreleased]: https://example.com/compare/v0.1.0...HEAD
[0.1.0]: https://example.com/releases/tag/v0.1.0
"""
BAD_CHANGELOG = "# Changelog\n\n## [0.1] - 2026-13-45\n\n### Stuff\n\n- x\n"


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's files, committed to a scratch repository: (path, commit)."""
    dest = tmp_path_factory.mktemp("hook-repo")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in files:
        name = raw.decode()
        if not name or not (ROOT / name).is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snap"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=dest,
            check=True,
            env=env,
        )
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, capture_output=True, text=True, check=True
    ).stdout.strip()
    return dest, sha


@pytest.fixture(scope="session")
def runner_homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One cache per runner for the whole session, so each builds its environment once."""
    base = tmp_path_factory.mktemp("runner-homes")
    return {"PRE_COMMIT_HOME": str(base / "pre-commit"), "PREK_HOME": str(base / "prek")}


class Target:
    """A scratch repository that adopts the hooks, with one runner."""

    def __init__(self, path: Path, runner: str, env: dict[str, str]) -> None:
        self.path = path
        self.runner = runner
        self.env = env

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            list(args), cwd=self.path, env=self.env, capture_output=True, text=True, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, check=check)

    def hooks(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(BIN / self.runner), *args)

    def write(self, name: str, text: str) -> None:
        (self.path / name).parent.mkdir(parents=True, exist_ok=True)
        (self.path / name).write_text(text, encoding="utf-8")

    def commit(self, message: str, **files: str) -> subprocess.CompletedProcess[str]:
        for name, text in files.items():
            self.write(name.replace("__", "/").replace("_dot_", "."), text)
        self.git("add", "-A")
        return self.git("commit", "-m", message, check=False)


@pytest.fixture(params=RUNNERS)
def target(request, tmp_path: Path, runner_homes: dict[str, str]) -> Target:
    env = {**os.environ, **runner_homes, "NO_COLOR": "1", "PREK_COLOR": "never"}
    path = tmp_path / "target"
    path.mkdir()
    t = Target(path, request.param, env)
    t.git("init", "-q", "-b", "main")
    return t


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


# --------------------------------------------------------------------------- try-repo


def try_repo(t: Target, repo: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    return t.hooks("try-repo", str(repo), hook, *args)


def test_try_repo_branch(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    target.commit("chore: start", README_dot_md="hi\n")
    target.git("checkout", "-q", "-b", "feature/ok")
    passed = try_repo(target, repo, "trunkgate-branch", "--all-files")
    assert passed.returncode == 0, output(passed)
    target.git("checkout", "-q", "-b", "NotAllowed")
    failed = try_repo(target, repo, "trunkgate-branch", "--all-files")
    assert failed.returncode == 1, output(failed)
    assert 'branch "NotAllowed" does not start with an allowed prefix' in output(failed)


def test_try_repo_changelog(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    target.commit("chore: start", CHANGELOG_dot_md=GOOD_CHANGELOG)
    passed = try_repo(target, repo, "trunkgate-changelog", "--all-files")
    assert passed.returncode == 0, output(passed)
    target.commit("chore: break it", CHANGELOG_dot_md=BAD_CHANGELOG)
    failed = try_repo(target, repo, "trunkgate-changelog", "--all-files")
    assert failed.returncode == 1, output(failed)
    assert "CHANGELOG.md:" in output(failed)


def test_try_repo_commit_msg_stage(target: Target, hook_repo, tmp_path: Path) -> None:
    if target.runner == "prek":
        pytest.skip("prek try-repo has no --commit-msg-filename; the real commit test covers it")
    repo, _ = hook_repo
    target.commit("chore: start", README_dot_md="hi\n")
    msg = tmp_path / "MSG"
    args = ["--hook-stage", "commit-msg", "--commit-msg-filename", str(msg)]
    msg.write_text("feat(api): add a thing\n")
    assert try_repo(target, repo, "trunkgate-commit-msg", *args).returncode == 0
    msg.write_text("added a thing\n")
    failed = try_repo(target, repo, "trunkgate-commit-msg", *args)
    assert failed.returncode == 1, output(failed)


# --------------------------------------------------------------------------- real git


CONFIG = """\
default_install_hook_types: [pre-commit, commit-msg, pre-push]
repos:
-   repo: {repo}
    rev: {rev}
    hooks:
    -   id: trunkgate-branch
    -   id: trunkgate-commit-msg
    -   id: trunkgate-commits
    -   id: trunkgate-changelog
    -   id: trunkgate-changelog-updated
"""


def test_a_day_of_trunk_based_work(target: Target, hook_repo, tmp_path: Path) -> None:
    """Real commits and pushes with the hooks installed by each runner."""
    repo, rev = hook_repo
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    target.git("remote", "add", "origin", str(remote))
    target.write(".pre-commit-config.yaml", CONFIG.format(repo=repo, rev=rev))
    installed = target.hooks("install")
    assert installed.returncode == 0, output(installed)

    first = target.commit("chore: start the project", CHANGELOG_dot_md=GOOD_CHANGELOG)
    assert first.returncode == 0, output(first)  # the first commit creates the trunk
    pushed = target.git("push", "-q", "origin", "main", check=False)
    assert pushed.returncode == 1, output(pushed)  # pushing straight onto the trunk
    assert "trunk-protected" in output(pushed)
    target.git("push", "-q", "--no-verify", "origin", "main")  # the bootstrap push

    on_trunk = target.commit("feat: straight onto main", app_dot_py="x = 1\n")
    assert on_trunk.returncode != 0, output(on_trunk)
    assert "trunk-protected" in output(on_trunk)

    target.git("checkout", "-q", "-b", "feature/greeting")
    bad_msg = target.commit("added greeting", app_dot_py="x = 1\n")
    assert bad_msg.returncode != 0, output(bad_msg)
    assert "trunkgate commit message" in output(bad_msg)

    no_entry = target.commit("feat: add a greeting", app_dot_py="x = 1\n")
    assert no_entry.returncode == 0, output(no_entry)
    push = target.git("push", "-q", "-u", "origin", "feature/greeting", check=False)
    assert push.returncode == 1, output(push)  # code changed, Unreleased gained nothing
    assert "trunkgate changelog updated" in output(push)

    entry = GOOD_CHANGELOG.replace("- The first feature.", "- The first feature.\n- A greeting.")
    fixed = target.commit("docs: note the greeting", CHANGELOG_dot_md=entry)
    assert fixed.returncode == 0, output(fixed)
    push = target.git("push", "-q", "-u", "origin", "feature/greeting", check=False)
    assert push.returncode == 0, output(push)

    # A release commit made on the trunk by the release tooling, then its tag pushed: the
    # pre-push hooks see refs/tags/v0.1.0, not the checked-out trunk, and let it through.
    target.git("checkout", "-q", "main")
    target.write("CHANGELOG.md", GOOD_CHANGELOG.replace("- The first feature.", "- More."))
    target.git("commit", "-q", "--no-verify", "-am", "chore: prepare 0.1.1")
    target.git("tag", "v0.1.1")
    tag = target.git("push", "-q", "origin", "v0.1.1", check=False)
    assert tag.returncode == 0, output(tag)
