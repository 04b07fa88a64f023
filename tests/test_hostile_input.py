"""Hostile input: whatever a change, a policy or a planted file holds, one line and exit 2.

Each case runs the real command in a fresh interpreter (so a hang, a crash or a traceback
cannot hide behind pytest), with a time limit far above what a bounded answer takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

GOOD_CHANGELOG = "# Changelog\n\n## [Unreleased]\n"
Setup = Callable[[Path], dict[str, str]]


def _policy(text: str) -> Setup:
    def setup(repo: Path) -> dict[str, str]:
        (repo / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{text}')
        return {}

    return setup


def _fifo(name: str) -> Setup:
    def setup(repo: Path) -> dict[str, str]:
        (repo / name).unlink(missing_ok=True)
        os.mkfifo(repo / name)
        return {}

    return setup


def _symlink(name: str, target: str) -> Setup:
    def setup(repo: Path) -> dict[str, str]:
        (repo / name).unlink(missing_ok=True)
        (repo / name).symlink_to(target)
        return {}

    return setup


def _payload(document: str) -> Setup:
    def setup(repo: Path) -> dict[str, str]:
        (repo.parent / "event.json").write_text(document)
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(repo.parent / "event.json"),
        }

    return setup


def _git_file(name: str, data: bytes) -> Setup:
    def setup(repo: Path) -> dict[str, str]:
        (repo / ".git" / name).write_bytes(data)
        return {}

    return setup


CASES: list[tuple[str, Setup, list[str], str]] = [
    (
        "catastrophic-pattern",
        _policy("[tool.trunkgate.branch]\npattern = '(feature/)?(a+)+'\n"),
        ["branch", "--branch", "a" * 40 + "!"],
        "pattern: expected a regular expression that cannot backtrack without end",
    ),
    (
        "catastrophic-pattern-flag",
        _policy(""),
        ["branch", "--pattern", r"(\w+\s?)*$", "--branch", "a " * 30 + "!"],
        "--pattern: expected a regular expression that cannot backtrack",
    ),
    (
        "deep-toml",
        _policy("[tool.trunkgate.commits]\ntypes = " + "[" * 5000 + "]" * 5000 + "\n"),
        ["commits"],
        "nested too deeply",
    ),
    ("huge-integer-flag", _policy(""), ["branch", "--max-behind", "9" * 5000], "--max-behind"),
    (
        "deep-payload",
        _payload("[" * 200_000 + "]" * 200_000),
        ["commits"],
        "the event payload is nested too deeply",
    ),
    ("fifo-message", _fifo("MSG"), ["commit-msg", "MSG"], "MSG: not a regular file"),
    ("fifo-changelog", _fifo("CHANGELOG.md"), ["changelog"], "CHANGELOG.md: not a regular file"),
    (
        "device-changelog",
        _symlink("CHANGELOG.md", "/dev/zero"),
        ["changelog"],
        "CHANGELOG.md: not a regular file",
    ),
    ("fifo-policy", _fifo("pyproject.toml"), ["branch"], "pyproject.toml: not a regular file"),
    ("fifo-payload", _payload(""), ["commits"], ""),  # replaced by a FIFO below
    (
        "binary-head",
        _git_file("HEAD", b"\xff\xfe\x00ref: refs/heads/x\n"),
        ["branch"],
        "not a git repository",
    ),
]


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com"}
    env |= {"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.com"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "CHANGELOG.md").write_text(GOOD_CHANGELOG)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "chore: start"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "switch", "-q", "-c", "feature/x"], cwd=repo, check=True)
    (repo / "MSG").write_text("feat: x\n")
    return repo


@pytest.mark.parametrize(
    ("setup", "argv", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hostile_input_is_one_line_and_exit_2(hostile_repo: Path, setup, argv, message) -> None:
    env = {**os.environ, "TRUNKGATE_NO_CACHE": "1", **setup(hostile_repo)}
    env.pop("GITHUB_OUTPUT", None)
    if argv == ["commits"] and not message and "GITHUB_EVENT_PATH" in env:
        event = Path(env["GITHUB_EVENT_PATH"])
        event.unlink()
        os.mkfifo(event)
        message = "not a regular file"
    proc = subprocess.run(
        [sys.executable, "-m", "trunkgate", *argv],
        cwd=hostile_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"trunkgate {argv[0]}: error: ")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("argv", "codes"),
    [
        (["commits", "--help"], (0, 141)),  # argparse's --help exits 0 before the flush fails
        (["branch", "--format", "text"], (141,)),
        # Under --format github stdout is the guard that neutralises commands.
        (["branch", "--format", "github"], (141,)),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_broken_pipe_ends_quietly(hostile_repo: Path, argv: list[str], codes) -> None:
    # The reader is gone before the first write, as with `trunkgate ... | head -0`.
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run(
        [sys.executable, "-m", "trunkgate", *argv],
        cwd=hostile_repo,
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    os.close(write)
    assert proc.stderr == ""
    assert proc.returncode in codes


def test_an_event_payload_is_bounded(hostile_repo: Path, tmp_path: Path) -> None:
    from trunkgate import context

    event = tmp_path / "big.json"
    with event.open("wb") as fh:
        fh.truncate(context.EVENT_LIMIT + 1)
    ctx = context.Context({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)})
    with pytest.raises(Exception, match="expected at most"):
        _ = ctx.event
    event.write_text(json.dumps({"pull_request": {"title": "t"}}))
    assert (
        context.Context({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)}).pr_title == "t"
    )
