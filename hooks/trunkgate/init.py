"""Set a repository up for trunkgate from what it already has: hooks, CI workflows, the policy.

It reads the repository first: the trunk (where origin/HEAD points), the tag
prefix and version scheme (the tags), the version file, the changelog and its convention,
coverage's `fail_under`, the test command, ruff's pinned version. Flags (--trunk,
--tag-prefix, --version-scheme, --changelog-file, --fail-under, --test-command) win over
what it reads.

It writes:
- `.pre-commit-config.yaml`: trunkgate's entry added to the file that exists, which is
  edited as text so that every other hook, comment and the order stay as they were (or a
  new file); the lint hook gets the project's ruff pin;
- `.github/workflows/quality-gates.yml` and `dependency-audit.yml`, on the trunk;
- the policy, `[tool.trunkgate]` in pyproject.toml (else `.trunkgate.toml`), with only the
  values that differ from the defaults, each under a comment that says where it came from;
- a Keep a Changelog skeleton when the repository has no changelog.

Run in a package's folder of a monorepo, it writes the policy and the changelog there, and
the hooks (with the package's alias, `--config` and `files:`) and its entries in the
matrices of `.github/workflows/monorepo.yml` and `monorepo-audit.yml` at the top of the
repository, where pre-commit and GitHub read them. The workflows run on pushes of the tags
with the release prefix.

A file that exists and differs from what init would write (a workflow, trunkgate's own
entry at another rev) is a conflict: nothing is written unless --force, which replaces
those files and updates that entry (never anyone else's hooks). An existing policy is never
rewritten; where it disagrees with the repository, init says so. `--dry-run` shows the
unified diff of everything; `--check` says what is out of date (exit 1) or that nothing is
(exit 0). Either everything is written or nothing is.
"""

from __future__ import annotations

import os
import re

from trunkgate import (
    __version__,
    config,
    files,
    flags,
    precommit_config,
    registry,
    repo_facts,
    report,
    schema,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

EXAMPLE = "trunkgate init --dry-run"
ARGS = (
    flags.Arg(
        "--force",
        "settle conflicts: replace workflows that differ, update trunkgate's own hook entry",
        kind="flag",
    ),
    flags.Arg(
        "--dry-run", "show the unified diff of what would be written, write nothing", kind="flag"
    ),
    flags.Arg(
        "--check", "say what is out of date (exit 1) or that nothing is (exit 0)", kind="flag"
    ),
    flags.Arg(
        "--fail-under", "minimum total coverage (default: coverage's fail_under)", metavar="N"
    ),
    flags.Arg("--test-command", "the command that runs the tests with coverage", metavar="CMD"),
    flags.Arg("directory", "the repository to set up (default: here)", kind="pos?", default="."),
)
WORKFLOWS = ("quality-gates.yml", "dependency-audit.yml")
# The starters for a package in a folder of the repository: a matrix entry in each.
MONOREPO = ("monorepo.yml", "monorepo-audit.yml")
CHANGELOG_HOOKS = ("trunkgate-changelog", "trunkgate-changelog-updated")


def default_hooks() -> list[str]:
    """The ids of the hooks init writes: those of the gates `trunkgate run` runs by default,
    and commit-msg. An opt-in gate's hook (api: libraries only, Python 3.11+) is the
    adopter's to add."""
    from trunkgate import schema

    default_run = schema.GATES["run"]["gates"][1]
    return [
        hook.id
        for gate in registry.GATES
        if not gate.in_run or gate.name in default_run
        for hook in gate.hooks
    ]


def _quoted(text: str) -> str:
    """A YAML single-quoted scalar."""
    return "'" + text.replace("'", "''") + "'"


def _hooks(
    facts: repo_facts.Facts, package: str = "", policy: str = ""
) -> list[precommit_config.Hook]:
    """trunkgate's hooks for this repository, with the settings it needs. For a `package` in
    a folder of the repository (`backend`), each hook reads that package's `policy` file and
    the file hooks see only its files; an alias (`trunkgate-lint-backend`) tells the hooks of
    two packages apart, for init and for SKIP."""
    given_files = {h.id for gate in registry.GATES for h in gate.hooks if h.files}
    hooks = []
    for hook_id in default_hooks():
        extra: list[tuple[str, str]] = []
        if hook_id in CHANGELOG_HOOKS and facts.changelog_other:
            continue  # the changelog follows another convention: the policy skips its gates
        if package:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", package).strip("-").lower()
            extra.append(("alias", f"{hook_id}-{slug}"))
            extra.append(("args", "[" + _quoted(f"--config={package}/{policy}") + "]"))
            if hook_id in given_files:  # for a package, they see only the package's
                extra.append(("files", _quoted("^" + re.escape(package + "/"))))
        changelog = f"{package}/{facts.changelog}" if package else facts.changelog
        if hook_id == "trunkgate-changelog" and changelog != "CHANGELOG.md":
            extra.append(("files", _quoted("^" + re.escape(changelog) + "$")))
        if hook_id == "trunkgate-lint" and facts.ruff:
            version, where = facts.ruff
            extra.append(("additional_dependencies", f'["ruff=={version}"]  # {where}'))
        hooks.append(precommit_config.Hook(hook_id, extra))
    return hooks


def pre_commit_config() -> str:
    """The adopter's `.pre-commit-config.yaml` in a repository with nothing to read (the
    README shows the same)."""
    return precommit_config.fresh(
        f"v{__version__}", [precommit_config.Hook(h) for h in default_hooks()]
    )


# --------------------------------------------------------------------------- the policy


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    if "\\" in text and "'" not in text and text.isprintable():
        return "'" + text + "'"
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in body) + '"'


