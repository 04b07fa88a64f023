"""Audit the dependencies for known vulnerabilities with pip-audit, against OSV.

What is audited: the files of `--requirement` (or the policy key `requirements`); else every
`requirements*.txt` in the project root; else the `[project] dependencies` of pyproject.toml;
else the installed environment (the project's `.venv`, the active `VIRTUAL_ENV`, or
pip-audit's own). Files named with `-r` inside a requirements file are audited too.

When every requirement is pinned with `==`, pip-audit runs with `--no-deps --disable-pip`:
no resolver and no package index, only the vulnerability service. Otherwise pip-audit
resolves the requirements with pip, which needs the package index; a note says which ran.

The vulnerability service is always OSV (`--osv-url`, the policy key `osv-url`, or
PIP_AUDIT_OSV_URL; default https://api.osv.dev/v1/query). Advisories are accepted for a
while with `ignore = [{id, reason, until}]` entries: matched by id or by any alias (a CVE
id), listed with their reason in the report, and failing the gate once past their date.
Given file names (pre-commit), `--base REF`, or in CI a pull request's base or a push's
previous commit: the audit runs only when a dependency file is among the files given or
changed. `--all` always audits, and so does a CI run with no base (a schedule).
"""

# About 500 lines: choosing the source, running pip-audit and reading its verdict against the
# dated ignores are one path that every message refers back to; reading the requirements
# themselves is `trunkgate.requirements`.

from __future__ import annotations

import os
import re

from trunkgate import flags, report, tools
from trunkgate.change import Change, relative
from trunkgate.requirements import line_of, project_dependencies, read_requirements, read_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime
    import re
    from collections.abc import Iterable, Sequence
    from typing import Any, TypeAlias

    from trunkgate.context import Context
    from trunkgate.policies import AuditPolicy
    from trunkgate.requirements import Requirement

    # pip-audit's JSON, and the policy's ignore tables ({id, until, reason}): read by key.
    Entry: TypeAlias = dict[str, Any]

GATE = "audit"
EXAMPLE = (
    "trunkgate audit --requirement requirements.txt\n"
    "  trunkgate audit --osv-url http://osv.internal/v1/query --format json"
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
        "comma-separated list (replaces the policy key requirements)",
        metavar="PATH",
    ),
)
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
EXPIRED = "ignore-expired"
FIX = (
    "Upgrade each package to a fixed version (`pip-audit --fix` can edit requirements files). "
    "When an advisory does not affect the project, accept it for a while, with the reason, "
    "in [tool.trunkgate.audit]:\n"
    '  ignore = [{id = "PYSEC-2023-74", reason = "why it does not apply", until = 2026-12-31}]\n'
    "An expired entry fails the gate: review it, then move its date or remove it."
)

# exceptions in pip-audit's stderr that mean the vulnerability service did not answer
SERVICE_ERROR = re.compile(
    r"^(?P<module>requests\.exceptions|pip_audit\._service\.interface"
    r"|urllib3\.exceptions)\.(?P<name>\w+)(?::\s*(?P<detail>.*))?$"
)
ERRNO = re.compile(r"\[Errno -?\d+\][^'\"()]*")
_TIMED_OUT = "Could not connect to OSV's vulnerability feed"  # pip-audit's connect timeout


# --------------------------------------------------------------------------- what to audit


class Source:
    """What pip-audit audits: requirements files, pyproject dependencies, or an environment."""

    __slots__ = ("files", "kind", "label", "requirements", "site")

    def __init__(
        self,
        kind: str,
        label: str,
        *,
        files: Sequence[str] = (),
        requirements: Sequence[Requirement] = (),
        site: Sequence[str] = (),
    ) -> None:
        self.kind = kind  # "requirements", "pyproject" or "environment"
        self.label = label
        self.files = list(files)  # absolute paths that define the dependencies
        self.requirements = list(requirements)
        self.site = list(site)  # site-packages folders (environment); [] for pip-audit's own

    @property
    def pinned(self) -> bool:
        return all(r.version is not None for r in self.requirements)

    def location(self, name: str) -> tuple[str | None, int | None]:
        """The file and line where a package is required (the first place), if known."""
        for req in self.requirements:
            if req.name == name:
                return req.file, req.line or None
        return None, None


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


