"""Check one commit message file (the commit-msg hook) against Conventional Commits.

Comment lines (core.commentChar, "#" by default) and everything after the scissors line of
`git commit -v` are ignored, as git ignores them. An empty message fails (git would abort
the commit, but `git commit --allow-empty-message` would not).
"""

from __future__ import annotations

from trunkgate import conventional, files, flags, report
from trunkgate.change import Change
from trunkgate.messages import check_encoding, check_message, comment_char, fix_block

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.policies import CommitsPolicy

GATE = "commit-msg"
EXAMPLE = "trunkgate commit-msg .git/COMMIT_EDITMSG"
ARGS = (
    flags.Arg("file", "the commit message file git passes to the hook", kind="pos", metavar="FILE"),
)


def gate(policy: CommitsPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    """Check the commit message file `opts.file` (what the commit-msg hook receives)."""
    path: str = opts.file
    data = files.read_bytes(
        path,
        expected="the commit message file git passes to the commit-msg hook (.git/COMMIT_EDITMSG)",
    )
    text = data.decode("utf-8", "surrogateescape")
    cleaned = conventional.clean_lines(text, comment_char(text))
    fix = fix_block(
        policy, f"Re-edit the message and commit again:\n  git commit --edit --file={path}"
    )
    # A message that is not UTF-8 fails the gate (exit 1) rather than being a usage error
    # (exit 2): git handed us the right file, and what is wrong is the author's text, fixed
    # like any other bad message by re-editing it. Exit 2 would say the hook is misconfigured.
    bad = check_encoding(text, cleaned, path)
    if bad is not None:
        return report.GateResult(GATE, [bad], fix=fix)
    message = conventional.parse("\n".join(line for _, line in cleaned))
    # An empty message fails too: git aborts such a commit unless --allow-empty-message,
    # and that flag must not let a commit without a header through.
    found = check_message(message, policy, where=path, lines=[n for n, _ in cleaned] or [1])
    return report.GateResult(GATE, found, fix=fix)
