"""Check the public API against the commits and the changelog: breaking changes are announced.

The package's public API at the base of the change (the merge-base) and at its head are
loaded with griffe and compared as `griffe check` compares them (`find_breaking_changes`:
removed objects, removed or reordered parameters, parameters added as required, changed
defaults and kinds, removed base classes, changed return types; griffe 2.4 does not compare
attributes yet). The base is read from git into a temporary folder (`git archive`): the
work tree is never touched, and nothing of the package is imported (griffe reads the
source; inspection is off).

The chain it checks:

- a breaking change of the API must be announced in the range, by a commit with `!` or a
  `BREAKING CHANGE:` footer (finding `unannounced-break`, at the file and line of the object
  that changed; a removed object at its file, with its line at the base in the message);
- and it needs a `**Breaking:**` entry in the changelog's [Unreleased] section (finding
  `breaking-entry`);
- an announced break must be real or explained: a commit whose `!` the API does not confirm
  (griffe finds no break) must say what breaks in a `BREAKING CHANGE:` footer, a change of
  behaviour the API cannot show (finding `unconfirmed-break`). The footer is the
  explanation; a `!` alone is not.

Packages: the policy's `packages` (import names), else the project's own, from `[project]
name` in pyproject.toml, found under the policy's `search-paths`. A package that is new at
the head has nothing to compare with. With no base (a schedule, a tag push) there is no
change to judge and the gate passes with a note. Needs griffe (`pip install
'trunkgate[api]'`, Python 3.11 or newer).
"""

from __future__ import annotations

import os

from trunkgate import flags, git, report
from trunkgate.change import Change, relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from trunkgate.policies import ApiPolicy

GATE = "api"
EXAMPLE = "trunkgate api --base origin/main\n  trunkgate api --packages mypkg --search-paths src"
ARGS = (
    flags.Arg(
        "--base",
        "compare the API at the merge-base of REF and the head (default: the pull request's "
        "base in CI, the remote ref in pre-push, else the trunk)",
        metavar="REF",
    ),
)
FIX = (
    "Announce a breaking change: a commit `feat!: ...` or with a `BREAKING CHANGE: <what breaks "
    "and how to upgrade>` footer, and a `- **Breaking:** ...` entry under [Unreleased]; or "
    "keep the old API working (a deprecated alias, an optional parameter with a default)."
)
SUFFIXES = ("", ".py", ".pyi")


def _import_griffe() -> Any:
    import sys

    try:
        import griffe
    except ImportError:
        from trunkgate import registry

        need = "" if sys.version_info >= (3, 11) else " (griffe needs Python 3.11 or newer)"
        raise report.UsageError(
            f"griffe is not installed{need}; install it with: {registry.tool_of(GATE).install}"
        ) from None
    return griffe


def project_package(policy: ApiPolicy) -> str:
    """The import name of the project's package, from `[project] name` in pyproject.toml (or
    `[tool.poetry] name`)."""
    from trunkgate import config

    name = config.project_name(policy.root)
    if name is None:
        raise report.UsageError(
            "api: no package to check: pyproject.toml has no [project] name (nor "
            "[tool.poetry] name); expected the "
            'policy key packages ([tool.trunkgate.api] packages = ["mypkg"])'
        )
    return name.lower().replace("-", "_").replace(".", "_")


def _candidates(folder: str, package: str, search_paths: list[str]) -> list[str]:
    """Where the package may sit under `folder`: every search path, as a folder or a module."""
    out = []
    for search in search_paths:
        base = os.path.normpath(os.path.join(folder, search))
        out += [os.path.join(base, package + suffix) for suffix in SUFFIXES]
    return out


def _search(folder: str, search_paths: list[str], package: str) -> list[str]:
    """The search paths under `folder` that hold the package."""
    found = []
    for search in search_paths:
        base = os.path.normpath(os.path.join(folder, search))
        if any(os.path.exists(os.path.join(base, package + s)) for s in SUFFIXES):
            found.append(base)
    return found