def _requirement_paths(policy: AuditPolicy, opts: flags.Options) -> list[str]:
    """--requirement (from the current folder), the policy's (from the project root), or
    every requirements*.txt in the project root."""
    requirement: str | None = getattr(opts, "requirement", None)
    given = _split([requirement]) if requirement else []
    if given:
        return [os.path.abspath(p) for p in given]
    requirements: list[str] = policy.requirements
    if requirements:
        return [policy.path(p) for p in requirements]
    names = sorted(os.listdir(policy.root))
    found = [policy.path(n) for n in names if n.startswith("requirements") and n.endswith(".txt")]
    return [p for p in found if os.path.isfile(p)]


def dependency_files(policy: AuditPolicy, opts: flags.Options) -> list[str]:
    """The files that define what is audited: the requirements files and their includes,
    else pyproject.toml if there is one. Cheap: no requirement is parsed."""
    paths = _requirement_paths(policy, opts)
    if paths:
        return read_requirements(paths, policy.root, parse=False)[0]
    pyproject = policy.path("pyproject.toml")
    return [pyproject] if os.path.isfile(pyproject) else []


def choose_source(policy: AuditPolicy, opts: flags.Options, ctx: Context) -> Source:
    """What to audit: --requirement, the policy's requirements, requirements*.txt in the
    project root, pyproject's [project] dependencies, or the installed environment."""
    root = policy.root
    paths = _requirement_paths(policy, opts)
    if paths:
        files, reqs = read_requirements(paths, root)
        label = ", ".join(relative(f, root) for f in files)
        return Source("requirements", label, files=files, requirements=reqs)
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        shown = relative(pyproject, root)
        deps = project_dependencies(read_text(pyproject, shown, "file"), shown)
        if deps is not None:
            label = f"the [project] dependencies of {shown}"
            return Source("pyproject", label, files=[pyproject], requirements=deps)
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
    vulnerability found (accepted ones included), and those the policy accepts."""

    __slots__ = ("findings", "ignored", "notes", "used", "vulnerabilities")

    def __init__(self) -> None:
        self.findings: list[report.Finding] = []
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
    """Findings from pip-audit's JSON `dependencies`, with the policy's ignore entries applied.

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
            file, line = source.location(name)
            vuln_id = str(vuln.get("id"))
            verdict.findings.append(
                report.Finding(vuln_id, text, file=file, line=line, url=advisory_url(vuln_id))
            )
    return verdict


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


def service_problem(stderr: str) -> str | None:
    """Why the vulnerability service did not answer, from pip-audit's stderr; None if it did."""
    if _TIMED_OUT in stderr:
        return "the connection timed out"
    # A traceback chains its causes; the last requests exception with a message says most.
    picked: tuple[int, str, str] | None = None
    for raw in stderr.splitlines():
        match = SERVICE_ERROR.match(raw.strip())
        if match:
            detail = match.group("detail") or ""
            rank = 2 * (match.group("module") == "requests.exceptions") + bool(detail)
            if picked is None or rank >= picked[0]:
                picked = (rank, match.group("name"), detail)
    if picked is None:
        return None
    _, name, detail = picked
    if name == "HTTPError":
        return detail.split(" for url:", 1)[0]
    errno = ERRNO.search(detail)
    reason = errno.group(0).strip() if errno else (detail[:200] or name)
    if name == "ProxyError" or "Unable to connect to proxy" in detail:
        return f"cannot connect to the proxy ({reason})"
    if name == "JSONDecodeError":
        return f"the answer was not JSON ({reason})"
    return reason


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
    count = report.plural(len(source.requirements), "requirement")
    if source.pinned:
        return (
            f"audited {count} from {source.label}, all pinned with ==: pip-audit ran with "
            "--no-deps --disable-pip (no resolver, no package index)"
        )
    loose = next(r for r in source.requirements if r.version is None)
    return (
        f"audited {count} from {source.label} and their dependencies: {loose.text!r} "
        f"({loose.file}:{loose.line}) is not pinned with ==, so pip-audit resolved them with "
        "pip (this needs the package index)"
    )


