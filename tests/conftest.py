"""Shared fixtures: real git repositories in temporary folders, isolated from this machine."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}
# Variables from a surrounding hook, CI job or git invocation that would change verdicts.
LEAKY = (
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
    "GITHUB_REF",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "PRE_COMMIT",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_SOURCE",
    "PRE_COMMIT_ORIGIN",
    "PRE_COMMIT_REMOTE_BRANCH",
    "PRE_COMMIT_LOCAL_BRANCH",
    "PRE_COMMIT_REMOTE_NAME",
    "PRE_COMMIT_REMOTE_URL",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in LEAKY:
        monkeypatch.delenv(name, raising=False)
    gitconfig = tmp_path_factory.getbasetemp() / "gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(
            "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
            '[tag]\n\tgpgsign = false\n[protocol "file"]\n\tallow = always\n'
            "[safe]\n\tdirectory = *\n"
        )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("TRUNKGATE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("TRUNKGATE_NO_CACHE", raising=False)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


class Repo:
    """A real git repository in a temporary folder, with helpers for building history."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tick = 0

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, name: str, text: str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(
        self, message: str, files: dict[str, str] | None = None, date: str | None = None
    ) -> str:
        """Commit the given files (or an empty change) with a message; return the sha."""
        for name, text in (files or {}).items():
            self.write(name, text)
        self.git("add", "-A")
        self._tick += 1
        when = date or f"2026-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        subprocess.run(
            ["git", "commit", "-q", "--allow-empty", "--no-verify", "--no-gpg-sign", "-F", "-"],
            cwd=self.path,
            input=message,
            text=True,
            check=True,
            env=env,
        )
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str, start: str | None = None) -> None:
        self.git("checkout", "-q", "-b", name, *([start] if start else []))

    def checkout(self, ref: str) -> None:
        self.git("checkout", "-q", ref)

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", name, ref)


def shallow_clone(source: Path, target: Path, depth: int = 1, branch: str | None = None) -> Path:
    """`git clone --depth N` of a test repository, as actions/checkout makes one: every
    branch's tip (or only `branch`), cut `depth` commits deep."""
    which = ["--branch", branch] if branch else ["--no-single-branch"]
    subprocess.run(
        ["git", "clone", "-q", "--depth", str(depth), *which, source.as_uri(), str(target)],
        check=True,
    )
    return target


@pytest.fixture
def gate_cli(capsys: pytest.CaptureFixture[str]):
    """Run `trunkgate <command> <args...>` in-process: (exit code, stdout, stderr)."""
    from trunkgate import cli

    def run(command: str, *args: str) -> tuple[int, str, str]:
        code = cli.main([command, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An empty repository on branch main, and the current directory."""
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    monkeypatch.chdir(path)
    return Repo(path)


@pytest.fixture
def github_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set up a GitHub Actions environment; returns a function taking the event name and payload."""
    import json

    summary = tmp_path / "summary.md"
    output = tmp_path / "output.txt"

    def setup(event_name: str, payload: dict, ref: str = "") -> tuple[Path, Path]:
        event = tmp_path / "event.json"
        event.write_text(json.dumps(payload), encoding="utf-8")
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        monkeypatch.setenv("GITHUB_EVENT_NAME", event_name)
        monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        monkeypatch.setenv("GITHUB_OUTPUT", str(output))
        if ref:
            monkeypatch.setenv("GITHUB_REF", ref)
        head = payload.get("pull_request", {}).get("head", {}).get("ref")
        if head:
            monkeypatch.setenv("GITHUB_HEAD_REF", head)
        return summary, output

    return setup


@pytest.fixture
def rest_api():
    """The loopback stand-in of the GitHub REST endpoints (tests/support/rest_server.py)."""
    from tests.support.rest_server import RestServer

    with RestServer() as server:
        yield server


@pytest.fixture
def venv_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """This venv's pytest first on PATH, as a project's own would be, and no coverage or
    pytest settings leaking in from the run that runs these tests."""
    import sys

    for name in list(os.environ):
        if name.startswith(("COV_", "COVERAGE_", "PYTEST_")):
            monkeypatch.delenv(name)
    bin_dir = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