def _comment(text: str) -> str:
    """A TOML comment line (no control characters: TOML refuses them in comments)."""
    return "# " + " ".join("".join(c if c.isprintable() else " " for c in text).split())


def policy_text(facts: Sequence[repo_facts.Fact], prefix: str = "tool.trunkgate") -> str:
    """The policy: only the values that differ from the defaults, each under a comment
    naming its source (`prefix` "" for .trunkgate.toml)."""
    shared = [f for f in facts if not f.table]
    tables = list(dict.fromkeys(f.table for f in facts if f.table))
    lines = [f"[{prefix}]"] if prefix else ["# trunkgate policy"]
    if not facts:
        lines.append("# every key at its default: `trunkgate <gate> --help` lists them")
    for fact in shared:
        lines += [_comment(fact.source), f"{fact.key} = {_toml_value(fact.value)}"]
    for table in tables:
        lines += ["", f"[{prefix}.{table}]" if prefix else f"[{table}]"]
        for fact in facts:
            if fact.table == table:
                lines += [_comment(fact.source), f"{fact.key} = {_toml_value(fact.value)}"]
    return "\n".join(lines) + "\n"


def _disagreements(facts: repo_facts.Facts, directory: str) -> list[str]:
    """Where an existing policy says otherwise than the repository."""
    out = []
    for fact in facts.policy:
        policy = config.resolve(fact.table or "branch", {}, start=directory)
        current = policy.get(fact.key)
        wanted = fact.value
        if isinstance(wanted, list) and isinstance(current, list):
            if all(item in current for item in wanted):
                continue
        elif current == wanted:
            continue
        where = f"[{fact.table}] " if fact.table else ""
        out.append(
            f"the policy has {where}{fact.key} = {_toml_value(current)}; the repository "
            f"says {_toml_value(wanted)} ({fact.source})"
        )
    return out


# --------------------------------------------------------------------------- the plan


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


def _workflow(name: str, trunk: str, prefix: str = "v", packages: Sequence[str] = ()) -> str:
    """A starter on the trunk, run by pushes of the release tags (`prefix`); the monorepo
    starter with `packages` as its matrix."""
    text = _template(name)
    if trunk != "main":
        text = text.replace("branches: [main]", f"branches: [{_yaml_word(trunk)}]")
    if name in MONOREPO:
        return _with_packages(text, packages)
    glob = f"{prefix}*" if prefix else "[0-9]*"
    return text if glob == "v*" else text.replace('tags: ["v*"]', f"tags: [{_quoted(glob)}]")


_MATRIX = re.compile(r"^( *)package: \[([^\]\n]*)\]", flags=re.MULTILINE)


