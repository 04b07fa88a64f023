"""Set a repository up for trunkgate: hooks, CI workflows and the policy with its defaults.

Writes `.pre-commit-config.yaml`, `.github/workflows/quality-gates.yml` and
`.github/workflows/dependency-audit.yml`, and adds a `[tool.trunkgate]` table with every
default spelled out to `pyproject.toml` (or writes `.trunkgate.toml` when there is no
pyproject.toml). Existing files are left alone unless `--force`; either everything is
written or nothing is.
"""

from __future__ import annotations

import os

from trunkgate import __version__, config, files, flags, registry, report, schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

EXAMPLE = "trunkgate init --dry-run"
ARGS = (
    flags.Arg("--force", "overwrite hook and workflow files that exist", kind="flag"),
    flags.Arg("--dry-run", "show what would be written, write nothing", kind="flag"),
    flags.Arg("directory", "the repository to set up (default: here)", kind="pos?", default="."),
)
WORKFLOWS = ("quality-gates.yml", "dependency-audit.yml")


def pre_commit_config() -> str:
    """The adopter's `.pre-commit-config.yaml` (the README shows the same)."""
    hooks = "".join(f"    -   id: {hook}\n" for hook in registry.HOOK_IDS)
    return (
        "default_install_hook_types: [pre-commit, commit-msg, pre-push]\n"
        "repos:\n"
        "-   repo: https://github.com/trunkgate/trunkgate\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n" + hooks
    )


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    return "'" + text + "'" if "\\" in text and "'" not in text else '"' + text + '"'


def _keys(table: dict[str, tuple[object, ...]]) -> list[str]:
    lines = []
    for key, spec in table.items():
        lines.append(f"# {spec[2]}")
        default = spec[1]
        if default is None or default == "":
            examples: dict[object, str] = {
                schema.DATE: "2026-01-01",
                schema.REGEX: "'^feature/.+$'",
            }
            lines.append(f"# {key} = " + examples.get(spec[0], '""'))
        else:
            lines.append(f"{key} = {_toml_value(default)}")
    return lines


def policy_table(prefix: str = "tool.trunkgate") -> str:
    """Every key with its default, documented, as TOML (`prefix` "" for .trunkgate.toml)."""
    head = f"[{prefix}]" if prefix else "# trunkgate policy"
    lines = [head, *_keys(schema.SHARED)]
    for gate, table in schema.GATES.items():
        lines += ["", f"[{prefix}.{gate}]" if prefix else f"[{gate}]", *_keys(table)]
    return "\n".join(lines) + "\n"


def _template(name: str) -> str:
    """A starter workflow, from the installed package or from a source checkout."""
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (
        os.path.join(here, "templates", "workflows"),
        os.path.join(os.path.dirname(os.path.dirname(here)), "workflows"),
    ):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                return fh.read()
    raise report.UsageError(f"the starter workflow {name} is missing from this installation")


def plan(directory: str, force: bool) -> tuple[list[tuple[str, str]], list[str]]:
    """(files to write as (path, text), notes); raises UsageError on a conflict."""
    writes = [(os.path.join(directory, ".pre-commit-config.yaml"), pre_commit_config())]
    for name in WORKFLOWS:
        writes.append((os.path.join(directory, ".github", "workflows", name), _template(name)))
    conflicts = [path for path, _ in writes if os.path.exists(path)]
    if conflicts and not force:
        raise report.UsageError(
            f"{os.path.relpath(conflicts[0], directory)} exists; "
            "nothing was written (use --force to overwrite hook and workflow files)"
        )
    notes = []
    pyproject = os.path.join(directory, "pyproject.toml")
    dotfile = os.path.join(directory, ".trunkgate.toml")
    if os.path.isfile(pyproject):
        with open(pyproject, encoding="utf-8") as fh:
            text = fh.read()
        if config.table_of_pyproject(pyproject) is not None:
            notes.append("pyproject.toml already has [tool.trunkgate]: the policy is left as it is")
        else:
            writes.append((pyproject, text.rstrip("\n") + "\n\n" + policy_table()))
    elif os.path.isfile(dotfile):
        notes.append(".trunkgate.toml exists: the policy is left as it is")
    else:
        writes.append((dotfile, policy_table(prefix="")))
    return writes, notes


def main(argv: Sequence[str] | None = None) -> int:
    opts, _ = flags.parse_args("trunkgate init", "init", argv, ARGS, __doc__ or "", EXAMPLE)
    directory: str = opts.directory
    force: bool = opts.force
    dry_run: bool = opts.dry_run
    if not os.path.isdir(directory):
        raise report.UsageError(f"{directory}: no such directory")
    files.recover(os.path.abspath(directory))  # an init that was killed half-way
    writes, notes = plan(directory, force)
    if not dry_run:
        for path, _ in writes:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        files.write_all([(path, os.path.relpath(path, directory), text) for path, text in writes])
    for path, _ in writes:
        rel = os.path.relpath(path, directory)
        print(f"would write {rel}" if dry_run else f"wrote {rel}")
    for note in notes:
        print(note)
    if not dry_run:
        print("next: pre-commit install   (installs the pre-commit, commit-msg and pre-push hooks)")
    return report.PASS
