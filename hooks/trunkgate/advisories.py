"""How severe an advisory is: its OSV record, fetched by id, and its CVSS vectors, scored.

pip-audit's results name each advisory (id, aliases, fixed versions) but not its severity.
The audit gate asks the same OSV service for the records it reports, `GET /v1/vulns/<id>`,
all at once, and reads their severity, in this order:

1. the record's `severity` vectors, the newest standard first (CVSS_V4, then CVSS_V3, then
   CVSS_V2), scored with the `cvss` package (the highest score of that standard counts);
2. the same in the `affected` entries of the package;
3. `database_specific.severity`, GitHub's word for it (LOW, MODERATE, HIGH, CRITICAL);
4. when the record says nothing, the records of its aliases (GHSA ids, then CVE ids), as
   OSV holds those too.

A level is CVSS's qualitative rating: low (0.1-3.9, and a 0.0 "none"), medium (4.0-6.9),
high (7.0-8.9), critical (9.0-10.0). A record the service does not have (404) or that gives
no severity is unknown: the gate decides what unknown counts as. A service that does not
answer is a `UsageError` (exit 2): a verdict is never given without the records.

Imported by the audit gate only, and `cvss` only when a vector is scored.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

LEVELS = ("low", "medium", "high", "critical")
STANDARDS = ("CVSS_V4", "CVSS_V3", "CVSS_V2")  # newest first
WORDS = {"low": "low", "moderate": "medium", "medium": "medium", "high": "high"}
WORDS["critical"] = "critical"
LIMIT = 4 * 1024 * 1024  # a record larger than this is refused
TIMEOUT = 15.0
WORKERS = 8


class Severity:
    """An advisory's severity: its level (None when unknown), its CVSS score and vector,
    and where they were read (`"CVSS_V3 of GHSA-..."`)."""

    __slots__ = ("level", "origin", "problem", "score", "vector")

    def __init__(
        self,
        level: str | None = None,
        score: float | None = None,
        vector: str | None = None,
        origin: str | None = None,
        problem: str | None = None,
    ) -> None:
        self.level = level
        self.score = score
        self.vector = vector
        self.origin = origin
        self.problem = problem  # why it is unknown, when something was wrong with it

    def describe(self) -> str:
        """'high (CVSS 7.5, CVSS_V3 of PYSEC-2021-108)', or 'unknown (...)'."""
        if self.level is None:
            return f"unknown ({self.problem or 'the advisory gives no severity'})"
        what = f"CVSS {self.score:.1f}, " if self.score is not None else ""
        return f"{self.level} ({what}{self.origin})"


def level_of_score(score: float) -> str:
    """CVSS's qualitative rating of a base score (a 0.0 "none" counts as low)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def score_vector(standard: str, vector: str) -> float:
    """The base score of a CVSS vector; ValueError when it is not a valid one."""
    import cvss

    try:
        if standard == "CVSS_V4":
            return float(cvss.CVSS4(vector).base_score)
        if standard == "CVSS_V3":
            return float(cvss.CVSS3(vector).scores()[0])
        return float(cvss.CVSS2(vector).scores()[0])
    except cvss.CVSSError as exc:
        raise ValueError(str(exc)) from None


def _vectors(entries: object) -> Iterable[tuple[str, str]]:
    if isinstance(entries, list):
        for item in entries:
            ok = isinstance(item, dict) and item.get("type") in STANDARDS
            if ok and isinstance(item.get("score"), str):
                yield str(item["type"]), str(item["score"])


def of_record(record: dict[str, Any], package: str | None = None) -> Severity | None:
    """The severity a record gives, or None when it gives none; an invalid vector is
    skipped (and said, if no other severity is found)."""
    rid = str(record.get("id"))
    places: list[object] = [record.get("severity")]
    affected = record.get("affected")
    for item in affected if isinstance(affected, list) else []:
        pkg = item.get("package") if isinstance(item, dict) else None
        name = pkg.get("name") if isinstance(pkg, dict) else None
        if package is None or (isinstance(name, str) and _same(name, package)):
            places.append(item.get("severity"))
    problem = None
    for standard in STANDARDS:
        best: tuple[float, str] | None = None
        for place in places:
            for kind, vector in _vectors(place):
                if kind != standard:
                    continue
                try:
                    score = score_vector(kind, vector)
                except ValueError as exc:
                    problem = f"the {kind} vector {vector!r} of {rid} is not valid: {exc}"
                    continue
                if best is None or score > best[0]:
                    best = (score, vector)
        if best is not None:
            return Severity(level_of_score(best[0]), best[0], best[1], f"{standard} of {rid}")
    specific = record.get("database_specific")
    word = specific.get("severity") if isinstance(specific, dict) else None
    level = WORDS.get(word.lower()) if isinstance(word, str) else None
    if level is not None:
        return Severity(level, None, None, f"the severity {word} given by {rid}")
    return Severity(problem=problem) if problem else None