def _export(change: Change, ref: str, packages: list[str], paths: list[str], dest: str) -> None:
    """The packages' files as they are at `ref`, under `dest` (as from the top of the tree)."""
    top = change.top
    rel_root = os.path.relpath(os.path.realpath(change.root), os.path.realpath(top))
    wanted = []
    for package in packages:
        for candidate in _candidates(rel_root, package, paths):
            wanted.append(os.path.normpath(candidate).replace(os.sep, "/"))
    present = git.tree_entries(ref, wanted, cwd=top)
    git.export(ref, present, dest, cwd=top)


def _load(griffe: Any, package: str, search: list[str]) -> Any:
    try:
        return griffe.load(
            package,
            search_paths=search,
            allow_inspection=False,  # never import the change's code
            resolve_aliases=True,
            resolve_external=None,
            try_relative_path=False,
        )
    except Exception as exc:  # griffe raises its own errors, and SyntaxErrors of the source
        raise report.UsageError(f"api: griffe could not load {package}: {exc}") from None


def _place(breakage: Any, folders: dict[str, str], root: str) -> tuple[str | None, int | None]:
    """(file relative to the project root, line) of the object that changed; a removed object
    is gone from the head: its file, and no line (its line at the base is in the message)."""
    obj = breakage.obj
    holder = obj.parent if getattr(obj, "is_alias", False) and obj.parent is not None else obj
    try:
        path = str(holder.filepath)
    except Exception:  # a namespace package, or an alias griffe could not resolve
        return None, None
    for folder, top in folders.items():
        if path.startswith(folder + os.sep):
            path = os.path.join(top, os.path.relpath(path, folder))
            break
    line = obj.lineno if breakage.kind.name != "OBJECT_REMOVED" else None
    return relative(path, root), line


def _message(breakage: Any, base: str) -> str:
    kind = breakage.kind
    what = str(kind.value)
    what = what[:1].lower() + what[1:]
    target = str(breakage.obj.path)
    old, new = breakage.old_value, breakage.new_value
    name = kind.name
    if name.startswith("PARAMETER"):
        param = getattr(new, "name", None) or getattr(old, "name", None)
        target = f"{target}({param})"
        if name == "PARAMETER_CHANGED_DEFAULT":
            what += f" ({getattr(old, 'default', old)} -> {getattr(new, 'default', new)})"
        elif name == "PARAMETER_CHANGED_KIND":
            what += f" ({getattr(getattr(old, 'kind', None), 'value', old)} -> "
            what += f"{getattr(getattr(new, 'kind', None), 'value', new)})"
    elif name == "OBJECT_REMOVED":
        kind_of = getattr(getattr(old, "kind", None), "value", "object")
        line = getattr(old, "lineno", None)
        where = f", line {line}" if line else ""
        what = f"was removed from the public API (a {kind_of}{where} at {base[:10]})"
        return f"{target} {what}"
    elif name in ("RETURN_CHANGED_TYPE", "ATTRIBUTE_CHANGED_TYPE", "ATTRIBUTE_CHANGED_VALUE"):
        what += f" ({old} -> {new})"
    elif name == "CLASS_REMOVED_BASE":
        kept = {str(b) for b in new or ()}
        what += f" ({', '.join(str(b) for b in old or () if str(b) not in kept)})"
    return f"{target}: {what}"


def _unreleased_breaking(policy: ApiPolicy, change: Change) -> tuple[bool, int | None, str]:
    """(the changelog's [Unreleased] has a **Breaking:** entry, its line, the file shown)."""
    from trunkgate import files
    from trunkgate import keepachangelog as kac

    shown = policy.changelog_file
    path = policy.path(shown)
    if change.head_is_worktree:
        text = files.read_text(path, shown) if os.path.isfile(path) else None
    else:
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(change.top))
        text = git.show(change.head, rel.replace(os.sep, "/"), cwd=change.top)
    if text is None:
        return False, None, shown
    unreleased = kac.parse(text).unreleased
    if unreleased is None:
        return False, None, shown
    return any(e.breaking for _, e in unreleased.entries), unreleased.line, shown


