"""The one place that talks to git.

Cheap questions (which branch is checked out?) are answered from the files under `.git`
without starting a process; everything else runs the git command line. Where history is
missing (a shallow clone) the functions say so with a `UsageError` instead of guessing.
It is longer than 400 lines because it is the only module that may run git: every git
question of every gate is answered here.
"""

from __future__ import annotations

import os
import stat

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Sequence

FIELD = "\x1f"
SHALLOW_HINT = (
    "the clone is shallow; fetch the history the gate needs "
    "(git fetch --unshallow, or actions/checkout with fetch-depth: 0)"
)


def is_null(sha: str | None) -> bool:
    """True for git's all-zero object name (a branch being created or deleted)."""
    return sha is not None and set(sha) == {"0"}


class Commit:
    """A commit with its full message."""

    __slots__ = ("author_email", "author_name", "author_time", "message", "parents", "sha")

    def __init__(
        self,
        sha: str,
        parents: list[str],
        author_time: int,
        message: str,
        author_name: str = "",
        author_email: str = "",
    ) -> None:
        self.sha = sha
        self.parents = parents
        self.author_time = author_time
        self.message = message
        self.author_name = author_name
        self.author_email = author_email

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def __repr__(self) -> str:
        return f"Commit({self.sha[:10]} {self.subject!r})"


def _spawn(args: Sequence[str], cwd: str | None) -> subprocess.CompletedProcess[bytes]:
    import subprocess

    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise UsageError("git is not installed or not on PATH") from None


def run(*args: str, cwd: str | None = None, ok: Sequence[int] = (0,)) -> str:
    """Run git; return stdout. Failures become one clear UsageError line."""
    proc = _spawn(args, cwd)
    if proc.returncode not in ok:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = err[-1] if err else f"exit status {proc.returncode}"
        if "not a git repository" in detail:
            raise UsageError(f"not a git repository: {os.path.abspath(cwd or os.curdir)}")
        raise UsageError(f"git {' '.join(args)}: {detail}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def _read(path: str) -> str | None:
    """A small file of git's (HEAD, a ref, a `.git` file): its text, or None when it is not
    there or is not what git writes (not a regular file, too large, not UTF-8)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, 65536)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None


def git_dir(start: str | None = None) -> str | None:
    """The repository's git directory for this worktree (None outside a repository)."""
    env = os.environ.get("GIT_DIR")
    if env and start is None:
        return os.path.abspath(env)
    here = os.path.abspath(start or os.curdir)
    while True:
        dot = os.path.join(here, ".git")
        if os.path.isdir(dot):
            return dot
        if os.path.isfile(dot):  # a worktree or submodule: "gitdir: <path>"
            text = _read(dot) or ""
            if text.startswith("gitdir:"):
                return os.path.normpath(os.path.join(here, text[len("gitdir:") :].strip()))
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def require_repo(start: str | None = None) -> str:
    found = git_dir(start)
    if found is None:
        raise UsageError(f"not a git repository: {os.path.abspath(start or os.curdir)}")
    return found


class Head:
    """What HEAD points at: a branch (maybe without commits yet), or a detached commit."""

    __slots__ = ("branch", "rebasing")

    def __init__(self, branch: str | None, rebasing: bool = False) -> None:
        self.branch = branch  # None when detached
        self.rebasing = rebasing

    @property
    def detached(self) -> bool:
        return self.branch is None


def head(start: str | None = None) -> Head:
    """The checked-out branch, read from .git/HEAD; during a rebase, the branch being rebased."""
    gdir = require_repo(start)
    text = _read(os.path.join(gdir, "HEAD"))
    if text is None or text == "ref: refs/heads/.invalid":  # reftable, or unreadable: ask git
        out = run("symbolic-ref", "-q", "HEAD", cwd=start, ok=(0, 1)).strip()
        text = f"ref: {out}" if out else ""
    if text.startswith("ref: refs/heads/"):
        return Head(text[len("ref: refs/heads/") :])
    for state in ("rebase-merge", "rebase-apply"):
        name = _read(os.path.join(gdir, state, "head-name"))
        if name and name.startswith("refs/heads/"):
            return Head(name[len("refs/heads/") :], rebasing=True)
    return Head(None)


def config_get(key: str, cwd: str | None = None) -> str | None:
    out = run("config", "--get", key, cwd=cwd, ok=(0, 1))
    return out.rstrip("\n") or None


def is_shallow(cwd: str | None = None) -> bool:
    return run("rev-parse", "--is-shallow-repository", cwd=cwd).strip() == "true"


def shallow_boundary(cwd: str | None = None) -> set[str]:
    """Commits whose parents a shallow clone does not have."""
    path = run("rev-parse", "--git-path", "shallow", cwd=cwd).strip()
    if cwd and not os.path.isabs(path):
        path = os.path.join(cwd, path)
    return set((_read(path) or "").split())


def rev_parse(ref: str, cwd: str | None = None) -> str | None:
    """The commit a ref names, or None when it does not exist here."""
    out = run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd, ok=(0, 1))
    return out.strip() or None


