"""The latest verdict of a job on a commit, from its check runs (for the Summary job).

A pull request whose title or labels were edited re-runs only the title and label checks;
its Summary must not turn green over tests that failed on the same commit. So it asks the
REST API (`GET /repos/{owner}/{repo}/commits/{sha}/check-runs`, `checks: read`) for the
newest check run whose name ends with `--job` (the caller's job name comes first: "trunkgate
/ Tests and coverage") and prints its conclusion: success, failure, cancelled, ... or
`in_progress` while it runs, `none` when the commit has no such run. It writes the output
`conclusion` too. Exit 0 whatever the conclusion; 2 when the API cannot be asked.
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

EXAMPLE = 'trunkgate checks --sha "$SHA" --job "Tests and coverage"'
ARGS = (
    flags.Arg("--sha", "the commit whose check runs to read", metavar="SHA"),
    flags.Arg("--job", "the job's name, the end of its check run's name", metavar="NAME"),
    flags.Arg("--repository", "owner/name (default: GITHUB_REPOSITORY)", metavar="OWNER/NAME"),
)
SHA = re.compile(r"[0-9a-f]{40}")
# GitHub's owner and repository names; never "." or ".." (a path, not a name).
REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[A-Za-z0-9_.-]+")


def latest(client: Client, repository: str, sha: str, job: str) -> str:
    """The newest matching check run's conclusion, `in_progress`, or `none`. GitHub's
    default `filter=latest` already keeps only the newest run of each name."""
    data: Any = client.get(f"repos/{repository}/commits/{sha}/check-runs", {"per_page": 100})
    runs = data.get("check_runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        raise report.UsageError(f"check runs of {sha[:12]}: the REST API's answer has none")
    newest: tuple[str, str] | None = None
    for run in runs:
        if not isinstance(run, dict):
            continue
        name = run.get("name")
        if not isinstance(name, str) or not (name == job or name.endswith(f" / {job}")):
            continue
        started = str(run.get("started_at") or "")
        state = run.get("conclusion") if run.get("status") == "completed" else None
        if newest is None or started >= newest[0]:
            newest = (started, str(state or "in_progress"))
    return newest[1] if newest else "none"


def main(argv: Sequence[str] | None = None) -> int:
    from trunkgate.rest import Client, RestError

    opts, _ = flags.parse_args("trunkgate checks", "checks", argv, ARGS, __doc__ or "", EXAMPLE)
    sha: str = opts.sha or ""
    job: str = opts.job or ""
    repository: str = opts.repository or os.environ.get("GITHUB_REPOSITORY", "")
    if not SHA.fullmatch(sha):
        raise report.UsageError(f"--sha: expected a 40-character commit SHA, got {sha!r}")
    if not job.strip():
        raise report.UsageError("--job: expected the job's name")
    if not REPOSITORY.fullmatch(repository):
        raise report.UsageError(
            f"--repository (or GITHUB_REPOSITORY): expected owner/name, got {repository!r}"
        )
    try:
        conclusion = latest(Client.from_env(os.environ), repository, sha, job)
    except RestError as exc:
        raise report.UsageError(f"could not read the check runs: {exc}") from None
    print(conclusion)
    if os.environ.get("GITHUB_OUTPUT"):
        from trunkgate import github

        github.set_outputs({"conclusion": conclusion})
    return report.PASS
