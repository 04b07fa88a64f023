"""Renderers: one module per output format, each `render(results, run) -> str`.

`text`, `json`, `sarif` and `markdown` (the step summary) return what they render; the
`github` format prints annotations and a text report and writes the step summary and
outputs, all through `trunkgate.github`, the one writer of GitHub output. `emit` picks the
renderer, prints, and returns the exit code. A renderer is imported only when asked for.
"""

from __future__ import annotations

import sys

from trunkgate.report import PASS, GateResult, exit_code_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

FORMATS = ("text", "json", "github")
RUN_FORMATS = (*FORMATS, "sarif")


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
) -> int:
    """Print the results in the format asked for (and SARIF to a file); the exit code.

    `run` is the report of `trunkgate run`: a table of gates rather than one gate's lines.
    """
    if isinstance(results, GateResult):
        results = [results]
    if sarif:
        from trunkgate import files
        from trunkgate.render import sarif as sarif_format

        files.write_atomic(sarif, sarif_format.render(results, run))
    if fmt == "github":
        from trunkgate.render import github

        github.write(results, run)
    elif fmt == "json":
        from trunkgate.render import json

        print(json.render(results, run))
    elif fmt == "sarif":
        from trunkgate.render import sarif as sarif_format

        sys.stdout.write(sarif_format.render(results, run))
    else:
        from trunkgate.render import text

        print(text.render(results, run, color=use_color(sys.stdout)))
    return exit_code_of(results) if results else PASS