def require_commit(ref: str, what: str, cwd: str | None = None) -> str:
    sha = rev_parse(ref, cwd)
    if sha is None:
        hint = f"; {SHALLOW_HINT}" if is_shallow(cwd) else ""
        raise UsageError(f"{what} {ref!r} is not a commit in this repository{hint}")
    return sha


def has_commits(cwd: str | None = None) -> bool:
    return rev_parse("HEAD", cwd) is not None


def merge_base(a: str, b: str, cwd: str | None = None) -> str | None:
    out = run("merge-base", a, b, cwd=cwd, ok=(0, 1))
    return out.strip() or None


def tags_merged(ref: str = "HEAD", pattern: str = "*", cwd: str | None = None) -> list[str]:
    """Tags matching a pattern that point into the history of `ref`, newest (version sort) first."""
    out = run("tag", "--list", pattern, "--merged", ref, "--sort=-v:refname", cwd=cwd)
    return [t for t in out.splitlines() if t]


def is_ancestor(ancestor: str, descendant: str, cwd: str | None = None) -> bool:
    """Whether `ancestor` is in the history of `descendant` (a commit is its own ancestor)."""
    proc = _spawn(["merge-base", "--is-ancestor", ancestor, descendant], cwd)
    return proc.returncode == 0


def tags_at(ref: str = "HEAD", cwd: str | None = None) -> list[str]:
    """Tags (lightweight or annotated) that point at the commit `ref` names (none when `ref`
    names no commit, as HEAD in a repository without commits)."""
    args = ("tag", "--list", "--points-at", ref)
    light = _run_light(args) if cwd is None else None  # the version gate's cheap path
    if light is not None and light[0] in (0, 129):
        out = light[1]
    else:  # in another folder, or git failed: `run` explains
        out = run(*args, cwd=cwd, ok=(0, 129))
    return [t for t in out.splitlines() if t]


def dirty_files(cwd: str | None = None) -> list[str]:
    """Tracked files with changes not committed, staged or not (untracked files do not count)."""
    out = run("status", "--porcelain", "-z", "--untracked-files=no", cwd=cwd)
    found: list[str] = []
    records = out.split("\0")
    i = 0
    while i < len(records):
        record = records[i]
        if len(record) > 3:
            found.append(record[3:])
            if record[0] in "RC":  # a rename or copy: the source path follows
                i += 1
        i += 1
    return found


def trunk_ref(trunk: str, cwd: str | None = None) -> str | None:
    """The best ref for the trunk here: the remote's copy if there is one, else the local one."""
    for ref in (f"refs/remotes/origin/{trunk}", f"refs/heads/{trunk}"):
        if rev_parse(ref, cwd):
            return ref
    return None


