"""`trunkgate <command>`: parse, run the gate asked for (importing nothing else), report.

The commands are the registry's: every gate with a command, then `release`, `run` and
`init`. This is the one place that turns errors into exit codes: a `UsageError` is one line
on stderr and exit 2; so is any other exception (bad input must never look like a failed
gate, exit 1, nor print a traceback; TRUNKGATE_DEBUG=1 shows it). A closed stdout (`| head`)
ends quietly.
"""

from __future__ import annotations

import os
import sys

from trunkgate import __version__, registry
from trunkgate.report import USAGE, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def commands() -> list[tuple[str, str]]:
    """(command, one-line summary) of every `trunkgate <command>`, from the registry."""
    gates = [(g.command, g.summary) for g in registry.GATES if g.command]
    return [*gates, *((c.name, c.summary) for c in registry.COMMANDS)]


def _usage() -> str:
    listed = commands()
    width = max(len(name) for name, _ in listed)
    lines = [
        "usage: trunkgate <command> [options]   (trunkgate <command> --help for more)",
        "",
        "commands:",
    ]
    lines += [f"  {name:<{width}}  {text}" for name, text in listed]
    lines += ["", "exit codes: 0 passed, 1 failed, 2 usage or input error"]
    return "\n".join(lines)


def _format_of(args: Sequence[str]) -> str | None:
    """The `--format` asked for, read ahead of parsing (the last one wins, as argparse does)."""
    found = None
    for i, arg in enumerate(args):
        if arg.startswith("--format="):
            found = arg.partition("=")[2]
        elif arg == "--format" and i + 1 < len(args):
            found = args[i + 1]
    return found


def usage_error(prog: str, message: str, detail: str | None = None) -> int:
    """One clear line on stderr (and an error annotation in Actions); exit code 2. `detail`
    (a tool's whole error output, under --verbose) follows it, indented."""
    parts = [" ".join(part.split()) for part in message.splitlines() if part.strip()]
    line = "; ".join(parts).replace(":; ", ": ")
    print(f"{prog}: error: {line}", file=sys.stderr)
    for extra in (detail or "").splitlines():
        print(f"  {extra}", file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from trunkgate import github

        github.command("error", message, {"title": prog})
    return USAGE


def run_gate(gate: registry.Gate, argv: Sequence[str]) -> int:
    """`trunkgate <gate> ...`: its flags and policy, the change under review, the verdict."""
    from trunkgate import flags, render
    from trunkgate.change import Change
    from trunkgate.context import Context

    module = gate.load()
    opts, policy = flags.parse_args(
        f"trunkgate {gate.command}",
        gate.table,
        module.prepare_argv(argv) if hasattr(module, "prepare_argv") else argv,
        module.ARGS,
        module.__doc__ or "",
        module.EXAMPLE,
    )
    change = Change.of(Context(), policy, opts)
    result = module.gate(policy, opts, change)
    fmt: str = opts.format
    return render.emit(result, fmt, where=render.Where(change, policy.source))


def _dispatch(command: str, rest: list[str]) -> int:
    gate = registry.BY_COMMAND.get(command)
    if gate is not None:
        return run_gate(gate, rest)
    module = next(c.module for c in registry.COMMANDS if c.name == command)
    code: int = __import__(f"trunkgate.{module}", fromlist=["main"]).main(rest)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fmt = _format_of(args)
    if os.environ.get("GITHUB_ACTIONS") == "true" or fmt == "github":
        from trunkgate import github

        github.guard(stdout=fmt not in ("json", "sarif"))
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
    names = [name for name, _ in commands()]
    prog = f"trunkgate {command}"
    if command not in names:
        import difflib

        close = difflib.get_close_matches(command, names, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return usage_error("trunkgate", f'unknown command "{command}"{hint}; see trunkgate --help')
    try:
        code = _dispatch(command, rest)
        sys.stdout.flush()
        sys.stderr.flush()
    except UsageError as exc:
        return usage_error(prog, str(exc), exc.detail if "--verbose" in rest else None)
    except BrokenPipeError:
        # The reader went away (`trunkgate ... | head`): say nothing more, and keep Python
        # from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a crash on input is still one line and exit 2
        if os.environ.get("TRUNKGATE_DEBUG"):
            raise
        detail = str(exc) or "no detail"
        return usage_error(
            prog,
            f"unexpected {type(exc).__name__}: {detail} (TRUNKGATE_DEBUG=1 shows where)",
        )
    return code


if __name__ == "__main__":
    raise SystemExit(main())
