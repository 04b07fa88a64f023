"""The policy: `[tool.trunkgate]` in pyproject.toml, or `.trunkgate.toml`, or the defaults.

Precedence, for the gate that runs: a command-line flag, over the gate's own table
(`[tool.trunkgate.<gate>]`), over the shared keys at the top of `[tool.trunkgate]`, over
the built-in defaults. The keys are declared in `trunkgate.schema`; files are read through
the policy cache (`trunkgate.cache`); flags are parsed by `trunkgate.flags`.
"""

from __future__ import annotations

import os

from trunkgate import cache
from trunkgate.report import UsageError
from trunkgate.schema import keys_for, show, validate

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def parse_toml(path: str, data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def _pyproject_table(path: str, data: bytes) -> dict[str, Any] | None:
    if b"trunkgate" not in data:
        return None  # no table: skip the TOML parser entirely
    tool = parse_toml(path, data).get("tool")
    table = tool.get("trunkgate") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.trunkgate] must be a table, got {show(table)}")
    return table


def table_of_pyproject(path: str) -> dict[str, Any] | None:
    """The [tool.trunkgate] table of a pyproject.toml, or None when it has none."""
    return cache.load(path, _pyproject_table)


def _read_toml(path: str) -> dict[str, Any]:
    return cache.load(path, parse_toml) or {}


def project_name(root: str) -> str | None:
    """The project's distribution name: `[project] name` in `root`'s pyproject.toml, else
    `[tool.poetry] name`; None without either."""
    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return None
    from trunkgate.files import read_bytes

    # Not through the cache: it holds the [tool.trunkgate] table of a pyproject.toml only.
    data = parse_toml(path, read_bytes(path, path))
    tool = data.get("tool")
    for table in (data.get("project"), tool.get("poetry") if isinstance(tool, dict) else None):
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def find_config(start: str | None = None) -> tuple[str | None, dict[str, Any], str]:
    """(file, raw table, project root) for the nearest policy, walking up to the repo root.

    In each folder a pyproject.toml with a [tool.trunkgate] table wins over a .trunkgate.toml;
    the nearest folder wins. The search stops at the folder that holds `.git`.
    """
    here = os.path.abspath(start or os.getcwd())
    first = here
    while True:
        pyproject = os.path.join(here, "pyproject.toml")
        table = table_of_pyproject(pyproject)
        if table is not None:
            return pyproject, table, here
        dotfile = os.path.join(here, ".trunkgate.toml")
        if os.path.isfile(dotfile):
            return dotfile, _read_toml(dotfile), here
        parent = os.path.dirname(here)
        if os.path.exists(os.path.join(here, ".git")) or parent == here:
            return None, {}, here if os.path.exists(os.path.join(here, ".git")) else first
        here = parent


def load_file(path: str) -> tuple[dict[str, Any], str]:
    """The raw table of an explicitly named policy file, and its project root."""
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file (from --config)")
    root = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "pyproject.toml":
        table = table_of_pyproject(path)
        return (table or {}), root
    return _read_toml(path), root


class Policy:
    """The resolved settings of one gate; `policy.max_age_days` reads key `max-age-days`."""

    def __init__(
        self,
        table: str,
        values: dict[str, object],
        source: str | None,
        root: str,
        given: frozenset[str] = frozenset(),
    ):
        self._table = table
        self._values = values
        self.source = source
        self.root = root
        self._given = given  # the keys the policy file or a flag set

    def is_set(self, key: str) -> bool:
        """True when the policy file or a flag sets the key (False: its built-in default)."""
        return key in self._given

    def __getattr__(self, name: str) -> Any:  # a key's value: see trunkgate.policies
        try:
            return self._values[name.replace("_", "-")]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, key: str) -> object:
        return self._values[key]

    def items(self) -> list[tuple[str, object]]:
        return list(self._values.items())

    def path(self, relative: str) -> str:
        """A path from the policy, made absolute against the project root."""
        return os.path.join(self.root, relative)


def resolve(
    table: str,
    overrides: dict[str, object] | None = None,
    config: str | None = None,
    start: str | None = None,
) -> Policy:
    """The policy for one gate table: defaults < shared keys < gate table < overrides."""
    if config:
        raw, root = load_file(config)
        source: str | None = config
    else:
        source, raw, root = find_config(start)
    label = source or "defaults"
    if source and os.path.basename(source) == "pyproject.toml":
        sections = validate(raw, os.path.relpath(source), "tool.trunkgate.")
    else:
        sections = validate(raw, os.path.relpath(source) if source else label, "")
    values = {key: spec[1] for key, spec in keys_for(table).items()}
    values.update(sections[""])
    values.update(sections.get(table, {}))
    values.update(overrides or {})
    given = (
        frozenset(sections[""]) | frozenset(sections.get(table, {})) | frozenset(overrides or {})
    )
    return Policy(table, values, source, root, given)