def default_branch(cwd: str | None = None) -> tuple[str, str] | None:
    """The branch this repository treats as its trunk, and how that was found: where
    origin/HEAD points, else the one of origin/main, origin/master, main, master that
    exists, else the only local branch; None when nothing tells."""
    out = run("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", cwd=cwd, ok=(0, 1, 128))
    ref = out.strip()
    if ref.startswith("refs/remotes/origin/"):
        name = ref[len("refs/remotes/origin/") :]
        return name, f"origin/HEAD points at origin/{name}"
    found = run("for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes/origin", cwd=cwd)
    refs = set(found.split())
    for where, folder in (
        ("the remote branch origin/", "refs/remotes/origin/"),
        ("the branch ", "refs/heads/"),
    ):
        present = [n for n in ("main", "master") if folder + n in refs]
        if len(present) == 1:
            return present[0], f"{where}{present[0]} exists (and no other of main, master)"
    local = [r[len("refs/heads/") :] for r in refs if r.startswith("refs/heads/")]
    if len(local) == 1:
        return local[0], f"{local[0]} is the only branch"
    return None


def remote_url(name: str = "origin", cwd: str | None = None) -> str | None:
    return config_get(f"remote.{name}.url", cwd)


def commits(
    revisions: Sequence[str], cwd: str | None = None, paths: Sequence[str] = ()
) -> list[Commit]:
    """Commits selected by rev-list arguments (`A..B`, `B --not --remotes`), newest first;
    with `paths`, only those that touch them.

    Raises UsageError when the walk runs into the edge of a shallow clone: the list
    would be cut short and a gate would judge only part of the change.
    """
    fmt = FIELD.join(("%H", "%P", "%at", "%an", "%ae", "%B"))
    out = run("log", "-z", f"--format={fmt}", *revisions, "--", *paths, cwd=cwd)
    found = []
    for record in out.split("\0"):
        if not record:
            continue
        sha, parents, when, name, email, message = record.split(FIELD, 5)
        found.append(Commit(sha, parents.split(), int(when or 0), message, name, email))
    if found:
        boundary = shallow_boundary(cwd)
        cut = [c.sha[:10] for c in found if c.sha in boundary]
        if cut:
            raise UsageError(
                f"the range {' '.join(revisions)} reaches past the shallow clone's history "
                f"(at {cut[0]}); {SHALLOW_HINT}"
            )
    return found


def count(revisions: Sequence[str], cwd: str | None = None) -> int:
    return int(run("rev-list", "--count", *revisions, cwd=cwd).strip() or 0)


def changed_files(
    base: str | None = None,
    head: str | None = None,
    *,
    staged: bool = False,
    cwd: str | None = None,
) -> list[str]:
    """Paths changed (added, copied, modified, renamed) since `base`, or staged in the index."""
    args = ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=ACMR"]
    if staged:
        args.append("--cached")
    elif base:
        args.append(f"{base}...{head}" if head else base)
    out = run(*args, cwd=cwd)
    return [p for p in out.split("\0") if p]


def show(ref: str, path: str, cwd: str | None = None) -> str | None:
    """A file's text at a commit, or None when the file did not exist there."""
    proc = _spawn(["show", f"{ref}:{path}"], cwd)
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None


def toplevel(cwd: str | None = None) -> str:
    return run("rev-parse", "--show-toplevel", cwd=cwd).strip()


def top(cwd: str) -> str:
    """The top of the working tree that holds `cwd`: the nearest folder with a `.git`, found
    without running git, unless GIT_DIR or GIT_WORK_TREE place the tree elsewhere."""
    if "GIT_DIR" not in os.environ and "GIT_WORK_TREE" not in os.environ:
        from trunkgate.files import project_root

        found = project_root(cwd)
        if found is not None:
            return found
    return toplevel(cwd=cwd)


def tags(pattern: str = "*", cwd: str | None = None) -> list[str]:
    """Tags matching a pattern, newest (by version-aware sort) first."""
    out = run("tag", "--list", pattern, "--sort=-v:refname", cwd=cwd)
    return [t for t in out.splitlines() if t]


