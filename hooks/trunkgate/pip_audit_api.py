"""pip-audit, in-process: what it audits (`Source`) and running its Python API on it.

`trunkgate audit` calls the modules the `pip-audit` command is made of (its OSV service,
its auditor, its requirement and environment sources; pip-audit is pinned exactly, so this
API is the one it was written for) rather than starting the command: no interpreter start,
no report file, and `trunkgate run` can import it ahead (`warm`) while the other gates run.
Pinned requirements and lockfile pins go to the OSV service as resolved dependencies (no
resolver, no package index), several queries at once; unpinned requirements are resolved by
pip-audit with pip; an environment is listed by pip-audit. A service that does not answer,
or a source pip-audit cannot read, is one `UsageError` line; pip-audit's log warnings
become notes.

The audit gate (`gates.audit`) chooses the source and judges the results; this module
judges nothing.
"""

from __future__ import annotations

import os
import re

from trunkgate import registry, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence
    from typing import Any, TypeAlias

    from trunkgate.requirements import Requirement

    # pip-audit's results as its JSON report has them: read by key.
    Entry: TypeAlias = dict[str, Any]

GATE = "audit"
TIMEOUT = 15  # seconds for each query, as pip-audit's own default
WORKERS = 8  # queries in flight at once (pip-audit's own command asks one after another)
# exceptions (as `module.Name: detail`) that mean the vulnerability service did not answer
SERVICE_ERROR = re.compile(
    r"^(?P<module>requests\.exceptions|pip_audit\._service\.interface"
    r"|urllib3\.exceptions)\.(?P<name>\w+)(?::\s*(?P<detail>.*))?$"
)
ERRNO = re.compile(r"\[Errno -?\d+\][^'\"()]*")
_TIMED_OUT = "Could not connect to OSV's vulnerability feed"  # pip-audit's connect timeout


class Source:
    """What pip-audit audits: a lockfile, requirements files, pyproject dependencies, or an
    environment."""

    __slots__ = ("files", "kind", "label", "notes", "requirements", "site")

    def __init__(
        self,
        kind: str,
        label: str,
        *,
        files: Sequence[str] = (),
        requirements: Sequence[Requirement] = (),
        site: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.kind = kind  # "lockfile", "requirements", "pyproject" or "environment"
        self.label = label
        self.files = list(files)  # absolute paths that define the dependencies
        self.requirements = list(requirements)  # skipped ones too (`skip` says why)
        self.site = list(site)  # site-packages folders (environment); [] for pip-audit's own
        self.notes = list(notes)

    @property
    def auditable(self) -> list[Requirement]:
        return [r for r in self.requirements if r.skip is None]

    @property
    def pinned(self) -> bool:
        return all(r.version is not None for r in self.auditable)

    def location(self, name: str, version: str | None = None) -> tuple[str | None, int | None]:
        """The file and line where a package is required or locked (the first place)."""
        for req in self.requirements:
            if req.name == name and (version is None or req.version in (None, version)):
                return req.file, req.line or None
        return None, None


def service_problem(stderr: str) -> str | None:
    """Why the vulnerability service did not answer, from an error's text (each exception
    of its chain as `module.Name: detail`, one a line); None if that is not the reason."""
    if _TIMED_OUT in stderr:
        return "the connection timed out"
    # A chain of causes; the last requests exception with a message says most.
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


def chain_text(exc: BaseException) -> str:
    """An exception and its causes, one `module.Name: detail` a line, outermost first."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        detail = " ".join(str(current).split())
        lines.append(f"{kind.__module__}.{kind.__qualname__}" + (f": {detail}" if detail else ""))
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def _api() -> Any:
    """pip-audit's Python API (the modules `pip-audit` itself is made of), imported once."""
    try:
        import pip_audit._audit as audit_api
        import pip_audit._dependency_source as sources
        import pip_audit._service as services
        from packaging.version import InvalidVersion, Version
    except ImportError as exc:
        raise report.UsageError(
            f"pip-audit is not installed next to trunkgate ({exc}); install it with: "
            + registry.tool_of(GATE).install
        ) from None

    class Pinned(sources.DependencySource):  # type: ignore[misc]  # pip-audit is untyped
        """Pinned requirements or locked packages, handed to pip-audit as resolved."""

        def __init__(self, deps: list[Any]) -> None:
            self._deps = deps

        def collect(self) -> Any:
            yield from self._deps

        def fix(self, fix_version: Any) -> None:  # pragma: no cover - the gate never fixes
            raise NotImplementedError

    class Concurrent(services.VulnerabilityService):  # type: ignore[misc]  # untyped
        """pip-audit's OSV service asked for several packages at once: one service (and so
        one HTTP session and connection) per thread; results in the order asked."""

        def __init__(self, make: Any) -> None:
            import threading

            self._make = make
            self._local = threading.local()

        def query(self, spec: Any) -> Any:
            service = getattr(self._local, "service", None)
            if service is None:
                service = self._local.service = self._make()
            return service.query(spec)

        def query_all(self, specs: Any) -> Any:
            wanted = list(specs)
            if len(wanted) <= 1:
                yield from map(self.query, wanted)
                return
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(WORKERS, len(wanted))) as pool:
                yield from pool.map(self.query, wanted)

    class Api:
        pass

    api = Api()
    for name, value in {
        "Auditor": audit_api.Auditor,
        "Pinned": Pinned,
        "RequirementSource": sources.RequirementSource,
        "PipSource": sources.PipSource,
        "SourceError": sources.DependencySourceError,
        "OsvService": services.OsvService,
        "Concurrent": Concurrent,
        "ResolvedDependency": services.ResolvedDependency,
        "ServiceError": services.ServiceError,
        "Version": Version,
        "InvalidVersion": InvalidVersion,
    }.items():
        setattr(api, name, value)
    return api


