"""Command-line flags: a gate's own arguments, the common ones, and every policy key of its
table as a flag (`--max-age-days 30`, `--no-strict`, lists as `a,b`).

Parsing is a small hand-written pass for speed (a hook runs on every commit); anything it
does not understand, `--help` included, goes to argparse built from the same declarations.
"""

from __future__ import annotations

from trunkgate.config import Policy, parse_toml, resolve
from trunkgate.render import FORMATS, RUN_FORMATS
from trunkgate.report import UsageError
from trunkgate.schema import (
    BOOL,
    CHOICE,
    DATE,
    INT,
    KEY_WORDS,
    LIST,
    NUMBER,
    TABLES,
    clean,
    keys_for,
    show,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

    from trunkgate.schema import Spec


def _from_text(spec: Spec, text: str, where: str) -> object:
    """A flag's text, turned into the value its key takes, then cleaned."""
    kind = spec[0]
    value: object = text
    if kind == INT:
        # int() refuses more than 4,300 digits; a value that long is no count anyway.
        value = int(text) if text.isdigit() and len(text) <= 18 else text
    elif kind == NUMBER:
        try:
            value = float(text)
        except ValueError:
            value = text
    elif kind == LIST:
        value = [part.strip() for part in text.split(",") if part.strip()]
    elif kind == TABLES:
        value = _toml_tables(spec[3], text.strip(), where)
    return clean(spec, value, where)


def _toml_tables(fields: dict[str, str], text: str, where: str) -> object:
    """A flag's text read as a TOML array of tables (`[{id = "X", ...}]`, or one table)."""
    if text.startswith("{"):
        text = f"[{text}]"
    try:
        return parse_toml(where, f"value = {text}".encode())["value"]
    except UsageError:
        shape = ", ".join(
            f"{k} = {'YYYY-MM-DD' if v == DATE else '...'}" for k, v in fields.items()
        )
        raise UsageError(
            f"{where}: expected a TOML array of tables like [{{{shape}}}], got {show(text)}"
        ) from None


class Arg:
    """A command-line argument of a gate (policy keys become Args automatically)."""

    __slots__ = ("choices", "default", "dest", "flag", "help", "kind", "metavar")

    def __init__(
        self,
        flag: str,
        help: str,
        *,
        kind: str = "value",
        dest: str | None = None,
        metavar: str | None = None,
        default: object = None,
        choices: Sequence[str] | None = None,
    ) -> None:
        # kind: "value" (--x V), "flag" (--x), "bool" (--x/--no-x), "pos?" / "pos*" / "pos"
        self.flag = flag
        self.help = help
        self.kind = kind
        self.dest = dest or flag.lstrip("-").replace("-", "_")
        self.metavar = metavar
        self.default = [] if kind == "pos*" and default is None else default
        self.choices = choices


class Options:
    """Parsed command-line options (attribute access), plus the policy overrides."""

    def __init__(self, values: dict[str, object], overrides: dict[str, object]) -> None:
        self.__dict__.update(values)
        self.overrides = overrides

    if TYPE_CHECKING:
        # The attributes are the command's own arguments (set above); for the checker only.
        def __getattr__(self, name: str) -> Any: ...


VERBOSE = Arg("--verbose", "on an error, also show a tool's whole error output", kind="flag")
COMMON = (
    Arg("--config", "policy file to read (default: nearest pyproject.toml)", metavar="PATH"),
    Arg("--format", "output format", default="text", choices=FORMATS),
    VERBOSE,
)
RUN_COMMON = (
    COMMON[0],
    Arg("--format", "output format", default="text", choices=RUN_FORMATS),
    VERBOSE,
)


def defaults(args: Sequence[Arg]) -> dict[str, object]:
    """The values of arguments that were not given: False for a flag, None for --x/--no-x."""
    values: dict[str, object] = {}
    for arg in args:
        if arg.kind == "flag":
            values[arg.dest] = False
        elif arg.kind == "bool":
            values[arg.dest] = None
        else:
            values[arg.dest] = arg.default
    return values


def _policy_args(table: str) -> list[Arg]:
    args = []
    for key, spec in keys_for(table).items():
        kind = "bool" if spec[0] == BOOL else "value"
        words = KEY_WORDS.get(spec[0], "one of " + ", ".join(spec[3]) if spec[0] == CHOICE else "")
        default = spec[1]
        shown = ",".join(default) if isinstance(default, list) else default
        help_text = f"{spec[2]} ({words}; policy key {key}, default: {shown})"
        args.append(Arg(f"--{key}", help_text, kind=kind, dest=f"policy:{key}", metavar="VALUE"))
    return args


def _argparse(
    prog: str, description: str, example: str, args: Sequence[Arg]
) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"example:\n  {example}\n\nexit codes: 0 passed, 1 failed, 2 usage or input error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for arg in args:
        if arg.kind.startswith("pos"):
            nargs = {"pos?": "?", "pos*": "*", "pos": None}[arg.kind]
            parser.add_argument(
                arg.dest, nargs=nargs, help=arg.help, metavar=arg.metavar, default=arg.default
            )
        elif arg.kind == "flag":
            parser.add_argument(arg.flag, dest=arg.dest, action="store_true", help=arg.help)
        elif arg.kind == "bool":
            parser.add_argument(
                arg.flag,
                dest=arg.dest,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=arg.help,
            )
        else:
            parser.add_argument(
                arg.flag,
                dest=arg.dest,
                metavar=arg.metavar,
                default=arg.default,
                choices=arg.choices,
                help=arg.help,
            )
    return parser


def _fast_parse(argv: Sequence[str], args: Sequence[Arg]) -> dict[str, object] | None:
    """Parse the plain cases without argparse; None when argparse should decide."""
    flags: dict[str, Arg] = {}
    for arg in args:
        if not arg.kind.startswith("pos"):
            flags[arg.flag] = arg
            if arg.kind == "bool":
                flags["--no-" + arg.flag[2:]] = arg
    values = defaults(args)
    positionals: list[str] = []
    i = 0
    while i < len(argv):
        item = argv[i]
        if item == "--":
            positionals.extend(argv[i + 1 :])
            break
        if item.startswith("--"):
            name, eq, text = item.partition("=")
            given = flags.get(name)
            if given is None:
                return None
            if given.kind in ("flag", "bool"):
                if eq:
                    return None
                values[given.dest] = name == given.flag
            else:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        return None
                    text = argv[i]
                if given.choices is not None and text not in given.choices:
                    return None
                values[given.dest] = text
        elif item.startswith("-") and item != "-":
            return None
        else:
            positionals.append(item)
        i += 1
    for arg in args:
        if arg.kind == "pos":
            if not positionals:
                return None
            values[arg.dest] = positionals.pop(0)
        elif arg.kind == "pos?":
            values[arg.dest] = positionals.pop(0) if positionals else arg.default
        elif arg.kind == "pos*":
            values[arg.dest], positionals = list(positionals), []
    return None if positionals else values


def parse_args(
    prog: str,
    table: str,
    argv: Sequence[str] | None,
    args: Sequence[Arg],
    description: str,
    example: str,
    *,
    run: bool = False,
    formats: Sequence[str] | None = None,
) -> tuple[Options, Policy]:
    """Parse a command's arguments and resolve its policy table (flags win over the file).
    `formats` replaces the choices of --format (a command with outputs of its own)."""
    common: tuple[Arg, ...] = RUN_COMMON if run else COMMON
    if formats is not None:
        own = Arg("--format", "output format", default=formats[0], choices=formats)
        common = tuple(own if arg.flag == "--format" else arg for arg in common)
    every = [*args, *common, *_policy_args(table)]
    argv = list(argv or ())
    values = _fast_parse(argv, every)
    if values is None:
        namespace = _argparse(prog, description, example, every).parse_args(argv)
        values = vars(namespace)
    overrides: dict[str, object] = {}
    plain: dict[str, object] = {}
    specs = keys_for(table)
    for dest, value in values.items():
        if dest.startswith("policy:"):
            if value is not None:
                key = dest[len("policy:") :]
                if isinstance(value, bool):
                    overrides[key] = clean(specs[key], value, f"--{key}")
                else:
                    overrides[key] = _from_text(specs[key], str(value), f"--{key}")
        else:
            plain[dest] = value
    options = Options(plain, overrides)
    policy = resolve(table, overrides, config=options.config)
    return options, policy
