"""Audit the dependencies for known vulnerabilities with pip-audit, against OSV.

What is audited, first match wins: the files of `--requirement` (or the policy key
`requirements`); the policy's `lockfile`; else a lockfile in the project root (uv.lock,
poetry.lock, pylock.toml, in that order); else every `requirements*.txt` in the project root;
else the `[project] dependencies` of pyproject.toml; else the installed environment (the
project's `.venv`, the active `VIRTUAL_ENV`, or pip-audit's own). A lockfile is audited at
its locked versions, never resolved again. Files named with `-r` inside a requirements file
are audited too, and a line that names the project itself (`-e .[dev]`, `.`) stands for its
`[project] dependencies` with those extras; a pin of the same package wins over a range.
The first note of the report says which source was audited.

pip-audit runs in-process, through its Python API: pinned requirements and lockfiles go
straight to its OSV service (no resolver, no package index); unpinned ones are resolved by
pip-audit with pip, which needs the package index; an environment is listed by pip.

The vulnerability service is always OSV (`--osv-url`, the policy key `osv-url`, or
PIP_AUDIT_OSV_URL; default https://api.osv.dev/v1/query). Each vulnerability found is
scored from its OSV record's CVSS vectors (`trunkgate.advisories`): those at or above
`severity` (default high) fail the gate, lower ones are warnings, and one whose advisory
gives no severity counts as `unknown-severity` (default high). Advisories are accepted for
a while with `ignore = [{id, reason, until}]` entries: matched by id or by any alias (a CVE
id), listed with their reason in the report, and failing the gate once past their date.
Given file names (pre-commit), `--base REF`, or in CI a pull request's base or a push's
previous commit: the audit runs only when a dependency file is among the files given or
changed. `--all` always audits, and so does a CI run with no base (a schedule).
"""

# About 550 lines: choosing the source, running pip-audit and reading its verdict against the
# dated ignores and the severity threshold are one path that every message refers back to;
# reading the requirements is `trunkgate.requirements` and `trunkgate.lockfiles`, scoring
# the advisories `trunkgate.advisories`, and running pip-audit `trunkgate.pip_audit_api`.

from __future__ import annotations

import os

from trunkgate import flags, lockfiles, pip_audit_api, report
from trunkgate.change import Change, relative
from trunkgate.pip_audit_api import Source, run_pip_audit
from trunkgate.requirements import line_of, project_dependencies, read_requirements, read_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterable, Sequence
    from typing import Any, TypeAlias

    from trunkgate.context import Context
    from trunkgate.policies import AuditPolicy
    from trunkgate.requirements import Requirement

    # pip-audit's results as JSON-like data, and the policy's ignore tables ({id, until,
    # reason}): read by key.
    Entry: TypeAlias = dict[str, Any]

GATE = "audit"
EXAMPLE = (
    "trunkgate audit --requirement requirements.txt\n"
    "  trunkgate audit --lockfile uv.lock --severity critical --format json"
)
ARGS = (
    flags.Arg(
        "files",
        "files pre-commit passes: the audit runs only when a dependency file is among them",
        kind="pos*",
        metavar="FILE",
    ),
    flags.Arg("--all", "audit even when no dependency file was given or changed", kind="flag"),
    flags.Arg(
        "--base",
        "audit only when a dependency file changed between the merge-base of REF and HEAD",
        metavar="REF",
    ),
    flags.Arg(
        "--requirement",
        "a requirements file to audit, relative to the current folder; repeatable, or a "
        "comma-separated list (replaces the policy keys requirements and lockfile)",
        metavar="PATH",
    ),
)
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
EXPIRED = "ignore-expired"
FLOOR = {"low": 0.1, "medium": 4.0, "high": 7.0, "critical": 9.0}  # CVSS's lowest of each level
FIX = (
    "Upgrade each package to a fixed version (`pip-audit --fix` can edit requirements files; "
    "`uv lock --upgrade-package NAME` or `poetry update NAME` a lockfile). "
    "When an advisory does not affect the project, accept it for a while, with the reason, "
    "in [tool.trunkgate.audit]:\n"
    '  ignore = [{id = "PYSEC-2023-74", reason = "why it does not apply", until = 2026-12-31}]\n'
    "An expired entry fails the gate: review it, then move its date or remove it."
)

# --------------------------------------------------------------------------- what to audit


