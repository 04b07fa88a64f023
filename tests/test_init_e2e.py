"""`trunkgate init` end to end: a repository with its own hook config and a `master` trunk is
set up with no hand edits; pre-commit runs every hook (the other repositories' and the local
ones too), and `trunkgate run` on the trunk has no gate that cannot decide because of the
policy init wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_hooks_e2e

# The hook repository snapshot and the runners' caches, shared with the hooks' own tests.
hook_repo = test_hooks_e2e.hook_repo
runner_homes = test_hooks_e2e.runner_homes

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent

OTHER_HOOKS = """\
-   id: other-hook
    name: other repository's hook
    entry: echo other-repo-hook-ran
    language: system
    pass_filenames: false
    always_run: true
"""

CONFIG = """\
# The project's own hooks; trunkgate init must keep every one of them.
repos:
  - repo: {other}
    rev: {other_rev}  # pinned
    hooks:
      - id: other-hook
        verbose: true

  # a hook of our own
  - repo: local
    hooks:
      - id: local-hook
        name: local hook
        entry: echo local-hook-ran
        language: system
        pass_filenames: false
        always_run: true
        verbose: true
"""

PYPROJECT = """\
[project]
name = "demo"
version = "1.3.0"

[tool.coverage.report]
fail_under = 60

