"""Reading and writing files: all or nothing, even when the process is killed half-way.

The kill tests run the real command (`release cut`, `init`) in a fresh interpreter that an
audit hook (Python's own `sys.addaudithook`, no change to trunkgate) kills with SIGKILL just
before its k-th rename or removal, for every k, and at the k-th file it opens to write.
Then the next run recovers, and every file must be wholly old or wholly new, together,
with no temporary file and no journal left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Repo
from trunkgate import files
from trunkgate.report import UsageError

CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- The `--json` flag.\n"
PYPROJECT = '[project]\nname = "widget"\nversion = "1.2.0"\n'

KILLER = """
import os, signal, sys
event_name, at = sys.argv[1], int(sys.argv[2])
seen = [0]
def hook(event, args):
    if event == event_name or (event_name == "open-w" and event == "open"
            and isinstance(args[1], str) and "w" in args[1]) or (
            event_name == "open-w" and event == "open" and isinstance(args[2], int)
            and args[2] & (os.O_WRONLY | os.O_RDWR)):
        seen[0] += 1
        if seen[0] == at:
            os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
from trunkgate.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _run(cwd: Path, *argv: str, kill: tuple[str, int] | None = None) -> int:
    prefix = (
        [sys.executable, "-c", KILLER, *map(str, kill)]
        if kill
        else [
            sys.executable,
            "-m",
            "trunkgate",
        ]
    )
    proc = subprocess.run(
        [*prefix, *argv],
        cwd=cwd,
        env={**os.environ, "TRUNKGATE_NO_CACHE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode


def _state(root: Path, names: list[str]) -> dict[str, str | None]:
    return {n: (root / n).read_text() if (root / n).exists() else None for n in names}


def _leftovers(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if ".git/" not in str(p) and (p.name.endswith(files.TMP_SUFFIX) or p.name == files.JOURNAL)
    )


def _released(repo: Repo) -> None:
    repo.commit("chore: start", {"pyproject.toml": PYPROJECT})
    repo.tag("v1.2.0")
    repo.commit("feat: the json flag", {"CHANGELOG.md": CHANGELOG})


@pytest.mark.parametrize("event", ["os.rename", "os.remove", "open-w"])
def test_a_killed_release_cut_is_old_or_new(repo: Repo, event: str) -> None:
    _released(repo)
    names = ["CHANGELOG.md", "pyproject.toml"]
    old = _state(repo.path, names)
    assert _run(repo.path, "release", "cut", "1.3.0", "--bump") == 0
    new = _state(repo.path, names)
    assert new != old
    assert not _leftovers(repo.path)
    outcomes = set()
    for at in range(1, 40):
        for name, text in old.items():
            (repo.path / name).write_text(str(text))
        code = _run(repo.path, "release", "cut", "1.3.0", "--bump", kill=(event, at))
        if code == 0:
            break  # the run ends before the at-th event: every moment has been tried
        assert code == -signal.SIGKILL
        # The next run recovers (a dry run writes nothing else).
        _run(repo.path, "release", "cut", "1.3.0", "--bump", "--dry-run")
        after = _state(repo.path, names)
        assert after in (old, new), (event, at, after)
        assert _leftovers(repo.path) == [], (event, at)
        outcomes.add("new" if after == new else "old")
    else:
        pytest.fail(f"the cut still ran past {at} {event} events")
    if event == "os.rename":
        assert outcomes == {"old", "new"}  # kills landed on both sides of the commit


def test_a_killed_init_is_old_or_new(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    (target / "pyproject.toml").write_text('[project]\nname = "x"\n')
    names = [
        ".pre-commit-config.yaml",
        ".github/workflows/quality-gates.yml",
        ".github/workflows/dependency-audit.yml",
        "pyproject.toml",
    ]
    old = _state(target, names)
    for at in range(1, 12):
        code = _run(target, "init", kill=("os.rename", at))
        if code == 0:
            break
        assert code == -signal.SIGKILL
        _run(target, "init", "--dry-run")
        after = _state(target, names)
        assert after == old or all(v is not None for v in after.values()), (at, after)
        assert _leftovers(target) == [], at
        for name in names[:3]:
            (target / name).unlink(missing_ok=True)
        (target / "pyproject.toml").write_text(str(old["pyproject.toml"]))
    else:
        pytest.fail("init still ran past 12 renames")


def test_a_failure_while_staging_changes_nothing(tmp_path: Path) -> None:
    first = tmp_path / "a.txt"
    first.write_text("old")
    with pytest.raises(UsageError, match=r"^gone/b.txt: cannot write the file .*nothing"):
        files.write_all(
            [(str(first), "a.txt", "new"), (str(tmp_path / "gone" / "b.txt"), "gone/b.txt", "x")]
        )
    assert first.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_writes_replace_a_planted_symlink_rather_than_follow_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    link = tmp_path / "report.sarif"
    link.symlink_to(outside)
    files.write_atomic(str(link), "{}")
    assert outside.read_text() == "keep"
    assert not link.is_symlink()
    assert link.read_text() == "{}"


def test_recover_rolls_a_committed_write_forward(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old")
    staged = tmp_path / f".t.txt.x{files.TMP_SUFFIX}"
    staged.write_text("new")
    files._journal(str(tmp_path), "commit", [f"{staged}\0{target}"])
    assert files.recover(str(tmp_path)) == [str(target)]
    assert target.read_text() == "new"
    assert _leftovers(tmp_path) == []
