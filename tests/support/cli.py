"""Run a trunkgate command in-process, exactly as the console script does."""

from __future__ import annotations

from collections.abc import Sequence

from trunkgate import cli


def run_cli(command: str, argv: Sequence[str] = ()) -> int:
    """`trunkgate <command> <argv...>`: its exit code (output goes to the captured streams)."""
    return cli.main([command, *argv])