def _site_packages(prefix: str) -> list[str]:
    import glob

    found = sorted(glob.glob(os.path.join(prefix, "lib", "python*", "site-packages")))
    windows = os.path.join(prefix, "Lib", "site-packages")
    if os.path.isdir(windows):
        found.append(windows)
    return found


def _environment(root: str, ctx: Context) -> Source:
    local = os.path.join(root, ".venv")
    for prefix, what in ((local, "the project's .venv"), (ctx.env.get("VIRTUAL_ENV"), None)):
        if prefix and os.path.isdir(prefix):
            site = _site_packages(prefix)
            if not site:
                raise report.UsageError(f"{prefix}: no site-packages folder in this environment")
            return Source("environment", what or f"the environment {prefix}", site=site)
    return Source("environment", "pip-audit's own environment")


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _plan(policy: AuditPolicy, opts: flags.Options) -> tuple[str, list[str], list[str]]:
    """(kind, paths, notes): "requirements" with their files, "lockfile" with it, else
    "other" (pyproject or the environment). Cheap: nothing is parsed.

    --requirement (from the current folder) wins; then the policy's lockfile or its
    requirements (not both); then a lockfile in the project root; then every
    requirements*.txt there.
    """
    requirement: str | None = getattr(opts, "requirement", None)
    given = _split([requirement]) if requirement else []
    if given:
        return "requirements", [os.path.abspath(p) for p in given], []
    lockfile: str = policy.lockfile
    requirements: list[str] = policy.requirements
    if lockfile and requirements:
        raise report.UsageError(
            "[tool.trunkgate.audit]: lockfile and requirements are both set, expected one "
            "(the lockfile is what gets installed; requirements files are for projects "
            "without one)"
        )
    if lockfile:
        if lockfiles.kind_of(lockfile) is None:
            raise report.UsageError(
                f"lockfile: {lockfile!r} is not a lockfile name, expected uv.lock, poetry.lock, "
                "pylock.toml or pylock.<name>.toml"
            )
        return "lockfile", [policy.path(lockfile)], []
    if requirements:
        return "requirements", [policy.path(p) for p in requirements], []
    found = lockfiles.find(policy.root)
    if found:
        others = [relative(p, policy.root) for p in found[1:]]
        notes = (
            [f"also found {', '.join(others)}: not audited (the lockfile key chooses)"]
            if others
            else []
        )
        return "lockfile", [found[0]], notes
    names = sorted(os.listdir(policy.root))
    paths = [policy.path(n) for n in names if n.startswith("requirements") and n.endswith(".txt")]
    paths = [p for p in paths if os.path.isfile(p)]
    return ("requirements", paths, []) if paths else ("other", [], [])


def dependency_files(policy: AuditPolicy, opts: flags.Options) -> list[str]:
    """The files that define what is audited: the lockfile; the requirements files, their
    includes and the pyproject.toml of the projects they name; else pyproject.toml if there
    is one. Cheap: no requirement is parsed."""
    kind, paths, _ = _plan(policy, opts)
    if kind == "lockfile":
        return paths
    if kind == "requirements":
        return read_requirements(paths, policy.root, parse=False).files
    pyproject = policy.path("pyproject.toml")
    return [pyproject] if os.path.isfile(pyproject) else []


def _merged(reqs: Sequence[Requirement], locked: bool) -> list[Requirement]:
    """One entry per package version: a pin wins over a range of the same package (what pip
    installs). Two pins of one package in requirements files conflict (a lock may hold
    several, one per environment)."""
    pinned: dict[str, Requirement] = {}
    for req in reqs:
        if req.skip is not None or req.version is None:
            continue
        first = pinned.setdefault(req.name, req)
        if not locked and first.version != req.version:
            raise report.UsageError(
                f"{req.file}:{req.line}: {req.name} is pinned to {req.version} here and to "
                f"{first.version} at {first.file}:{first.line}, expected one version"
            )
    out: list[Requirement] = []
    seen: set[tuple[str, str | None]] = set()
    for req in reqs:
        if req.skip is None and req.version is None and req.name in pinned:
            continue  # the pin of the same package is what gets installed
        key = (req.name, req.version if req.skip is None else req.text)
        if key not in seen:
            seen.add(key)
            out.append(req)
    return out


