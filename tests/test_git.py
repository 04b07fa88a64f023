from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shallow_clone
from trunkgate import git
from trunkgate.report import UsageError


def test_empty_repository(repo) -> None:
    head = git.head()
    assert (head.branch, head.detached, head.rebasing) == ("main", False, False)
    assert not git.has_commits()
    assert git.rev_parse("HEAD") is None
    assert git.trunk_ref("main") is None
    assert git.tags() == []
    assert git.changed_files(staged=True) == []


def test_commits_with_full_messages(repo) -> None:
    first = repo.commit("feat: one\n\nbody line\n\nRefs: #1\n", {"a.py": "1\n"})
    second = repo.commit("fix: two", {"b.py": "2\n"})
    commits = git.commits([f"{first}..{second}"])
    assert [c.sha for c in commits] == [second]
    (everything) = git.commits(["HEAD"])
    assert [c.subject for c in everything] == ["fix: two", "feat: one"]
    assert everything[1].message == "feat: one\n\nbody line\n\nRefs: #1\n"
    assert everything[1].parents == []
    assert everything[0].parents == [first]
    assert not everything[0].is_merge
    assert repr(everything[0]).startswith(f"Commit({second[:10]} 'fix: two'")
    assert git.count([f"{first}..{second}"]) == 1
    assert git.changed_files(first, second) == ["b.py"]
    assert git.show(first, "a.py") == "1\n"
    assert git.show(first, "b.py") is None
    assert git.toplevel() == str(repo.path)


def test_merges_trunk_ref_and_merge_base(repo) -> None:
    base = repo.commit("feat: base")
    repo.branch("feature/x")
    repo.commit("feat: x", {"x.py": "x\n"})
    repo.checkout("main")
    repo.commit("feat: y", {"y.py": "y\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'feature/x'", "feature/x")
    merge = git.commits(["-1", "HEAD"])[0]
    assert merge.is_merge
    assert git.merge_base("feature/x", "main") == git.rev_parse("feature/x")
    assert git.trunk_ref("main") == "refs/heads/main"
    repo.git("update-ref", "refs/remotes/origin/main", base)
    assert git.trunk_ref("main") == "refs/remotes/origin/main"
    assert git.merge_base(base, "HEAD") == base


def test_changed_files_in_the_index_and_odd_names(repo) -> None:
    repo.commit("feat: base", {"keep.txt": "k\n"})
    repo.write("spaced name.py", "x = 1\n")
    repo.write("ünï.py", "y = 2\n")
    repo.git("add", "-A")
    assert sorted(git.changed_files(staged=True)) == ["spaced name.py", "ünï.py"]


def test_config_values(repo) -> None:
    assert git.config_get("core.commentChar") is None
    repo.git("config", "core.commentChar", ";")
    assert git.config_get("core.commentChar") == ";"


def test_tags_sorted_newest_first(repo) -> None:
    repo.commit("feat: one")
    for tag in ("v1.2.0", "v1.10.0", "v1.9.0"):
        repo.tag(tag)
    assert git.tags("v*") == ["v1.10.0", "v1.9.0", "v1.2.0"]


def test_detached_head(repo) -> None:
    sha = repo.commit("feat: one")
    repo.checkout(sha)
    assert git.head().detached


def test_worktree_and_git_file(repo, tmp_path) -> None:
    repo.commit("feat: one")
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature/wt", str(wt))
    assert (wt / ".git").is_file()
    assert git.head(str(wt)).branch == "feature/wt"
    assert git.git_dir(str(wt / "nested")) is not None


def test_git_dir_from_environment(repo, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GIT_DIR", str(repo.path / ".git"))
    assert git.git_dir() == str(repo.path / ".git")
    monkeypatch.chdir(tmp_path)
    assert git.head().branch == "main"


def test_outside_a_repository(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=f"^not a git repository: {tmp_path}$"):
        git.head()
    with pytest.raises(UsageError, match=r"^not a git repository"):
        git.run("status")


def test_git_errors_are_one_line(repo) -> None:
    with pytest.raises(UsageError, match=r"^git log -z .*: fatal: bad revision 'nope\.\.HEAD'$"):
        git.commits(["nope..HEAD"])
    with pytest.raises(UsageError, match=r"^the base 'nope' is not a commit in this repository$"):
        git.require_commit("nope", "the base")


def test_git_not_installed(repo, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UsageError, match=r"^git is not installed or not on PATH$"):
        git.config_get("user.name")


def test_null_shas() -> None:
    assert git.is_null("0" * 40)
    assert git.is_null("0" * 64)
    assert not git.is_null("0" * 39 + "1")
    assert not git.is_null("")
    assert not git.is_null(None)


def test_shallow_clone_says_so(repo, tmp_path, monkeypatch) -> None:
    first = repo.commit("feat: one")
    for i in range(3):
        repo.commit(f"feat: {i}")
    clone = shallow_clone(repo.path, tmp_path / "shallow", depth=2, branch="main")
    monkeypatch.chdir(clone)
    assert git.is_shallow()
    assert len(git.shallow_boundary()) == 1
    with pytest.raises(UsageError, match="reaches past the shallow clone's history"):
        git.commits(["HEAD"])
    assert len(git.commits(["HEAD~1..HEAD"])) == 1  # inside the fetched history: fine
    with pytest.raises(UsageError, match="fetch-depth: 0"):
        git.require_commit(first, "the base")


def test_rebase_in_progress(repo) -> None:
    repo.commit("feat: base", {"a.txt": "1\n"})
    repo.branch("feature/r")
    repo.commit("feat: mine", {"a.txt": "2\n"})
    repo.checkout("main")
    repo.commit("feat: theirs", {"a.txt": "3\n"})
    repo.checkout("feature/r")
    repo.git("rebase", "main", check=False)
    head = git.head()
    assert (head.branch, head.rebasing) == ("feature/r", True)


def test_unreadable_head_asks_git(repo, monkeypatch) -> None:
    repo.commit("feat: one")
    head_file = Path(repo.path / ".git" / "HEAD")
    head_file.write_text("ref: refs/heads/.invalid\n")  # as with the reftable backend
    with pytest.raises(UsageError):
        git.head()  # git itself now refuses the repository: the error is one clear line
