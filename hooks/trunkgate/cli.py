"""`trunkgate <command>`: dispatch to the gate asked for, importing nothing else."""

from __future__ import annotations

import sys

from trunkgate import __version__
from trunkgate.report import USAGE, usage_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# command -> (module, its entry point, one-line description)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "branch": ("gates.branch", "main", "branch naming, trunk protection, short-lived branches"),
    "commit-msg": ("gates.commits", "main_msg", "one commit message file (Conventional Commits)"),
    "commits": ("gates.commits", "main", "every commit of a range, a pull-request title"),
    "changelog": ("gates.changelog", "main", "a Keep a Changelog file, and that it is updated"),
    "lint": ("gates.lint", "main", "ruff check and ruff format --check"),
    "security": ("gates.security", "main", "bandit, with severity thresholds and a baseline"),
    "audit": ("gates.audit", "main", "pip-audit: known vulnerabilities in the dependencies"),
    "coverage": ("gates.coverage", "main", "total coverage and coverage of the changed lines"),
    "version": ("gates.version", "main", "a release's version file, changelog and tag agree"),
    "release": ("release", "main", "next version, release notes, changelog cut (next|notes|cut)"),
    "run": ("run", "main", "every enabled gate, independent ones concurrently, one report"),
    "init": ("init", "main", "set a repository up: hooks, CI workflows, the policy"),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: trunkgate <command> [options]   (trunkgate <command> --help for more)",
        "",
        "commands:",
    ]
    lines += [f"  {name:<{width}}  {text}" for name, (_, _, text) in COMMANDS.items()]
    lines += ["", "exit codes: 0 passed, 1 failed, 2 usage or input error"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(_usage(), file=sys.stderr)
        return USAGE
    command, rest = args[0], args[1:]
    if command in ("-h", "--help"):
        print(_usage())
        return 0
    if command in ("-V", "--version"):
        print(f"trunkgate {__version__}")
        return 0
    if command not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(command, list(COMMANDS), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return usage_error("trunkgate", f'unknown command "{command}"{hint}; see trunkgate --help')
    module_name, entry, _ = COMMANDS[command]
    module = __import__(f"trunkgate.{module_name}", fromlist=[entry])
    code: int = getattr(module, entry)(rest)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