def choose_source(policy: AuditPolicy, opts: flags.Options, ctx: Context) -> Source:
    """What to audit (see `_plan`), read: the lockfile's pins, the requirements, pyproject's
    [project] dependencies, or the installed environment."""
    root = policy.root
    kind, paths, notes = _plan(policy, opts)
    if kind == "lockfile":
        shown = relative(paths[0], root)
        reqs = _merged(lockfiles.read(paths[0], shown), locked=True)
        return Source("lockfile", shown, files=paths, requirements=reqs, notes=notes)
    if kind == "requirements":
        found = read_requirements(paths, root)
        label = ", ".join(relative(f, root) for f in found.files)
        reqs = _merged(found.requirements, locked=False)
        return Source(
            "requirements", label, files=found.files, requirements=reqs, notes=found.notes
        )
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        shown = relative(pyproject, root)
        deps = project_dependencies(read_text(pyproject, shown, "a pyproject.toml"), shown)
        if deps is not None:
            label = f"the [project] dependencies of {shown}"
            reqs = _merged(deps, locked=False)
            return Source("pyproject", label, files=[pyproject], requirements=reqs)
    return _environment(root, ctx)


def skip_reason(files: Sequence[str], policy: AuditPolicy, change: Change) -> str | None:
    """Why the audit need not run, or None when it must.

    It must with --all; otherwise when one of the dependency `files` is among the files
    given (pre-commit), or changed since --base, or in CI since the change's base. Locally
    with neither, and in CI with no base (a schedule, a tag), it always runs.
    """
    if change.whole_tree:
        return None
    root = policy.root
    ours = {relative(f, root) for f in files}
    if change.given:
        names = change.given_in_project()
        what = f"the {report.plural(len(names), 'file')} given"
    elif change.explicit_base or change.ctx.ci:
        base = change.base
        if base is None:
            return None
        names = change.changed_in_project()
        count = report.plural(len(names), "file")
        what = f"the {count} changed since {base.since()}"
    else:
        return None
    if ours.intersection(names):
        return None
    listed = ", ".join(sorted(ours)) or "none, the installed environment is audited"
    return (
        f"nothing to audit: no dependency file among {what} "
        f"(dependency files: {listed}; --all audits anyway)"
    )


# --------------------------------------------------------------------------- the verdict


def _today() -> datetime.date:
    import datetime

    return datetime.date.today()


def _aliases(vuln: Entry) -> list[str]:
    """Alias ids, CVE ids first, in a stable order (pip-audit's order is a set's)."""
    raw = vuln.get("aliases")
    names = sorted({str(a) for a in raw} if isinstance(raw, list) else set())
    return [a for a in names if a.startswith("CVE-")] + [
        a for a in names if not a.startswith("CVE-")
    ]


def advisory_url(vuln_id: str) -> str | None:
    """The advisory's page on osv.dev, for an id that is safe in a URL."""
    if vuln_id and all(c.isalnum() or c in "-._" for c in vuln_id) and vuln_id.isascii():
        return f"https://osv.dev/vulnerability/{vuln_id}"
    return None


def advisory_text(name: str, version: str, vuln: Entry) -> str:
    """'requests 2.25.0: PYSEC-2023-74 (CVE-2023-32681), fixed in 2.31.0'."""
    aliases = _aliases(vuln)
    also = f" ({', '.join(aliases)})" if aliases else ""
    fixed = [str(v) for v in vuln.get("fix_versions") or []]
    fix = f"fixed in {', '.join(fixed)}" if fixed else "no fixed version yet"
    return f"{name} {version}: {vuln.get('id')}{also}, {fix}"


def _matching(ignores: Sequence[Entry], ids: set[str]) -> Entry | None:
    return next((entry for entry in ignores if str(entry["id"]).upper() in ids), None)


class Verdict:
    """The findings and notes of an audit, and the counts for the step outputs: every known
    vulnerability found (accepted ones included), and those the policy accepts.
    `advisories` pairs each finding with its package and advisory, for the severity."""

    __slots__ = ("advisories", "findings", "ignored", "notes", "used", "vulnerabilities")

    def __init__(self) -> None:
        self.findings: list[report.Finding] = []
        self.advisories: list[tuple[report.Finding, str, Entry]] = []
        self.notes: list[str] = []
        self.used: list[Entry] = []  # the ignore entries that matched an advisory
        self.vulnerabilities = 0
        self.ignored = 0