def gate(policy: ApiPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    """Compare the public API at the merge-base and at the head; judge the announcements."""
    import tempfile

    from trunkgate import conventional

    if change.without_change:
        return report.GateResult(GATE, notes=[f"nothing to check: {change.without_change}"])
    griffe = _import_griffe()
    base = change.require_base()
    start = change.diff_start
    packages = list(policy.packages) or [project_package(policy)]
    paths = list(policy.search_paths) or ["."]
    root = change.root
    notes: list[str] = []
    breakages: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="trunkgate-api-") as tmp:
        old_dir = os.path.join(tmp, "base")
        _export(change, start, packages, paths, old_dir)
        top_rel = os.path.relpath(os.path.realpath(root), os.path.realpath(change.top))
        old_root = os.path.normpath(os.path.join(old_dir, top_rel))
        folders = {os.path.realpath(old_root): root}
        if change.head_is_worktree:
            new_root, against = root, "the working tree"
        else:
            head_dir = os.path.join(tmp, "head")
            head = git.require_commit(change.head, change.head_how, cwd=root)
            _export(change, head, packages, paths, head_dir)
            new_root = os.path.normpath(os.path.join(head_dir, top_rel))
            folders[os.path.realpath(new_root)] = root
            against = f"{change.head_how} {head[:10]}"
        for package in packages:
            new_search = _search(new_root, paths, package)
            if not new_search:
                raise report.UsageError(
                    f"api: package {package!r} not found in {against} under "
                    f"{', '.join(paths)} (policy keys packages and search-paths)"
                )
            old_search = _search(old_root, paths, package)
            if not old_search:
                notes.append(f"{package} is new since {start[:10]}: no API to compare with")
                continue
            old = _load(griffe, package, [os.path.realpath(p) for p in old_search])
            new = _load(griffe, package, [os.path.realpath(p) for p in new_search])
            found = list(griffe.find_breaking_changes(old, new))
            notes.append(
                f"{package}: {report.plural(len(found), 'breaking change')} in the public API "
                f"between {base.since(start)} and {against}"
            )
            breakages += [(b, *_place(b, folders, root)) for b in found]
    commits = [c for c in change.commits() if not c.is_merge]
    parsed = [(c, conventional.parse(c.message)) for c in commits]
    announced = [(c, m) for c, m in parsed if m.breaking]
    findings: list[report.Finding] = []
    if breakages:
        if announced:
            shas = ", ".join(c.sha[:10] for c, _ in announced[:3])
            severity, rule, said = report.NOTE, "breaking-change", f" (announced in {shas})"
        else:
            severity, rule = report.ERROR, "unannounced-break"
            said = (
                "; no commit in the range announces a breaking change (`feat!:` or a "
                "`BREAKING CHANGE:` footer)"
            )
        for breakage, file, line in breakages:
            findings.append(
                report.Finding(
                    rule,
                    _message(breakage, start) + said,
                    file=file,
                    line=line,
                    severity=severity,
                )
            )
        has_entry, at, shown = _unreleased_breaking(policy, change)
        if not has_entry:
            findings.append(
                report.Finding(
                    "breaking-entry",
                    f"the public API breaks ({report.plural(len(breakages), 'change')}) but "
                    "[Unreleased] has no `**Breaking:**` entry",
                    file=shown,
                    line=at,
                    hint="- **Breaking:** <what changed and how to upgrade>",
                )
            )
    else:
        for commit, message in announced:
            footer = conventional.footer(message, "BREAKING CHANGE")
            if footer is not None and footer.strip():
                notes.append(
                    f"commit {commit.sha[:10]} announces a breaking change the public API does "
                    f"not show; its BREAKING CHANGE footer explains it: {footer.strip()[:80]}"
                )
                continue
            findings.append(
                report.Finding(
                    "unconfirmed-break",
                    f"commit {commit.sha[:10]} announces a breaking change (`!`) but the public "
                    f"API of {', '.join(packages)} did not break; say what breaks in a "
                    "`BREAKING CHANGE:` footer (a change of behaviour), or drop the `!`",
                    where=f"commit {commit.sha[:10]}",
                )
            )
    return report.GateResult(
        GATE,
        findings,
        notes=notes,
        fix=FIX,
        metrics={"breaking": len(breakages), "announced": len(announced)},
    )
