"""End to end through pre-commit and prek: real hook installs, real commits and pushes.

A snapshot of this checkout (its files as they are now, committed to a scratch repository) is
the hook repository, so the tests see uncommitted work too. Both runners read the same
`.pre-commit-hooks.yaml`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gha import copy_checkout

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


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run share (each worker's basetemp is popen-gwN)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's files, committed to a scratch repository: (path, commit).

    Every worker builds the same commit (fixed dates and author), and the first to finish
    puts it in place, so that the runners build each hook environment once per test run.
    """
    final = _shared_dir(tmp_path_factory) / "hook-repo"
    dest = tmp_path_factory.mktemp("hook-repo-build")
    copy_checkout(dest)
    when = "2026-01-01T00:00:00+00:00"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snap"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=dest,
            check=True,
            env=env,
        )
    with contextlib.suppress(OSError):  # another worker was first
        dest.rename(final)
    # The commit in place, whoever put it there: the same one, unless a file of this checkout
    # changed between two workers' copies (a test writing beside it), which must not make
    # this worker ask for a commit that repository does not have.
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=final, capture_output=True, text=True, check=True
    ).stdout.strip()
    return final, sha


@pytest.fixture(scope="session")
def runner_homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One cache per runner for the whole run: both lock their stores, so workers share them."""
    base = _shared_dir(tmp_path_factory) / "runner-homes"
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


# --------------------------------------------------------------------------- the tool hooks


def stage_flag(t: Target) -> str:
    return "--hook-stage" if t.runner == "pre-commit" else "--stage"


def test_try_repo_lint(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    target.commit("chore: start", app_dot_py="import os\n")
    failed = try_repo(target, repo, "trunkgate-lint", "--all-files")
    assert failed.returncode == 1, output(failed)
    assert "app.py:1: F401" in output(failed)
    target.commit("fix: tidy", app_dot_py="import os\n\nprint(os.sep)\n")
    passed = try_repo(target, repo, "trunkgate-lint", "--all-files")
    assert passed.returncode == 0, output(passed)


def test_try_repo_security(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    shell = "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n"
    target.commit("chore: start", app_dot_py=shell)
    failed = try_repo(target, repo, "trunkgate-security", "--all-files")
    assert failed.returncode == 1, output(failed)
    assert "B602" in output(failed)
    target.commit("fix: no shell", app_dot_py="print('hello')\n")
    passed = try_repo(target, repo, "trunkgate-security", "--all-files")
    assert passed.returncode == 0, output(passed)


def test_try_repo_secrets(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    key = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example key id
    target.commit("chore: start", deploy_dot_env=f"REGION=eu-west-1\nKEY={key}\n")
    failed = try_repo(target, repo, "trunkgate-secrets", "--all-files")
    assert failed.returncode == 1, output(failed)
    assert "deploy.env:2: AWSKeyDetector" in output(failed)
    assert key not in output(failed)
    target.commit("fix: read the key at run time", deploy_dot_env="KEY=${AWS_KEY}\n")
    passed = try_repo(target, repo, "trunkgate-secrets", "--all-files")
    assert passed.returncode == 0, output(passed)


def test_try_repo_audit(target: Target, hook_repo) -> None:
    from tests.support.osv_server import OSVServer

    repo, _ = hook_repo
    target.commit("chore: start", requirements_dot_txt="requests==2.25.0\n")
    with OSVServer(ROOT / "tests" / "data" / "osv") as osv:
        target.env["PIP_AUDIT_OSV_URL"] = osv.url
        args = [stage_flag(target), "manual", "--all-files"]
        failed = try_repo(target, repo, "trunkgate-audit", *args)
        assert failed.returncode == 1, output(failed)
        assert "PYSEC-2023-74" in output(failed)
        target.commit("fix: bump requests", requirements_dot_txt="requests==2.32.3\n")
        passed = try_repo(target, repo, "trunkgate-audit", *args)
        assert passed.returncode == 0, output(passed)


def test_try_repo_coverage(target: Target, hook_repo) -> None:
    repo, _ = hook_repo
    code = "def half(x):\n    if x:\n        return x / 2\n    return 0\n"
    test = "from calc import half\n\n\ndef test_half():\n    assert half(4) == 2\n"
    target.commit("chore: start", calc_dot_py=code, test_calc_dot_py=test)

    def measure() -> None:
        env = {k: v for k, v in target.env.items() if not k.startswith(("COV_", "COVERAGE_"))}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coverage",
                "run",
                "--branch",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=target.path,
            env=env,
            capture_output=True,
            check=True,
        )

    measure()
    args = [stage_flag(target), "pre-push", "--all-files"]
    failed = try_repo(target, repo, "trunkgate-coverage", *args)
    assert failed.returncode == 1, output(failed)
    assert "fail-under" in output(failed) or "90" in output(failed)
    target.commit(
        "test: cover zero",
        test_calc_dot_py=test + "\n\ndef test_zero():\n    assert half(0) == 0\n",
    )
    measure()
    passed = try_repo(target, repo, "trunkgate-coverage", *args)
    assert passed.returncode == 0, output(passed)