def check_report(
    dependencies: object,
    ignores: Sequence[Entry],
    today: datetime.date | None,
    source: Source,
) -> Verdict:
    """Findings from pip-audit's results (its JSON report's `dependencies`), with the
    policy's ignore entries applied.

    An entry matches an advisory by its id or any alias, case-insensitively, while `today`
    is on or before its `until` date; an expired entry ignores nothing. (`today` may be None
    only when there are no entries.)
    """
    if not isinstance(dependencies, list):
        raise report.UsageError(
            f"pip-audit: expected a JSON list of dependencies, got {dependencies!r}"
        )
    verdict = Verdict()
    active = [entry for entry in ignores if today is not None and entry["until"] >= today]
    for dep in dependencies:
        if not isinstance(dep, dict):
            continue
        name = str(dep.get("name"))
        if "skip_reason" in dep:
            verdict.notes.append(f"not audited: {name} ({dep['skip_reason']})")
            continue
        version = str(dep.get("version"))
        for vuln in dep.get("vulns") or []:
            if not isinstance(vuln, dict):
                continue
            text = advisory_text(name, version, vuln)
            ids = {str(vuln.get("id")).upper(), *(a.upper() for a in _aliases(vuln))}
            entry = _matching(active, ids)
            verdict.vulnerabilities += 1
            if entry is not None:
                verdict.ignored += 1
                verdict.used.append(entry)
                verdict.notes.append(f"ignored {text} (until {entry['until']}): {entry['reason']}")
                continue
            file, line = source.location(name, version)
            vuln_id = str(vuln.get("id"))
            finding = report.Finding(vuln_id, text, file=file, line=line, url=advisory_url(vuln_id))
            verdict.findings.append(finding)
            verdict.advisories.append((finding, name, vuln))
    return verdict


def apply_severity(verdict: Verdict, policy: AuditPolicy, url: str) -> None:
    """Score each finding's advisory from its OSV record: at or above `severity` it stays an
    error, below it becomes a warning; the level, score and where they come from go into the
    message, the score into the finding's `score` (JSON, SARIF's security-severity)."""
    if not verdict.advisories:
        return
    from trunkgate import advisories

    asked = [(str(v.get("id")), name, _aliases(v)) for _, name, v in verdict.advisories]
    found = advisories.severities(url, asked)
    threshold: str = policy.severity
    unknown: str = policy.unknown_severity
    for (finding, _, _), (vid, _, _) in zip(verdict.advisories, asked, strict=True):
        severity = found[vid]
        fails = advisories.at_least(severity.level, threshold, unknown)
        finding.severity = report.ERROR if fails else report.WARNING
        said = severity.describe()
        if severity.level is None:
            said += f", counted as {unknown} (unknown-severity)"
        finding.message += f"; severity {said}"
        # The score (JSON `score`, SARIF's security-severity): the CVSS base score, else the
        # floor of the level it counts as, so that code scanning ranks it the same way.
        counted = severity.level or unknown
        finding.score = severity.score if severity.score is not None else FLOOR[counted]


def check_ignores(
    ignores: Sequence[Entry],
    today: datetime.date,
    policy_file: str | None = None,
    policy_text: str = "",
) -> list[report.Finding]:
    """An `ignore-expired` finding for every entry whose `until` date has passed."""
    found = []
    for entry in ignores:
        if entry["until"] >= today:
            continue
        line = line_of(policy_text, str(entry["id"])) if policy_text else None
        found.append(
            report.Finding(
                EXPIRED,
                f"the ignore entry for {entry['id']} expired on {entry['until']} "
                f"(reason given: {entry['reason']}); fix the vulnerability, or review the "
                "reason and set a new until date",
                file=policy_file,
                line=line,
            )
        )
    return found


# --------------------------------------------------------------------------- running


def osv_url(policy: AuditPolicy, opts: flags.Options, ctx: Context) -> str:
    """The OSV endpoint: --osv-url, then PIP_AUDIT_OSV_URL, then the policy file, then OSV's."""
    overrides = getattr(opts, "overrides", None) or {}
    return str(
        overrides.get("osv-url")
        or ctx.env.get("PIP_AUDIT_OSV_URL")
        or policy.osv_url
        or DEFAULT_OSV_URL
    )