def _run_pip_audit(
    source: Source, url: str, cache: str, root: str, workdir: str
) -> tuple[list[str], object]:
    """Run pip-audit into a JSON file; return its argv and the file's `dependencies`."""
    import json

    exe = tools.find_tool("audit")
    out = os.path.join(workdir, "pip-audit.json")
    argv = [exe, "--format", "json", "--output", out, "--progress-spinner", "off"]
    argv += ["--desc", "off", "--aliases", "on", "--vulnerability-service", "osv"]
    argv += ["--osv-url", url, "--cache-dir", cache]
    if source.kind == "pyproject":
        temp = os.path.join(workdir, "requirements.txt")
        with open(temp, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{r.text}\n" for r in source.requirements))
        files = [temp]
    else:
        files = source.files
    for path in files:
        argv += ["--requirement", path]
    if files and source.pinned:
        argv += ["--no-deps", "--disable-pip"]
    for folder in source.site:
        argv += ["--path", folder]
    # Exit status 1 is both "found vulnerabilities" and "crashed": the JSON file decides.
    proc = tools.run(argv, cwd=root, ok=(0, 1))
    try:
        with open(out, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        problem = service_problem(proc.stderr or "")
        if problem:
            raise report.UsageError(
                f"could not query the vulnerability service at {url}: {problem}; check the "
                "network and proxy settings, or point --osv-url (PIP_AUDIT_OSV_URL) at a "
                "reachable OSV mirror"
            ) from None
        what = "crashed and wrote no report"
        if files and not source.pinned:
            what += " (resolving unpinned requirements needs pip and the package index)"
        raise tools.failure(argv, proc, f"{what} (exit status {proc.returncode})")
    return argv, data.get("dependencies")


def gate(policy: AuditPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    ignores: list[Entry] = policy.ignore
    today = _today() if ignores else None  # datetime loads only for ignore entries
    expired: list[report.Finding] = []
    if today is not None:
        policy_file = relative(policy.source, root) if policy.source else None
        policy_text = ""
        if policy.source and any(entry["until"] < today for entry in ignores):
            policy_text = read_text(policy.source, policy_file or policy.source, "policy file")
        expired = check_ignores(ignores, today, policy_file, policy_text)
    metrics: dict[str, object] = {"vulnerabilities": 0, "ignored": 0}

    ctx = change.ctx
    skipped = skip_reason(dependency_files(policy, opts), policy, change)
    if skipped:
        return report.GateResult(GATE, expired, notes=[skipped], fix=FIX, metrics=metrics)
    source = choose_source(policy, opts, ctx)
    if source.kind != "environment" and not source.requirements:
        note = f"nothing to audit: no requirement to audit in {source.label}"
        return report.GateResult(GATE, expired, notes=[note], fix=FIX, metrics=metrics)

    import tempfile

    url = osv_url(policy, opts, ctx)
    with tempfile.TemporaryDirectory(prefix="trunkgate-audit-") as workdir:
        _, dependencies = _run_pip_audit(source, url, cache_dir(policy, ctx), root, workdir)
    verdict = check_report(dependencies, ignores, today, source)
    notes = [_mode_note(source), f"vulnerability service: OSV at {url}", *verdict.notes]
    for entry in ignores:
        if not any(entry is used for used in verdict.used) and entry["until"] >= today:
            notes.append(
                f"the ignore entry for {entry['id']} (until {entry['until']}) matched nothing "
                "in this audit; remove it when it is no longer needed"
            )
    metrics = {"vulnerabilities": verdict.vulnerabilities, "ignored": verdict.ignored}
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
