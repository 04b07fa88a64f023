"""Which ruff the lint gate runs: the policy's `ruff-version`, else the project's pin, else the
installed ruff.

The project's pin is `required-version` in its ruff configuration, in the file ruff itself
reads in the project root (.ruff.toml, then ruff.toml, then [tool.ruff] in pyproject.toml),
or the `rev` of astral-sh/ruff-pre-commit in .pre-commit-config.yaml (a frozen sha's
`# frozen: vX.Y.Z` comment too). A required-version range the installed ruff meets keeps
it; an exact version (or a pre-commit rev inside the range) that is not the installed one is
installed into trunkgate's cache by `tools.pinned`. A pin that cannot be met is one line that
says how. Only the lint gate (`trunkgate.gates.lint`) imports this module.
"""

from __future__ import annotations

import os
import re

from trunkgate import report, tools

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trunkgate.policies import LintPolicy


_REQUIRED = re.compile(r"^\s*(?:==)?\s*v?([0-9]+(?:\.[0-9]+)*)\s*$")
_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|~=|>|<)?\s*v?([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*$")


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"[0-9]+", version)[:4])


def satisfies(version: str, specifier: str) -> bool | None:
    """Whether a version meets a PEP 440 specifier of plain releases (`>=0.4,<0.6`, `~=0.4.1`,
    `0.4.*`); None when the specifier is not of that form."""
    have = _numbers(version)
    for clause in specifier.split(","):
        found = _CLAUSE.match(clause)
        if found is None:
            return None
        op, want_text, star = found[1] or "==", found[2], found[3]
        want = _numbers(want_text)
        size = max(len(have), len(want))
        a, b = have + (0,) * (size - len(have)), want + (0,) * (size - len(want))
        if star:
            ok = have[: len(want)] == want
            ok = ok if op == "==" else not ok
        elif op == "~=":
            ok = a >= b and have[: len(want) - 1] == want[:-1]
        else:
            ok = {
                "==": a == b,
                "!=": a != b,
                ">=": a >= b,
                "<=": a <= b,
                ">": a > b,
                "<": a < b,
            }[op]
        if not ok:
            return False
    return True


def _ruff_config(root: str) -> tuple[str, dict[str, object]] | None:
    """The project's ruff configuration as ruff picks it in a folder: .ruff.toml, ruff.toml,
    else pyproject.toml's [tool.ruff]; (file name, table)."""
    from trunkgate.config import parse_toml

    for name in (".ruff.toml", "ruff.toml", "pyproject.toml"):
        path = os.path.join(root, name)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if name == "pyproject.toml":
            if b"tool.ruff" not in data and b"[tool]" not in data:
                continue
            if b"required-version" not in data:
                return f"{name} [tool.ruff]", {}  # no pin: skip the TOML parser
            tool = parse_toml(name, data).get("tool")
            table = tool.get("ruff") if isinstance(tool, dict) else None
            if isinstance(table, dict):
                return f"{name} [tool.ruff]", table
            continue
        return name, parse_toml(name, data) if b"required-version" in data else {}
    return None


def _pre_commit_rev(root: str) -> str | None:
    """The `rev` of astral-sh/ruff-pre-commit in .pre-commit-config.yaml (`v0.4.4` -> 0.4.4)."""
    try:
        with open(os.path.join(root, ".pre-commit-config.yaml"), encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    blocks = re.split(r"(?m)^\s*-\s+repo:", text)
    for block in blocks[1:]:
        url = block.split(None, 1)[0].strip("'\"") if block.strip() else ""
        if not url.removesuffix(".git").rstrip("/").endswith("astral-sh/ruff-pre-commit"):
            continue
        # `rev: v0.4.4`, or a frozen sha with its version in a comment, as
        # `pre-commit autoupdate --freeze` writes: `rev: 1a2b...  # frozen: v0.4.4`.
        rev = re.search(r"(?m)^\s*rev:\s*['\"]?([^'\"\s#]+)['\"]?[ \t]*(?:#(.*))?$", block)
        if rev is None:
            continue
        for text in (rev[1], (rev[2] or "").replace("frozen:", "").strip()):
            found = re.fullmatch(r"v?([0-9]+(?:\.[0-9]+)+)", text)
            if found:
                return found[1]
    return None


def project_pins(root: str) -> list[tuple[str, str]]:
    """What the project pins ruff to: (specifier, where), required-version first."""
    pins = []
    found = _ruff_config(root)
    if found is not None:
        where, table = found
        required = table.get("required-version")
        if isinstance(required, str) and required.strip():
            pins.append((required.strip(), f"required-version in {where}"))
    rev = _pre_commit_rev(root)
    if rev:
        pins.append((f"=={rev}", "the ruff-pre-commit rev in .pre-commit-config.yaml"))
    return pins


def find_ruff(policy: LintPolicy, notes: list[str]) -> str:
    """The ruff to run (see the module doc), installed into the cache when need be."""
    wanted = str(policy.ruff_version or "").strip()
    if wanted:
        exact = _REQUIRED.match(wanted)
        if exact is None:
            raise report.UsageError(
                f"ruff-version: {wanted!r} is not a version, expected one like 0.4.4"
            )
        pins = [(f"=={exact[1]}", "the policy key ruff-version")]
    else:
        pins = project_pins(policy.root)
    if not pins:
        return tools.find_tool("lint")
    spec, why = pins[0]
    exact = _REQUIRED.match(spec)
    try:
        installed: str | None = tools.find_tool("lint")
    except report.UsageError:
        installed = None
    have = tools.version_of(installed) if installed else ""
    if have and satisfies(have, spec):
        return installed or ""
    if exact is None:
        # A range: the next pin may name a version inside it (a ruff-pre-commit rev).
        for other, other_why in pins[1:]:
            inside = _REQUIRED.match(other)
            if inside and satisfies(inside[1], spec):
                exact, why = inside, f"{other_why}, within {why}"
                break
    if exact is None:
        if satisfies("0", spec) is None:
            raise report.UsageError(
                f"{why}: {spec!r} is not a version specifier trunkgate understands, expected "
                "one like ==0.4.4 or >=0.4,<0.6"
            )
        raise report.UsageError(
            f"{why} asks for ruff {spec}, but the installed ruff is {have or 'missing'}; "
            "install one that matches (pip install 'ruff" + spec + "'), or name the version "
            "with the lint policy key ruff-version"
        )
    version = exact[1]
    notes.append(f"ruff {version}, pinned by {why}")
    return tools.pinned("ruff", version, why)