def cache_dir(policy: AuditPolicy, ctx: Context) -> str:
    configured = str(policy.cache_dir or "")
    if configured:
        return policy.path(os.path.expanduser(configured))
    base = ctx.env.get("TRUNKGATE_CACHE_DIR") or os.path.join(
        ctx.env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "trunkgate"
    )
    return os.path.join(base, "pip-audit")


def _mode_note(source: Source) -> str:
    if source.kind == "environment":
        return f"audited {source.label}"
    if source.kind == "lockfile":
        count = report.plural(len(source.auditable), "package")
        return (
            f"audited {count} locked in {source.label}, at their locked versions (no "
            "resolver, no package index)"
        )
    count = report.plural(len(source.auditable), "requirement")
    if source.pinned:
        return (
            f"audited {count} from {source.label}, all pinned with ==: no resolver, no "
            "package index"
        )
    loose = next(r for r in source.auditable if r.version is None)
    return (
        f"audited {count} from {source.label} and their dependencies: {loose.text!r} "
        f"({loose.file}:{loose.line}) is not pinned with ==, so pip-audit resolved them with "
        "pip (this needs the package index)"
    )


def warm() -> None:
    """Import pip-audit ahead: `trunkgate run` calls this in a thread of its own as it starts,
    since the import is most of an audit's time."""
    pip_audit_api.warm()


def gate(policy: AuditPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    ignores: list[Entry] = policy.ignore
    today = _today() if ignores else None  # datetime loads only for ignore entries
    expired: list[report.Finding] = []
    if today is not None:
        policy_file = relative(policy.source, root) if policy.source else None
        policy_text = ""
        if policy.source and any(entry["until"] < today for entry in ignores):
            policy_text = read_text(policy.source, policy_file or policy.source, "a policy file")
        expired = check_ignores(ignores, today, policy_file, policy_text)
    metrics: dict[str, object] = {"vulnerabilities": 0, "ignored": 0, "source": ""}

    ctx = change.ctx
    skipped = skip_reason(dependency_files(policy, opts), policy, change)
    if skipped:
        return report.GateResult(GATE, expired, notes=[skipped], fix=FIX, metrics=metrics)
    source = choose_source(policy, opts, ctx)
    metrics["source"] = source.label
    left_out = [
        f"not audited: {r.text} ({r.file}:{r.line or '?'}): {r.skip}"
        for r in source.requirements
        if r.skip is not None
    ]
    if source.kind != "environment" and not source.auditable:
        note = f"nothing to audit: no requirement to audit in {source.label}"
        notes = [note, *source.notes, *left_out]
        return report.GateResult(GATE, expired, notes=notes, fix=FIX, metrics=metrics)

    import tempfile

    url = osv_url(policy, opts, ctx)
    with tempfile.TemporaryDirectory(prefix="trunkgate-audit-") as workdir:
        dependencies, warned = run_pip_audit(source, url, cache_dir(policy, ctx), workdir)
    verdict = check_report(dependencies, ignores, today, source)
    apply_severity(verdict, policy, url)
    notes = [
        _mode_note(source),
        f"vulnerability service: OSV at {url}",
        *source.notes,
        *left_out,
        *verdict.notes,
        *warned,
    ]
    for entry in ignores:
        if not any(entry is used for used in verdict.used) and entry["until"] >= today:
            notes.append(
                f"the ignore entry for {entry['id']} (until {entry['until']}) matched nothing "
                "in this audit; remove it when it is no longer needed"
            )
    below = [f for f in verdict.findings if f.severity != report.ERROR]
    if below:
        notes.append(
            f"{report.plural(len(below), 'vulnerability', 'vulnerabilities')} below the "
            f"severity threshold ({policy.severity}) reported as warnings"
        )
    metrics.update(vulnerabilities=verdict.vulnerabilities, ignored=verdict.ignored)
    return report.GateResult(
        GATE, [*verdict.findings, *expired], notes=notes, fix=FIX, metrics=metrics
    )


def prepare_argv(argv: Sequence[str]) -> list[str]:
    """Every `--requirement X` (repeatable) folded into one comma-separated flag."""
    out: list[str] = []
    paths: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--":
            out.extend(items[i:])
            break
        if item == "--requirement" and i + 1 < len(items):
            paths.append(items[i + 1])
            i += 2
            continue
        if item.startswith("--requirement="):
            paths.append(item[len("--requirement=") :])
        else:
            out.append(item)
        i += 1
    if paths:
        out[:0] = ["--requirement", ",".join(paths)]
    return out
