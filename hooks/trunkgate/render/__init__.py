"""Renderers: one module per output format, each `render(results, run) -> str`.

`text`, `json`, `sarif` and `markdown` (the step summary) return what they render; the
`github` format prints annotations and a text report and writes the step summary and
outputs, all through `trunkgate.github`, the one writer of GitHub output. `emit` picks the
renderer, prints, and returns the exit code. A renderer is imported only when asked for.
"""

from __future__ import annotations

import os
import sys

from trunkgate.report import PASS, GateResult, exit_code_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.change import Change

FORMATS = ("text", "json", "github")
RUN_FORMATS = (*FORMATS, "sarif")


class Where:
    """Where a report's paths start: the project's folder inside its repository.

    Findings name files relative to the project root, and text and JSON show them so. GitHub
    matches annotations and SARIF against the repository, so those name files relative to
    the repository root: in a monorepo package, `src/x.py` becomes `pkg/a/src/x.py`. `policy`
    is the policy file, relative to the repository root: the location SARIF gives a finding
    that has no file of its own. Both are worked out on first use only.
    """

    __slots__ = ("_change", "_policy", "_prefix", "_source")

    def __init__(self, change: Change | None = None, source: str | None = None) -> None:
        self._change = change
        self._source = source  # the policy file (absolute), None when there is none
        self._prefix: str | None = None
        self._policy: str | None = None

    def _work_out(self) -> None:
        from trunkgate.report import UsageError

        if self._change is None:
            self._prefix, self._policy = "", os.path.basename(self._source or "pyproject.toml")
            return
        root = self._change.root
        try:
            top = self._change.top
        except UsageError:  # not in a working tree: the project is the whole story
            top = root
        rel = os.path.relpath(os.path.realpath(root), os.path.realpath(top))
        self._prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        policy = os.path.relpath(os.path.realpath(self.policy_file), os.path.realpath(top))
        self._policy = policy.replace(os.sep, "/")

    @property
    def prefix(self) -> str:
        """The project's folder, relative to the repository root: `` or `pkg/a/`."""
        if self._prefix is None:
            self._work_out()
        return self._prefix or ""

    @property
    def policy(self) -> str:
        if self._policy is None:
            self._work_out()
        return self._policy or "pyproject.toml"

    @property
    def policy_file(self) -> str:
        """The policy file's path: the one read, else the project's pyproject.toml."""
        return self._source or os.path.join(self.root, "pyproject.toml")

    @property
    def root(self) -> str:
        return self._change.root if self._change is not None else os.getcwd()

    def path(self, file: str) -> str:
        """A finding's file, relative to the repository root."""
        return f"{self.prefix}{file}"

    def changed_lines(self) -> dict[str, set[int]]:
        """{file from the repository root: the lines the change adds}; empty when there is
        no change to compare with (a push with no base, a schedule, outside a repository)."""
        from trunkgate.report import UsageError

        if self._change is None:
            return {}
        try:
            return self._change.changed_lines()
        except UsageError:
            return {}


def use_color(stream: object) -> bool:
    import os

    if os.environ.get("NO_COLOR") or os.environ.get("TRUNKGATE_NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def emit(
    results: GateResult | Sequence[GateResult],
    fmt: str = "text",
    *,
    run: bool = False,
    sarif: str | None = None,
    where: Where | None = None,
) -> int:
    """Print the results in the format asked for (and SARIF to a file); the exit code.

    `run` is the report of `trunkgate run`: a table of gates rather than one gate's lines.
    `where` places the project in its repository, for annotations and SARIF.
    """
    if isinstance(results, GateResult):
        results = [results]
    where = where or Where()
    if sarif:
        from trunkgate import files
        from trunkgate.render import sarif as sarif_format

        files.write_atomic(sarif, sarif_format.render(results, run, where))
    if fmt == "github":
        from trunkgate.render import github

        github.write(results, run, where)
    elif fmt == "json":
        from trunkgate.render import json

        print(json.render(results, run))
    elif fmt == "sarif":
        from trunkgate.render import sarif as sarif_format

        sys.stdout.write(sarif_format.render(results, run, where))
    else:
        from trunkgate.render import text

        print(text.render(results, run, color=use_color(sys.stdout)))
    return exit_code_of(results) if results else PASS
