"""The change under review: one model for every place a gate runs.

Input: the context (pre-commit with file names, commit-msg, pre-push with
PRE_COMMIT_FROM_REF/TO_REF; in GitHub Actions `pull_request`, `push` of a branch or a tag,
`merge_group`, `workflow_dispatch`, `schedule`) and the options every gate shares
(`--base`, `--all`, the files pre-commit passes).

Output, each worked out once and only when a gate asks: the base (`Base`: a commit and how
it was chosen), the head, their merge-base, the commits in between, the changed files and
the changed lines. One set of errors covers them all: a base that is not here (with the
shallow-clone hint), no common history, a range a shallow clone cuts short.
It is one model with one set of answers, so it stays one module (under 500 lines).

How the base is chosen, first match wins:
1. `--base REF`;
2. in Actions: a pull request's base, a merge queue's `base_sha`, a branch push's previous
   commit; a new branch pushed: the trunk; a tag push, a schedule or a manual run: none
   (the whole tree is the change);
3. in pre-push: the remote's commit, or for a new branch the trunk;
4. anywhere else: the trunk (the merge-base with origin/<trunk>, else <trunk>).

The head is a pull request's or merge queue's head in Actions, the pushed commit in
pre-push, else HEAD. Files are read from disk (and changes measured up to the working tree)
when the checkout holds the head, GitHub's merge commit of a pull request included.

Gates never work these out themselves; `trunkgate run` shares one Change between its gates
(each answer is computed under a lock, once).
"""

from __future__ import annotations

import os

from trunkgate import git
from trunkgate.report import UsageError, plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Sequence
    from typing import TypeVar

    from trunkgate.config import Policy
    from trunkgate.context import Context
    from trunkgate.flags import Options

    _T = TypeVar("_T")

PY_SUFFIXES = (".py", ".pyw", ".pyi")


class Base:
    """The commit a change is measured from, and how it was chosen (for notes)."""

    __slots__ = ("how", "ref", "sha")

    def __init__(self, sha: str, ref: str, how: str) -> None:
        self.sha = sha
        self.ref = ref  # what named it: a sha, origin/main, refs/remotes/origin/main
        self.how = how  # "--base", "the pull request's base", "the trunk, main", ...

    @property
    def label(self) -> str:
        """How the base was chosen, for notes: `the pull request's base`, `the trunk, main`;
        for --base, the ref as given (`origin/main`)."""
        if self.how == "--base":
            return self.ref
        return self.how

    def since(self, sha: str | None = None) -> str:
        """`abc1234567 (the pull request's base)`: a commit (the base's, or one measured from
        it such as the merge-base) and the base's label. The label is left out when it is that
        very commit (--base given as a sha), so a note does not show one sha twice."""
        sha = sha or self.sha
        if self.how == "--base" and len(self.ref) >= 7 and sha.startswith(self.ref.lower()):
            return sha[:10]
        return f"{sha[:10]} ({self.label})"

    @property
    def named(self) -> str:
        """The base in an error: `--base origin/main`, `the trunk, main`, `the trunk, main
        (origin/main)`, `the pull request's base (abc1234567)`."""
        ref = short(self.ref)
        if self.how == "--base":
            return f"--base {ref}"
        if self.how.endswith(f", {ref}"):
            return self.how
        return f"{self.how} ({ref})"


class Selection:
    """The files a gate scans, and a sentence that says which and why."""

    __slots__ = ("files", "note", "whole_tree")

    def __init__(self, files: list[str], note: str, whole_tree: bool = False) -> None:
        self.files = files  # relative to the project root, posix; [] for the whole tree
        self.note = note
        self.whole_tree = whole_tree