def _with_packages(text: str, packages: Sequence[str]) -> str:
    """A monorepo workflow with `packages` as its matrix, nothing else changed."""
    listed = ", ".join(_yaml_word(p) for p in packages)
    return _MATRIX.sub(lambda m: f"{m[1]}package: [{listed}]", text, count=1)


def _matrix(text: str) -> list[str] | None:
    """The packages of a monorepo workflow's matrix (`package: [a, b]`), or None."""
    found = _MATRIX.search(text)
    if found is None:
        return None
    return [p.strip().strip("'\"") for p in found[2].split(",") if p.strip()]


def _yaml_word(text: str) -> str:
    plain = text and all(c.isalnum() or c in "-_./" for c in text) and not text[0].isdigit()
    return text if plain else "'" + text.replace("'", "''") + "'"


def _old(path: str) -> str | None:
    if not os.path.isfile(path):
        return None
    return files.read_text(path, os.path.basename(path))


class Plan:
    """What init would write: (path, old text or None, new text), conflicts, notes."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str | None, str]] = []
        self.conflicts: list[str] = []
        self.notes: list[str] = []
        self.stale: list[str] = []  # for --check: what is out of date, besides the writes

    def write(self, path: str, new: str) -> None:
        old = _old(path)
        if old != new:
            self.writes.append((path, old, new))


def top_of(directory: str) -> str:
    """The top of the repository that holds `directory` (itself outside a repository)."""
    from trunkgate import git

    try:
        return git.top(directory)
    except report.UsageError:
        return directory


def plan(directory: str, given: dict[str, object]) -> Plan:
    facts = repo_facts.read(directory, given)
    out = Plan()
    out.notes += facts.notes
    rev = f"v{__version__}"
    # pre-commit and GitHub read their files at the top of the repository, whatever folder
    # the project is in: a package of a monorepo (`backend`) gets hooks and a matrix entry.
    top = top_of(directory)
    package = os.path.relpath(os.path.realpath(directory), os.path.realpath(top))
    package = "" if package == "." else package.replace(os.sep, "/")
    pyproject = os.path.join(directory, "pyproject.toml")
    policy_name = "pyproject.toml" if os.path.isfile(pyproject) else ".trunkgate.toml"
    hooks = _hooks(facts, package, policy_name)
    hooks_path = os.path.join(top, precommit_config.NAME)
    existing = _old(hooks_path)
    if existing is None:
        out.write(hooks_path, precommit_config.fresh(rev, hooks))
    else:
        edit = precommit_config.merge(existing, rev, hooks)
        out.conflicts += [f"{precommit_config.NAME}: {c}" for c in edit.conflicts]
        out.write(hooks_path, edit.text)
    dotfile = os.path.join(directory, ".trunkgate.toml")
    has_table = os.path.isfile(pyproject) and config.table_of_pyproject(pyproject) is not None
    has_policy = has_table or os.path.isfile(dotfile)
    trunk = str(facts.value("", "trunk"))
    prefix = str(facts.value("", "tag-prefix"))
    if has_policy:  # the policy that stays says which branch and which tags
        resolved = config.resolve("release", {}, start=directory)
        trunk = str(given.get("trunk", resolved.trunk))
        prefix = str(given.get("tag-prefix", resolved.tag_prefix))
    for name in MONOREPO if package else WORKFLOWS:
        path = os.path.join(top, ".github", "workflows", name)
        old = _old(path)
        text = _workflow(name, trunk, prefix, [package])
        listed = _matrix(old) if package and old is not None else None
        if old is not None and listed is not None:  # another package's: this one joins it
            text = old if package in listed else _with_packages(old, [*listed, package])
        elif old is not None and old != text:
            out.conflicts.append(f".github/workflows/{name} exists and differs")
        out.write(path, text)
    if package:
        out.notes.append(
            f"{package} is a package of the repository at {top}: its hooks and its entries in "
            f"the matrices of .github/workflows/{' and '.join(MONOREPO)} are written there"
        )
    if has_policy:
        where = "pyproject.toml [tool.trunkgate]" if has_table else ".trunkgate.toml"
        out.notes.append(f"{where} exists: the policy is left as it is")
        disagree = _disagreements(facts, directory)
        out.notes += disagree
        out.stale += disagree
    elif os.path.isfile(pyproject):
        text = (_old(pyproject) or "").rstrip("\n") + "\n\n" + policy_text(facts.policy)
        config.parse_toml("pyproject.toml (as init would write it)", text.encode())
        out.write(pyproject, text)
    else:
        text = policy_text(facts.policy, prefix="")
        config.parse_toml(".trunkgate.toml (as init would write it)", text.encode())
        out.write(dotfile, text)
    if not facts.changelog_exists:
        out.write(os.path.join(directory, facts.changelog), repo_facts.skeleton(directory, facts))
    elif facts.changelog_other:
        out.notes.append(
            f"{facts.changelog} follows another convention ({facts.changelog_other}): the "
            "policy skips the changelog gates and the changelog hooks are left out"
        )
    for fact in facts.policy:
        out.notes.append(f"read: {fact.key} = {_toml_value(fact.value)} ({fact.source})")
    if facts.ruff:
        out.notes.append(f"read: ruff {facts.ruff[0]} ({facts.ruff[1]}) for the lint hook")
    return out


# --------------------------------------------------------------------------- the command


def _diff(rel: str, old: str | None, new: str) -> str:
    import difflib

    before = (old or "").splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    lines = difflib.unified_diff(
        before, after, "/dev/null" if old is None else f"a/{rel}", f"b/{rel}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _given(opts: flags.Options) -> dict[str, object]:
    given: dict[str, object] = dict(opts.overrides)
    fail_under: str | None = opts.fail_under
    if fail_under is not None:
        given["fail-under"] = schema.clean(
            schema.GATES["coverage"]["fail-under"], _number(fail_under), "--fail-under"
        )
    test_command: str | None = opts.test_command
    if test_command is not None:
        if not test_command.strip():
            raise report.UsageError('--test-command: expected a command, got ""')
        given["test-command"] = test_command
    return given


def _number(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text


def main(argv: Sequence[str] | None = None) -> int:
    opts, _ = flags.parse_args("trunkgate init", "init", argv, ARGS, __doc__ or "", EXAMPLE)
    directory: str = opts.directory
    force: bool = opts.force
    dry_run: bool = opts.dry_run
    check: bool = opts.check
    if not os.path.isdir(directory):
        raise report.UsageError(f"{directory}: no such directory")
    if check and (force or dry_run):
        raise report.UsageError("--check: only reports; not with --force or --dry-run")
    for folder in {os.path.abspath(directory), os.path.abspath(top_of(directory))}:
        files.recover(folder)  # finish an init that was killed half-way
    the_plan = plan(directory, _given(opts))
    rels = [(os.path.relpath(p, directory), old, new) for p, old, new in the_plan.writes]
    if check:
        stale = [
            f"out of date: {rel}" + ("" if old is not None else " (missing)")
            for rel, old, _ in rels
        ]
        stale += [f"out of date: {line}" for line in the_plan.stale]
        for line in stale or ["up to date: nothing for init to write"]:
            print(line)
        return report.FAIL if stale else report.PASS
    if dry_run:
        for rel, old, new in rels:
            print(_diff(rel, old, new), end="")
        for conflict in the_plan.conflicts:
            print(f"conflict: {conflict} (init --force settles it)")
    elif the_plan.conflicts and not force:
        more = len(the_plan.conflicts) - 1
        rest = f" (and {more} more)" if more else ""
        raise report.UsageError(
            f"{the_plan.conflicts[0]}{rest}; nothing was written (init --dry-run shows the "
            "diff; init --force settles it, keeping every other hook)"
        )
    else:
        for path, _, _ in the_plan.writes:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        files.write_all(
            [(path, os.path.relpath(path, directory), new) for path, _, new in the_plan.writes]
        )
    for rel, old, _ in rels:
        verb = (
            ("would update" if old is not None else "would write")
            if dry_run
            else ("updated" if old is not None else "wrote")
        )
        print(f"{verb} {rel}")
    if not rels:
        print("nothing to write: the repository is set up")
    for note in the_plan.notes:
        print(note)
    if not dry_run and rels:
        print("next: pre-commit install   (installs the pre-commit, commit-msg and pre-push hooks)")
    return report.PASS