def warm() -> None:
    """Import pip-audit ahead (`trunkgate run` calls this in a thread when it starts: the
    import is most of an audit's time)."""
    import contextlib

    with contextlib.suppress(report.UsageError):  # the gate itself says so
        _api()


def _pip_audit_source(api: Any, source: Source, workdir: str) -> tuple[Any, bool]:
    """pip-audit's dependency source for ours, and whether it resolves with pip."""
    from pathlib import Path

    if source.kind == "environment":
        return api.PipSource(paths=[Path(p) for p in source.site]), False
    if source.pinned:
        deps = []
        for req in source.auditable:
            try:
                version = api.Version(req.version)
            except api.InvalidVersion:
                raise report.UsageError(
                    f"{req.file}:{req.line}: {req.name} {req.version!r} is not a valid "
                    "version, expected one such as 2.31.0"
                ) from None
            deps.append(api.ResolvedDependency(req.name, version))
        return api.Pinned(deps), False
    if source.kind == "requirements" and not any(
        f.endswith("pyproject.toml") for f in source.files
    ):
        files = [Path(f) for f in source.files]
    else:
        temp = os.path.join(workdir, "requirements.txt")
        with open(temp, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{r.text}\n" for r in source.auditable))
        files = [Path(temp)]
    return api.RequirementSource(files, no_deps=False), True


class _Warnings:
    """pip-audit's log warnings, kept for the report instead of printed on stderr."""

    def __init__(self) -> None:
        import logging

        self.messages: list[str] = []
        self.logger = logging.getLogger("pip_audit")
        outer = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                outer.messages.append(" ".join(record.getMessage().split()))

        self.handler = Handler(logging.WARNING)

    def __enter__(self) -> _Warnings:
        self.propagate = self.logger.propagate
        self.logger.addHandler(self.handler)
        self.logger.propagate = False
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self.propagate


def source_failure(exc: BaseException, resolves: bool) -> report.UsageError:
    """The one line for a source pip-audit could not read: its message, without the argument
    list it names, then the last lines of the tool (pip) that failed under it."""
    from trunkgate import tools

    first = re.sub(r":\s*\[[^\]]*\]\s*$", "", " ".join(str(exc).split())) or type(exc).__name__
    stderr = ""
    current: BaseException | None = exc
    while current is not None and not stderr:
        stderr = str(getattr(current, "stderr", "") or "")
        current = current.__cause__ or current.__context__
    tail = tools.tail(stderr, 2)
    why = " (resolving unpinned requirements needs pip and the package index)" if resolves else ""
    shown = "; ".join([first, *(" ".join(line.split()) for line in tail)])
    return report.UsageError(
        f"pip-audit could not list the dependencies{why}: {shown}",
        detail="\n".join([chain_text(exc), *tools.tail(stderr, 40)]),
    )


def run_pip_audit(
    source: Source, url: str, cache: str, workdir: str
) -> tuple[list[Entry], list[str]]:
    """Audit through pip-audit's API; its results as its JSON report's `dependencies`, and
    its warnings."""
    from pathlib import Path

    import requests

    api = _api()
    dep_source, resolves = _pip_audit_source(api, source, workdir)
    service = api.Concurrent(
        lambda: api.OsvService(cache_dir=Path(cache), timeout=TIMEOUT, osv_url=url)
    )
    out: list[Entry] = []
    with _Warnings() as warnings:
        try:
            for dep, vulns in api.Auditor(service).audit(dep_source):
                if dep.is_skipped():
                    out.append({"name": dep.canonical_name, "skip_reason": dep.skip_reason})
                    continue
                found = [
                    {
                        "id": v.id,
                        "fix_versions": [str(f) for f in v.fix_versions],
                        "aliases": sorted(v.aliases),
                    }
                    for v in vulns
                ]
                out.append(
                    {"name": dep.canonical_name, "version": str(dep.version), "vulns": found}
                )
        except (api.ServiceError, requests.RequestException, ValueError) as exc:
            text = chain_text(exc)
            problem = service_problem(text) or text.splitlines()[0]
            raise report.UsageError(
                f"could not query the vulnerability service at {url}: {problem}; check the "
                "network and proxy settings, or point --osv-url (PIP_AUDIT_OSV_URL) at a "
                "reachable OSV mirror",
                detail=text,
            ) from None
        except (api.SourceError, OSError) as exc:
            raise source_failure(exc, resolves) from None
    return out, [f"pip-audit: {m}" for m in warnings.messages]
