"""Where the release command's words go: PROG, the lines for the reader on stderr (`say`,
`warn`). GitHub step outputs and the summary go through
`trunkgate.github`, the one writer of GitHub output.
"""

from __future__ import annotations

import sys

PROG = "trunkgate release"


def say(message: str) -> None:
    """A line for the reader on stderr (stdout is kept for what scripts consume)."""
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    say(f"{PROG}: warning: {message}")