def _run_light(args: Sequence[str]) -> tuple[int, str] | None:
    """Run git without importing subprocess: (exit status, stdout), or None off POSIX.

    For the commit-msg hook, whose whole budget is a few milliseconds: importing subprocess
    costs more than git itself. stderr is discarded; callers use `run` for error messages.
    """
    spawn = getattr(os, "posix_spawnp", None)
    if spawn is None:  # pragma: no cover - Windows
        return None
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    read_fd, write_fd = os.pipe()
    try:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            actions = [
                (os.POSIX_SPAWN_DUP2, null, 0),
                (os.POSIX_SPAWN_DUP2, write_fd, 1),
                (os.POSIX_SPAWN_DUP2, null, 2),
            ]
            try:
                pid = spawn("git", ["git", *args], env, file_actions=actions)
            except OSError:
                raise UsageError("git is not installed or not on PATH") from None
        finally:
            os.close(null)
        os.close(write_fd)
        write_fd = -1
        chunks = []
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
    status = os.waitpid(pid, 0)[1]
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "surrogateescape")


def comment_string(cwd: str | None = None) -> str | None:
    """core.commentChar, or core.commentString (git 2.45+; the one set last wins); None if unset.

    May be "auto": git then picks a character per message (see conventional.auto_comment_char).
    """
    args = ("config", "--get-regexp", r"^core\.comment(char|string)$")
    light = _run_light(args) if cwd is None else None
    # In another directory, or when git failed (a broken config file), `run` explains.
    out = light[1] if light is not None and light[0] in (0, 1) else run(*args, cwd=cwd, ok=(0, 1))
    values = [line.partition(" ")[2] for line in out.splitlines()]
    return values[-1] if values and values[-1] else None


def ls_files(patterns: Sequence[str] = (), cwd: str | None = None) -> list[str]:
    """Files in the tree below `cwd`, relative to it: tracked ones, and untracked ones that are
    not ignored (git's pathspecs: `*.py` matches in every folder)."""
    out = run(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *patterns, cwd=cwd
    )
    return [p for p in dict.fromkeys(out.split("\0")) if p]


# Plain patches with names we can parse, whatever the diff settings of the user say.
_DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--no-renames",
    "-U0",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _diff_path(text: str) -> str:
    """A path from a `+++ b/<path>` line: git C-quotes odd names, and ends names that hold a
    space with a tab."""
    if text.endswith("\t"):  # a tab inside a name is always quoted as \t
        text = text[:-1]
    if not text.startswith('"'):
        return text
    raw = bytearray()
    i, end = 1, len(text) - 1 if text.endswith('"') else len(text)
    while i < end:
        char = text[i]
        if char == "\\" and i + 1 < end:
            octal = text[i + 1 : i + 4]
            if len(octal) == 3 and all(d in "01234567" for d in octal):
                raw.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            nxt = text[i + 1]
            raw.append(_ESCAPES.get(nxt, ord(nxt)))
            i += 2
            continue
        raw += char.encode("utf-8", "surrogateescape")
        i += 1
    return raw.decode("utf-8", "surrogateescape")


def changed_lines(
    base: str, head: str | None = None, paths: Sequence[str] = (), cwd: str | None = None
) -> dict[str, set[int]]:
    """The lines each file gained or changed since `base` (`base...head`, or the working tree
    when `head` is None): {path relative to the top level: {line numbers in the new file}}.

    Renames count as added files, deleted, binary and mode-only changes are left out, and a
    file that only lost lines maps to an empty set.
    """
    rng = f"{base}...{head}" if head else base
    out = run("-c", "core.quotePath=false", "diff", *_DIFF_OPTIONS, rng, "--", *paths, cwd=cwd)
    found: dict[str, set[int]] = {}
    current: set[int] | None = None
    lines = out.split("\n")
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        i += 1
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else found.setdefault(_diff_path(name)[2:], set())
        elif line.startswith("@@ ") and current is not None:
            # @@ -a[,b] +c[,d] @@: d lines (default 1) from c are new; then skip the b + d
            # lines of the hunk itself, whatever they hold.
            old, new = line.split(" ", 3)[1:3]
            start, _, size = new[1:].partition(",")
            added = int(size) if size else 1
            current.update(range(int(start), int(start) + added))
            skip = added + (int(old.partition(",")[2]) if "," in old else 1)
            while skip and i < count:
                if not lines[i].startswith("\\"):  # "\ No newline at end of file"
                    skip -= 1
                i += 1
    return found