[tool.pytest.ini_options]
pythonpath = ["."]
testpaths = ["tests"]
"""


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _ok(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = _run(cwd, *args, env=env)
    assert proc.returncode == 0, f"{args}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _other_repo(tmp_path: Path) -> tuple[Path, str]:
    other = tmp_path / "other-hooks"
    other.mkdir()
    (other / ".pre-commit-hooks.yaml").write_text(OTHER_HOOKS)
    _ok(other, "git", "init", "-q", "-b", "main")
    _ok(other, "git", "add", "-A")
    _ok(other, "git", "commit", "-q", "-m", "hooks")
    return other, _ok(other, "git", "rev-parse", "HEAD").strip()


def test_init_on_a_master_trunk_with_an_existing_config(tmp_path: Path, request) -> None:
    runner_homes = request.getfixturevalue("runner_homes")
    hook_repo = request.getfixturevalue("hook_repo")
    env = {**os.environ, **runner_homes, "NO_COLOR": "1"}
    trunkgate_repo, trunkgate_rev = hook_repo
    other, other_rev = _other_repo(tmp_path)
    target = tmp_path / "target"
    target.mkdir()
    (target / ".pre-commit-config.yaml").write_text(CONFIG.format(other=other, other_rev=other_rev))
    (target / "pyproject.toml").write_text(PYPROJECT)
    (target / "app.py").write_text("def double(x):\n    return 2 * x\n")
    (target / "tests").mkdir()
    (target / "tests" / "test_app.py").write_text(
        "from app import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
    )
    git = ("git", "-c", "core.hooksPath=/dev/null")
    _ok(target, "git", "init", "-q", "-b", "master")
    _ok(target, "git", "add", "-A")
    _ok(target, *git, "commit", "-q", "-m", "chore: start")
    _ok(target, "git", "tag", "1.2.0")
    _ok(target, "git", "tag", "1.3.0")
    origin = tmp_path / "origin.git"
    _ok(tmp_path, "git", "init", "-q", "--bare", "-b", "master", str(origin))
    _ok(target, "git", "remote", "add", "origin", str(origin))
    _ok(target, "git", "push", "-q", "origin", "master", "--tags")
    _ok(target, "git", "fetch", "-q", "origin")
    _ok(target, "git", "remote", "set-head", "origin", "--auto")
    before = (target / ".pre-commit-config.yaml").read_text()

    out = _ok(target, str(BIN / "trunkgate"), "init")
    assert 'read: trunk = "master" (origin/HEAD points at origin/master)' in out
    config = (target / ".pre-commit-config.yaml").read_text()
    assert (
        config.replace("default_install_hook_types: [pre-commit, commit-msg, pre-push]\n", "")[
            : len(before)
        ]
        == before
    )  # every line the project had, as it was, then trunkgate's entry
    policy = (target / "pyproject.toml").read_text()
    assert 'trunk = "master"' in policy
    assert 'tag-prefix = ""' in policy
    assert "fail-under = 60" in policy
    # This test's hook repository stands in for the published one; nothing else is edited.
    lines = config.splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if "github.com/trunkgate/trunkgate" in line)
    lines[at] = lines[at].replace("https://github.com/trunkgate/trunkgate", str(trunkgate_repo))
    lines[at + 1] = lines[at + 1].split("rev:")[0] + f"rev: {trunkgate_rev}\n"
    (target / ".pre-commit-config.yaml").write_text("".join(lines))

    # The hooks run: the project's own, the other repository's, and trunkgate's.
    _ok(target, "git", "checkout", "-q", "-b", "feature/adopt-trunkgate")
    _ok(target, "git", "add", "-A")
    _ok(target, *git, "commit", "-q", "-m", "chore: adopt trunkgate")
    proc = _run(target, str(BIN / "pre-commit"), "run", "--all-files", env=env)
    shown = proc.stdout + proc.stderr
    log = Path(runner_homes["PRE_COMMIT_HOME"]) / "pre-commit.log"
    assert proc.returncode == 0, shown + (log.read_text() if log.exists() else "")
    assert "local-hook-ran" in shown
    assert "other-repo-hook-ran" in shown
    for name in ("trunkgate branch", "trunkgate changelog", "trunkgate lint"):
        assert any(line.startswith(name) and "Passed" in line for line in shown.splitlines()), (
            name,
            shown,
        )
    # commit-msg and pre-push hooks install from default_install_hook_types, and run.
    _ok(target, str(BIN / "pre-commit"), "install", env=env)
    bad = _run(target, "git", "commit", "-q", "--allow-empty", "-m", "feat(app) add", env=env)
    assert bad.returncode != 0
    assert 'a colon is missing after "feat(app)"' in bad.stdout + bad.stderr

    # On the trunk, after the tests ran under the test command init wrote.
    _ok(target, "git", "checkout", "-q", "master")
    _ok(target, "git", "merge", "-q", "--ff-only", "feature/adopt-trunkgate")
    command = next(
        line.split("=", 1)[1].strip().strip('"')
        for line in policy.splitlines()
        if line.startswith("test-command")
    )
    assert command == "coverage run -m pytest"
    _ok(target, str(BIN / "coverage"), *command.split()[1:], env=env)
    proc = _run(target, str(BIN / "trunkgate"), "run", "--skip", "audit", env=env)
    shown = proc.stdout + proc.stderr
    verdicts = {
        line.split()[0]: line.split()[1]
        for line in proc.stdout.splitlines()
        if line.split()
        and line.split()[0]
        in ("branch", "commits", "changelog", "changelog-updated", "coverage", "version")
    }
    assert len(verdicts) == 6, shown
    assert "error" not in verdicts.values(), shown
    assert verdicts["commits"] == verdicts["changelog"] == verdicts["coverage"] == "passed", shown
    assert proc.returncode != 2, shown


def test_init_in_each_package_of_a_monorepo(tmp_path: Path, request) -> None:
    """A root project beside a package in packages/lib, each set up by init in its own
    folder: one config at the top, where real pre-commit runs the package's hooks on the
    package's files only, under the package's policy, and SKIP names them by their alias."""
    runner_homes = request.getfixturevalue("runner_homes")
    trunkgate_repo, trunkgate_rev = request.getfixturevalue("hook_repo")
    env = {**os.environ, **runner_homes, "NO_COLOR": "1"}
    target = tmp_path / "target"
    lib = target / "packages" / "lib"
    lib.mkdir(parents=True)
    (target / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1.0.0"\n')
    (target / "app.py").write_text("x = 1\n")
    (lib / "pyproject.toml").write_text('[project]\nname = "lib"\nversion = "1.1.0"\n')
    (lib / "lib.py").write_text("y = 1\n")
    git = ("git", "-c", "core.hooksPath=/dev/null")
    _ok(target, "git", "init", "-q", "-b", "main")
    _ok(target, "git", "add", "-A")
    _ok(target, *git, "commit", "-q", "-m", "chore: start")
    for tag in ("app-v1.0.0", "lib-v1.0.0", "lib-v1.1.0"):
        _ok(target, "git", "tag", tag)

    _ok(target, str(BIN / "trunkgate"), "init")
    out = _ok(lib, str(BIN / "trunkgate"), "init")
    assert "wrote ../../.github/workflows/monorepo.yml" in out
    assert "wrote ../../.github/workflows/monorepo-audit.yml" in out
    assert not (lib / ".pre-commit-config.yaml").exists()
    config = (target / ".pre-commit-config.yaml").read_text()
    config = config.replace("https://github.com/trunkgate/trunkgate", str(trunkgate_repo))
    config = config.replace(f"rev: v{_version()}", f"rev: {trunkgate_rev}")
    (target / ".pre-commit-config.yaml").write_text(config)
    _ok(target, str(BIN / "pre-commit"), "validate-config", env=env)
    _ok(target, "git", "checkout", "-q", "-b", "feature/adopt")
    _ok(target, "git", "add", "-A")
    _ok(target, *git, "commit", "-q", "-m", "chore: adopt trunkgate")

    # An undefined name in each project: the package's hook sees its own file only.
    (target / "app.py").write_text("x = undefined_in_app\n")
    (lib / "lib.py").write_text("y = undefined_in_lib\n")
    _ok(target, "git", "add", "-A")
    proc = _run(target, str(BIN / "pre-commit"), "run", "trunkgate-lint-packages-lib", env=env)
    shown = proc.stdout + proc.stderr
    assert proc.returncode == 1, shown
    assert "lib.py:1: F821" in shown
    assert "undefined_in_app" not in shown
    # The root's own hook, by its id, sees both (the root project holds the package).
    skipped = {**env, "SKIP": "trunkgate-lint-packages-lib"}
    proc = _run(target, str(BIN / "pre-commit"), "run", "trunkgate-lint", env=skipped)
    shown = proc.stdout + proc.stderr
    assert proc.returncode == 1, shown
    assert "undefined_in_app" in shown or "app.py:1: F821" in shown
    assert sum("Skipped" in line for line in shown.splitlines()) == 1, shown

    # Each project's own tag prefix, read by the same release code.
    assert "lib-v1.1.0" in _ok(lib, str(BIN / "trunkgate"), "release", "next", "--format", "json")
    assert "app-v1.0.0" not in _ok(lib, str(BIN / "trunkgate"), "release", "next")


def _version() -> str:
    from trunkgate import __version__

    return __version__