def _same(a: str, b: str) -> bool:
    import re

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    return norm(a) == norm(b)


def vulns_url(query_url: str) -> str:
    """The `GET /v1/vulns/<id>` endpoint beside an OSV query endpoint (`.../v1/query`)."""
    parts = urllib.parse.urlsplit(query_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    base = head if last == "query" else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{base}/vulns/", "", ""))


def _get(base: str, vuln_id: str) -> dict[str, Any] | None:
    """One record, or None when the service does not have it (404)."""
    url = base + urllib.parse.quote(vuln_id, safe="")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"the OSV service {base}: expected an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": "trunkgate"})  # noqa: S310
    try:
        # Only http(s) reaches here (checked above). A new opener reads the proxy settings as
        # they are now, not as urlopen's first call in this process saw them.
        opener = urllib.request.build_opener()
        with opener.open(request, timeout=TIMEOUT) as response:
            raw = response.read(LIMIT + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise UsageError(
            f"could not fetch the advisory {vuln_id} from the vulnerability service at {url}: "
            f"HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(
            f"could not fetch the advisory {vuln_id} from the vulnerability service at {url}: "
            f"no answer ({reason})"
        ) from None
    if len(raw) > LIMIT:
        raise UsageError(f"{url}: the answer is larger than {LIMIT // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise UsageError(f"{url}: the answer is not JSON, expected an OSV record") from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{url}: expected an OSV record (a JSON object), got {type(data).__name__}"
        )
    return data


def fetch(query_url: str, ids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
    """The records of these ids from the OSV service, fetched concurrently."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    base = vulns_url(query_url)
    if len(wanted) == 1:
        return {wanted[0]: _get(base, wanted[0])}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(wanted))) as pool:
        return dict(zip(wanted, pool.map(lambda i: _get(base, i), wanted), strict=True))


def _alias_order(aliases: Iterable[str]) -> list[str]:
    names = sorted(set(aliases))
    return [a for a in names if a.startswith("GHSA-")] + [a for a in names if a.startswith("CVE-")]


def severities(
    query_url: str, advisories: Sequence[tuple[str, str, Sequence[str]]]
) -> dict[str, Severity]:
    """The severity of each advisory, given as (id, package, aliases), by id.

    The records of the ids are fetched in one concurrent round; those that give no severity
    have their aliases' records fetched in a second round.
    """
    records = fetch(query_url, [vid for vid, _, _ in advisories])
    found: dict[str, Severity] = {}
    pending: list[tuple[str, str, list[str]]] = []
    for vid, package, aliases in advisories:
        record = records.get(vid)
        severity = of_record(record, package) if record is not None else None
        if severity is not None and severity.level is not None:
            found[vid] = severity
            continue
        names = _alias_order(aliases)
        also = " or its aliases' records" if names else ""
        found[vid] = severity or Severity(
            problem=(
                f"the service has no record {vid}{also}"
                if record is None
                else f"no severity in {vid}{also}"
            )
        )
        pending.append((vid, package, names))
    more = fetch(query_url, [a for _, _, names in pending for a in names])
    for vid, package, names in pending:
        for alias in names:
            record = more.get(alias)
            severity = of_record(record, package) if record is not None else None
            if severity is not None and severity.level is not None:
                found[vid] = severity
                break
    return found


def at_least(level: str | None, threshold: str, unknown: str) -> bool:
    """Whether a level (None: unknown, counted as `unknown`) is at or above the threshold."""
    return LEVELS.index(level or unknown) >= LEVELS.index(threshold)