# --------------------------------------------------------------------------- whole histories


class Logged:
    """A commit as `history` reads it: no message body, only what a walk over a long history
    needs (parents, the author's and committer's times, the subject)."""

    __slots__ = ("author_time", "commit_time", "parents", "sha", "subject")

    def __init__(
        self, sha: str, parents: list[str], author_time: int, commit_time: int, subject: str
    ) -> None:
        self.sha = sha
        self.parents = parents
        self.author_time = author_time
        self.commit_time = commit_time
        self.subject = subject


def history(ref: str = "HEAD", cwd: str | None = None) -> list[Logged]:
    """Every commit in the history of `ref`, newest first, in one `git log` (parents,
    author and committer times, subject). A shallow clone is an error: the walk would stop
    at its edge and every figure measured from it would be wrong."""
    if is_shallow(cwd):
        raise UsageError(f"the history of {ref} is cut short: {SHALLOW_HINT}")
    sha = rev_parse(ref, cwd)
    if sha is None:
        return []
    out = run("log", "-z", f"--format=%H{FIELD}%P{FIELD}%at{FIELD}%ct{FIELD}%s", sha, cwd=cwd)
    found = []
    for record in out.split("\0"):
        if record:
            sha, parents, authored, committed, subject = record.split(FIELD, 4)
            found.append(Logged(sha, parents.split(), int(authored), int(committed), subject))
    return found


def tag_dates(cwd: str | None = None) -> list[tuple[str, str, int]]:
    """(tag, commit, time) for every tag that names a commit, in one `git for-each-ref`
    (names with a `/`, as release/1.2.0, included): the tagger's time for an annotated tag,
    the commit's otherwise."""
    fields = "%00".join(
        (
            "%(refname:strip=2)",
            "%(objecttype)",
            "%(objectname)",
            "%(*objectname)",
            "%(*objecttype)",
            "%(creatordate:unix)",
        )
    )
    out = run("for-each-ref", f"--format={fields}", "refs/tags/", cwd=cwd)
    found = []
    for line in out.splitlines():
        parts = line.split("\0")
        if len(parts) != 6:
            continue
        name, kind, target, peeled, peeled_kind, when = parts
        if kind == "commit":
            found.append((name, target, int(when or 0)))
        elif kind == "tag" and peeled_kind == "commit":
            found.append((name, peeled, int(when or 0)))
    return found


def tree_entries(ref: str, paths: Sequence[str], cwd: str | None = None) -> list[str]:
    """Which of `paths` (from the top of the tree) exist in the commit `ref`."""
    if not paths:
        return []
    out = run("ls-tree", "-z", "--name-only", "--full-tree", ref, "--", *paths, cwd=cwd)
    return [p for p in out.split("\0") if p]


def export(ref: str, paths: Sequence[str], dest: str, cwd: str | None = None) -> None:
    """Write the files under `paths` (from the top of the tree) as they are in the commit `ref`
    into the folder `dest`, from one `git archive`: the work tree, the index and the
    repository's worktree list are left alone."""
    import io
    import tarfile

    if not paths:
        return
    proc = _spawn(["archive", "--format=tar", ref, "--", *paths], cwd)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git archive {ref}: {err[-1] if err else 'failed'}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        # Only regular files and folders, nothing outside dest (the tar is git's own, but the
        # names in it come from a change).
        members = [
            m
            for m in tar.getmembers()
            if (m.isfile() or m.isdir())
            and not os.path.isabs(m.name)
            and ".." not in m.name.split("/")
        ]
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - Python before 3.10.12 / 3.11.4: the names are checked above
            tar.extractall(dest, members=members)  # noqa: S202  # nosec B202