def relative(path: str, root: str) -> str:
    """A path as findings show it: relative to the project root, posix, no leading `./`."""
    absolute = os.path.normpath(os.path.join(root, path))
    rel = os.path.relpath(absolute, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def is_python(path: str, suffixes: Sequence[str] = PY_SUFFIXES) -> bool:
    """A Python file by its suffix, or an extensionless script with a python shebang."""
    name = os.path.basename(path)
    if name.endswith(tuple(suffixes)):
        return True
    if "." in name.lstrip("."):
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def short(ref: str) -> str:
    """A ref as people write it: main, origin/main, or a sha's first ten characters."""
    for prefix in ("refs/remotes/", "refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref[:10] if len(ref) == 40 else ref


class Change:
    """What is under review, for one run of one or more gates."""

    def __init__(
        self,
        ctx: Context,
        *,
        root: str,
        trunk: str,
        base: str | None = None,
        whole_tree: bool = False,
        files: Sequence[str] = (),
    ) -> None:
        self.ctx = ctx
        self.root = root  # the project root (the policy's folder)
        self.trunk = trunk
        self.explicit_base = base or None
        self.whole_tree = whole_tree  # --all
        self.given = list(files)  # file names pre-commit passed (relative to the cwd)
        # Set by shared(), for the threads of `trunkgate run`.
        self._lock: threading.RLock | None = None
        self._memo: dict[str, object] = {}

    @classmethod
    def of(cls, ctx: Context, policy: Policy, opts: Options) -> Change:
        """The change for a gate's options (`--base`, `--all`, file names) and policy."""
        return cls(
            ctx,
            root=policy.root,
            trunk=str(policy.trunk),
            base=getattr(opts, "base", None),
            whole_tree=bool(getattr(opts, "all", False)),
            files=getattr(opts, "files", None) or (),
        )

    def shared(self) -> Change:
        """Make the change safe to share between threads (each answer still computed once)."""
        import threading

        self._lock = threading.RLock()
        return self

    def _once(self, key: str, compute: Callable[[], _T]) -> _T:
        if key not in self._memo:
            if self._lock is None:
                self._memo[key] = compute()
            else:
                with self._lock:
                    if key not in self._memo:
                        self._memo[key] = compute()
        # The memo holds, under each key, what that key's one `compute` returned.
        value: _T = self._memo[key]  # type: ignore[assignment]  # compute() gave it
        return value

    # ------------------------------------------------------------------ where we are
    @property
    def event(self) -> str:
        """pull_request, merge_group, push, tag, schedule, workflow_dispatch, ... in Actions;
        pre-push or local elsewhere."""
        ctx = self.ctx
        if ctx.ci:
            if ctx.pull_request is not None:
                return "pull_request"
            if ctx.event_name == "push" and ctx.env.get("GITHUB_REF", "").startswith("refs/tags/"):
                return "tag"
            return ctx.event_name or "ci"
        return "pre-push" if ctx.pre_push else "local"

    @property
    def head(self) -> str:
        """The commit under review: a pull request's head, a merge queue's head, the pushed
        commit (pre-push), else HEAD."""
        ctx = self.ctx
        if ctx.ci:
            head = ctx.pr_head_sha or ctx.merge_group_head_sha
            if head:
                return head
        if ctx.pre_push and ctx.to_ref and not git.is_null(ctx.to_ref):
            return ctx.to_ref
        return "HEAD"

    @property
    def head_how(self) -> str:
        """What named the head, for errors: `the pull request's head`, `the pushed commit
        (PRE_COMMIT_TO_REF)`, `HEAD`."""
        ctx, head = self.ctx, self.head
        if head == "HEAD":
            return "HEAD"
        if ctx.ci and head == ctx.pr_head_sha:
            return "the pull request's head"
        if ctx.ci and head == ctx.merge_group_head_sha:
            return "the merge queue's head"
        return "the pushed commit (PRE_COMMIT_TO_REF)"

    @property
    def head_is_worktree(self) -> bool:
        """True when the checkout holds the head, so files are read from disk and changes run
        up to the working tree: the head is HEAD; or, in Actions, HEAD is the head commit, or
        GitHub's merge of it into the base (what actions/checkout checks out on a pull
        request, refs/pull/N/merge). Pre-push judges the pushed commit, never the disk."""

        def compute() -> bool:
            head = self.head
            if head == "HEAD":
                return True
            if not self.ctx.ci:
                return False
            here = git.rev_parse("HEAD", cwd=self.root)
            sha = git.rev_parse(head, cwd=self.root)
            if here is None or sha is None:
                return False
            if here == sha:
                return True
            parents = git.run("rev-list", "--parents", "-n", "1", here, cwd=self.root).split()
            return len(parents) > 2 and sha in parents[1:]

        return self._once("head_is_worktree", compute)

    @property
    def diff_start(self) -> str:
        """Where changed files and lines are measured from: the merge-base of the base and
        the head; when the checkout is GitHub's merge commit of the head, its merge-base with
        the base (the base itself), so the diff is the change, in the lines on disk."""

        def compute() -> str:
            if self.head != "HEAD" and self.head_is_worktree:
                found = git.merge_base(self.require_base().sha, "HEAD", cwd=self.root)
                if found is not None:
                    return found
            return self.merge_base

        return self._once("diff_start", compute)

    # ------------------------------------------------------------------ the base
    def _trunk_base(self) -> Base | None:
        ref = git.trunk_ref(self.trunk, cwd=self.root)
        if ref is None:
            return None
        return Base(git.require_commit(ref, "the trunk", cwd=self.root), ref, self.trunk_how)

    @property
    def trunk_how(self) -> str:
        return f"the trunk, {self.trunk}"

    def _find_base(self) -> Base | None:
        ctx, root = self.ctx, self.root
        if self.explicit_base:
            ref = self.explicit_base
            return Base(git.require_commit(ref, "--base", cwd=root), ref, "--base")
        if ctx.ci:
            for sha, how in (
                (ctx.pr_base_sha, "the pull request's base"),
                (ctx.merge_group_base_sha, "the merge queue's base"),
            ):
                if sha:
                    return Base(git.require_commit(sha, how, cwd=root), sha, how)
            if self.event == "pull_request":
                return self._trunk_base()
            if self.event == "push":
                before, _ = ctx.push_range
                if before and not git.is_null(before):
                    how = "the push's previous commit"
                    return Base(git.require_commit(before, how, cwd=root), before, how)
                if ctx.pushed_branch == self.trunk:
                    return None  # a new trunk: there is nothing before it
                return self._trunk_base()
            return None  # a tag, a schedule, a manual run: the whole tree
        if ctx.pre_push:
            old = ctx.from_ref
            sha = git.rev_parse(old, cwd=root) if old and not git.is_null(old) else None
            if old and sha:
                return Base(sha, old, "the remote's commit")
        return self._trunk_base()

    @property
    def base(self) -> Base | None:
        """The base, or None when there is nothing to compare with (see the module doc)."""
        return self._once("base", self._find_base)

    @property
    def without_change(self) -> str | None:
        """Why there is no change to judge, or None: in Actions, an event with no base (a
        schedule, a manual run, a tag push, a new trunk). Gates that judge a change (its
        commits, its changelog entry) pass with this note; scanners take the whole tree.
        Locally a missing trunk is an error instead (`require_base`)."""
        if self.ctx.ci and self.base is None:
            return f"a {self.event} event has no base to compare with"
        return None

    def require_base(self) -> Base:
        """The base; a UsageError that says what to pass when there is none."""
        base = self.base
        if base is None:
            hint = f"; {git.SHALLOW_HINT}" if git.is_shallow(self.root) else ""
            if self.ctx.ci and self.event not in ("push", "pull_request", "merge_group"):
                what = f"a {self.event} event has no base"
            else:
                what = f"neither origin/{self.trunk} nor {self.trunk} exists here"
            raise UsageError(
                f"no base to compare with ({what}); expected --base REF, or the trunk "
                f"(policy key trunk){hint}"
            )
        return base

    @property
    def merge_base(self) -> str:
        """The merge-base of the base and the head."""

        def compute() -> str:
            base = self.require_base()
            head = git.require_commit(self.head, self.head_how, cwd=self.root)
            found = git.merge_base(base.sha, head, cwd=self.root)
            if found is None:
                hint = f"; {git.SHALLOW_HINT}" if git.is_shallow(self.root) else ""
                raise UsageError(f"{base.named} and {short(self.head)} have no common commit{hint}")
            return found

        return self._once("merge_base", compute)

    # ------------------------------------------------------------------ what changed
    def commits(self) -> list[git.Commit]:
        """The commits in base..head, newest first (a shallow clone that cuts them short is
        an error, and so are a base and a head with no common history: base..head would be
        the head's whole history).

        In pre-push (without --base): the pushed commits that are not on the remote's commit,
        or for a new branch (or a remote commit this clone never saw) on no remote yet; and,
        unless the push goes to the trunk, not on the trunk either (`trunk_left_out`): those
        were checked when they got there, and a rebased branch brings them along."""

        def compute() -> list[git.Commit]:
            ctx = self.ctx
            if not ctx.ci and ctx.pre_push and not self.explicit_base:
                base = self.base
                known = base is not None and base.how != self.trunk_how
                exclude = [base.sha] if known and base is not None else ["--remotes"]
                trunk = self.trunk_left_out
                if trunk:
                    exclude.append(trunk)
                head = git.require_commit(self.head, self.head_how, cwd=self.root)
                return git.commits([head, "--not", *exclude], cwd=self.root)
            base = self.require_base()
            _ = self.merge_base  # the head is a commit, and shares history with the base
            return git.commits([f"{base.sha}..{self.head}"], cwd=self.root)

        return self._once("commits", compute)

    @property
    def trunk_left_out(self) -> str | None:
        """In pre-push, the trunk's ref whose commits `commits()` leaves out (None when the
        push goes to the trunk itself, there is no trunk here, or this is not pre-push)."""

        def compute() -> str | None:
            ctx = self.ctx
            if ctx.ci or not ctx.pre_push or self.explicit_base:
                return None
            if ctx.remote_branch == f"refs/heads/{self.trunk}":
                return None
            return git.trunk_ref(self.trunk, cwd=self.root)

        return self._once("trunk_left_out", compute)

    @property
    def range_label(self) -> str:
        """`abc1234567..HEAD` for notes and errors."""
        base = self.require_base()
        return f"{short(base.ref)}..{short(self.head)}"

    def changed_files(self) -> list[str]:
        """Files added, copied, modified or renamed since the merge-base (`diff_start`): in
        the working tree when the checkout holds the head, else in the head commit. Relative
        to the top of the working tree, posix."""

        def compute() -> list[str]:
            if self.head_is_worktree:
                return git.changed_files(self.diff_start, cwd=self.root)
            return git.changed_files(self.merge_base, self.head, cwd=self.root)

        return self._once("changed_files", compute)

    def changed_lines(self, paths: Sequence[str] = ()) -> dict[str, set[int]]:
        """{path from the top level: lines added or changed} since the merge-base, in the
        working tree (or the head commit when the head is not the checkout)."""
        head = None if self.head_is_worktree else self.head
        return git.changed_lines(
            self.diff_start, head, paths=paths or [os.path.realpath(self.root)], cwd=self.root
        )

    @property
    def top(self) -> str:
        """The top of the working tree that holds the project root."""
        return self._once("top", lambda: git.top(self.root))

    def changed_in_project(self) -> list[str]:
        """The changed files inside the project root, relative to it."""
        top = self.top
        out = []
        for name in self.changed_files():
            rel = relative(os.path.join(top, name), self.root)
            if rel != ".." and not rel.startswith("../"):
                out.append(rel)
        return out

    def given_in_project(self) -> list[str]:
        """The files pre-commit passed, relative to the project root."""
        cwd = os.getcwd()
        return [relative(os.path.join(cwd, f), self.root) for f in self.given]

    # ------------------------------------------------------------------ files to scan
    def select(
        self,
        suffixes: Sequence[str] | None = PY_SUFFIXES,
        verb: str = "checked",
        noun: str = "Python file",
    ) -> Selection:
        """Which files a scanner looks at: `--all`; the files given; the files changed since
        the base; with no base (a schedule, a tag, a manual run) the whole tree. Locally with
        no trunk to compare with: nothing, and a note that says what to pass. `suffixes` None
        keeps every regular file (`noun` names them in the note)."""
        if self.whole_tree:
            return Selection([], f"{verb} the whole tree (--all)", whole_tree=True)
        root = self.root
        if self.given:
            cwd = os.getcwd()
            files = _keep((os.path.join(cwd, f) for f in self.given), root, suffixes, False)
            skipped = len(self.given) - len(files)
            extra = f" ({plural(skipped, 'other file')} skipped)" if skipped else ""
            return Selection(files, f"{verb} {plural(len(files), noun)} given{extra}")
        base = self.base
        if base is None:
            if self.ctx.ci:
                note = f"{verb} the whole tree (no base to compare with in a {self.event} event)"
                return Selection([], note, whole_tree=True)
            return Selection(
                [],
                f"nothing to check: no files given and no trunk ({self.trunk}) to compare with "
                "(pass file names, --base REF or --all)",
            )
        top = self.top
        names = (os.path.join(top, n) for n in self.changed_files())
        files = _keep(names, root, suffixes, True)
        what = plural(len(files), f"changed {noun}")
        return Selection(files, f"{verb} {what} since {base.since()}")


def _keep(
    paths: Iterable[str], root: str, suffixes: Sequence[str] | None, inside: bool
) -> list[str]:
    """Existing Python files (any file: `suffixes` None) among `paths`, relative to root."""
    out: dict[str, None] = {}
    for path in paths:
        rel = relative(path, root)
        if inside and (rel == ".." or rel.startswith("../")):
            continue
        full = os.path.join(root, rel)
        if os.path.isfile(full) and (suffixes is None or is_python(full, suffixes)):
            out[rel] = None
    return list(out)
