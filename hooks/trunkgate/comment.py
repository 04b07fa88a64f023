"""Post the gates' summary on a pull request as one comment, updated in place.

The comment workflow (workflows/pr-comment.yml) runs this on `workflow_run`, with a token
that may write pull requests and without checking anything out: the summary and the pull
request's number come from the artifact the gates job uploaded, so both are untrusted. The
number must be a positive integer; with `--head-sha` (the run's head commit) the pull
request must still have that head, so an artifact from one pull request cannot write on
another. The comment is the first one by `--author` whose body holds the marker
`<!-- trunkgate -->`: it is edited when there is one, else created. Every call goes through
the REST client (`GITHUB_API_URL`, `GITHUB_TOKEN`).
"""

from __future__ import annotations

import os
import re

from trunkgate import flags, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from trunkgate.rest import Client

EXAMPLE = "trunkgate comment --pr-number-file pr-number --body-file summary.md --head-sha abc123..."
ARGS = (
    flags.Arg("--body-file", "the Markdown to post (the gates' summary)", metavar="PATH"),
    flags.Arg("--pr-number-file", "a file that holds the pull request's number", metavar="PATH"),
    flags.Arg("--pr-number", "the pull request's number", metavar="N"),
    flags.Arg("--repository", "owner/name (default: GITHUB_REPOSITORY)", metavar="OWNER/NAME"),
    flags.Arg("--head-sha", "post only if the pull request's head is this commit", metavar="SHA"),
    flags.Arg(
        "--author",
        "whose comment to update (default: github-actions[bot])",
        metavar="LOGIN",
        default="github-actions[bot]",
    ),
)
MARKER = "<!-- trunkgate -->"
LIMIT = 65536  # GitHub refuses longer comment bodies
CUT = "\n\n*The summary was cut to fit in a comment; the run's summary has all of it.*\n"
NUMBER = re.compile(r"[1-9][0-9]{0,9}")
# GitHub's owner and repository names; never "." or ".." (a path, not a name).
REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[A-Za-z0-9_.-]+")
SHA = re.compile(r"[0-9a-f]{40}")


def pr_number(text: str, shown: str) -> int:
    """The pull request's number: a positive integer and nothing else."""
    value = text.strip()
    if not NUMBER.fullmatch(value):
        raise report.UsageError(f"{shown}: expected a pull request number, got {value[:40]!r}")
    return int(value)


def body_of(summary: str) -> str:
    """The comment: the marker, then the summary, cut to GitHub's limit."""
    body = f"{MARKER}\n{summary.strip()}\n"
    if len(body) > LIMIT:
        body = body[: LIMIT - len(CUT)].rstrip() + CUT
    return body


def find_comment(client: Client, repository: str, number: int, author: str) -> int | None:
    """The id of the first comment by `author` that holds the marker, or None."""
    for item in client.paginate(f"repos/{repository}/issues/{number}/comments"):
        if not isinstance(item, dict):
            continue
        user: Any = item.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        body = item.get("body")
        if login == author and isinstance(body, str) and MARKER in body:
            comment_id = item.get("id")
            if isinstance(comment_id, int):
                return comment_id
    return None


def post(
    client: Client,
    repository: str,
    number: int,
    summary: str,
    *,
    author: str,
    head_sha: str | None = None,
) -> str:
    """Create or update the comment; what was done, in one line."""
    if head_sha is not None:
        pull: Any = client.get(f"repos/{repository}/pulls/{number}")
        head = pull.get("head") if isinstance(pull, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if sha != head_sha:
            raise report.UsageError(
                f"pull request #{number}: its head is {str(sha)[:12]}, not the run's "
                f"{head_sha[:12]}; nothing posted"
            )
    body = body_of(summary)
    found = find_comment(client, repository, number, author)
    if found is None:
        created: Any = client.post(f"repos/{repository}/issues/{number}/comments", {"body": body})
        new_id = created.get("id") if isinstance(created, dict) else None
        return f"created comment {new_id} on #{number}"
    client.patch(f"repos/{repository}/issues/comments/{found}", {"body": body})
    return f"updated comment {found} on #{number}"


def main(argv: Sequence[str] | None = None) -> int:
    from trunkgate.files import read_text
    from trunkgate.rest import Client, RestError

    opts, _ = flags.parse_args("trunkgate comment", "comment", argv, ARGS, __doc__ or "", EXAMPLE)
    body_file: str | None = opts.body_file
    number_file: str | None = opts.pr_number_file
    number_text: str | None = opts.pr_number
    if body_file is None:
        raise report.UsageError("--body-file: expected the Markdown file to post")
    if (number_file is None) == (number_text is None):
        raise report.UsageError("expected one of --pr-number-file and --pr-number")
    if number_file is not None:
        number = pr_number(read_text(number_file, number_file, 64, "a number"), number_file)
    else:
        number = pr_number(str(number_text), "--pr-number")
    repository: str = opts.repository or os.environ.get("GITHUB_REPOSITORY", "")
    if not REPOSITORY.fullmatch(repository):
        raise report.UsageError(
            f"--repository (or GITHUB_REPOSITORY): expected owner/name, got {repository!r}"
        )
    head_sha: str | None = opts.head_sha
    if head_sha is not None and not SHA.fullmatch(head_sha):
        raise report.UsageError(f"--head-sha: expected a 40-character commit SHA, got {head_sha!r}")
    if not os.environ.get("GITHUB_TOKEN"):
        raise report.UsageError("GITHUB_TOKEN: expected a token that may write pull requests")
    summary = read_text(body_file, body_file, 4 * LIMIT, "the summary")
    author: str = opts.author
    try:
        client = Client.from_env(os.environ)
        print(post(client, repository, number, summary, author=author, head_sha=head_sha))
    except RestError as exc:
        raise report.UsageError(f"could not post the comment: {exc}") from None
    return report.PASS
