"""Version schemes and their arithmetic: is a version valid in the policy's scheme, how do two
compare, and in semver what a bump gives (`bump`, `effective_level`, `bump_between`, the levels
MAJOR, MINOR, PATCH and their RANK) and which pre-release comes next (`pre_release`); in every
scheme, what the next release is (`next_release`, `next_pre_release`: PEP 440's release
segments, pre-releases a/b/rc and .devN, and calendar versions YYYY.MM.N) and which versions
are final releases (`is_final`).

Used by the branch gate (release/1.4.0), the changelog gate (## [1.4.0]), the version gate
and releases. Only the standard library: errors are ValueErrors, callers word them.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TypeAlias

    # An ordering key: tuples of ints, strings and nested keys, compared within one scheme.
    SortKey: TypeAlias = tuple[object, ...]

_NUM = r"(?:0|[1-9]\d*)"
_PRE_ID = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
SEMVER = re.compile(
    rf"(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
# Calendar versions: YYYY.MM, YYYY.MM.DD or YYYY.MM.MICRO, optionally with a further .N.
CALVER = re.compile(r"(?P<year>[12]\d{3})\.(?P<month>0?[1-9]|1[0-2])(?:\.(?P<rest>\d+(?:\.\d+)?))?")
# PEP 440 public versions in their normalised form.
PEP440 = re.compile(
    rf"(?:(?P<epoch>{_NUM})!)?(?P<release>{_NUM}(?:\.{_NUM})*)"
    rf"(?:(?P<pre_l>a|b|rc)(?P<pre_n>{_NUM}))?"
    rf"(?:\.post(?P<post>{_NUM}))?"
    rf"(?:\.dev(?P<dev>{_NUM}))?"
)
PATTERNS = {"semver": SEMVER, "calver": CALVER, "pep440": PEP440}
EXAMPLES = {"semver": "1.4.0", "calver": "2026.11.0", "pep440": "1.4.0rc1"}
# The parts of a semver version a bump moves, and their order (None: no bump).
MAJOR, MINOR, PATCH = "major", "minor", "patch"
RANK = {None: 0, PATCH: 1, MINOR: 2, MAJOR: 3}


def is_valid(version: str, scheme: str = "semver") -> bool:
    return PATTERNS[scheme].fullmatch(version) is not None


def describe(scheme: str) -> str:
    """How a valid version looks, for messages."""
    shapes = {"semver": "X.Y.Z", "calver": "YYYY.MM[.DD|.N]", "pep440": "PEP 440, e.g. 1.4.0rc1"}
    return f"a {scheme} version ({shapes[scheme]})"


# How a version of each scheme looks after a tag prefix, for messages.
SHAPES = {"semver": "X.Y.Z", "calver": "YYYY.MM.N", "pep440": "X.Y.Z"}


def _semver_key(m: re.Match[str]) -> SortKey:
    core = (int(m["major"]), int(m["minor"]), int(m["patch"]))
    if m["pre"] is None:
        return (core, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in m["pre"].split("."))
    return (core, 0, ids)


def _pep440_key(m: re.Match[str]) -> SortKey:
    release = tuple(int(p) for p in m["release"].split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    pre_rank = {"a": 0, "b": 1, "rc": 2}
    if m["pre_l"]:
        pre: SortKey = (pre_rank[m["pre_l"]], int(m["pre_n"]))
    elif m["post"] is None and m["dev"] is not None:
        pre = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (3, 0)
    post = int(m["post"]) if m["post"] is not None else -1
    dev = int(m["dev"]) if m["dev"] is not None else float("inf")
    return (int(m["epoch"] or 0), release, pre, post, dev)


def sort_key(version: str, scheme: str = "semver") -> SortKey:
    """A key that orders valid versions of one scheme; raises ValueError for invalid ones."""
    m = PATTERNS[scheme].fullmatch(version)
    if m is None:
        raise ValueError(f"{version!r} is not {describe(scheme)}")
    if scheme == "semver":
        return _semver_key(m)
    if scheme == "pep440":
        return _pep440_key(m)
    return tuple(int(p) for p in version.split("."))


def parse_semver(version: str) -> tuple[int, int, int, str | None]:
    m = SEMVER.fullmatch(version)
    if m is None:
        raise ValueError(f"{version!r} is not {describe('semver')}")
    return int(m["major"]), int(m["minor"]), int(m["patch"]), m["pre"]


def bump(version: str, level: str, zero_major: str = "minor") -> str:
    """The version after a bump; a breaking change bumps the minor while major is 0 (policy)."""
    major, minor, patch, _ = parse_semver(version)
    if level == MAJOR and major == 0 and zero_major == "minor":
        level = MINOR
    if level == MAJOR:
        return f"{major + 1}.0.0"
    if level == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def effective_level(version: str, level: str, zero_major: str = "minor") -> str:
    """The part of the version a bump moves: major, minor or patch."""
    if level == MAJOR and parse_semver(version)[0] == 0 and zero_major == "minor":
        return MINOR
    return level


def bump_between(old: str, new: str) -> str | None:
    """Which part moved from `old` to `new` (release cores compared), None if none went up."""
    a = parse_semver(old)[:3]
    b = parse_semver(new)[:3]
    if b[0] > a[0]:
        return MAJOR
    if b[0] == a[0] and b[1] > a[1]:
        return MINOR
    if b[:2] == a[:2] and b[2] > a[2]:
        return PATCH
    return None


def check_pre_name(name: str) -> str:
    """A pre-release name such as rc, beta, alpha: letters, digits and '-', not only digits.

    Raises ValueError, saying what was expected, for any other name."""
    ok = bool(name) and all(c.isascii() and (c.isalnum() or c == "-") for c in name)
    if not ok or name.isdigit():
        raise ValueError(
            f'expected a pre-release name such as "rc" or "beta" '
            f"(letters, digits, '-'), got {name!r}"
        )
    return name


def pre_release(core: str, name: str, existing: Sequence[str]) -> str:
    """core-name.N, N one above the highest existing core-name.N (1 for the first)."""
    head = f"{core}-{name}."
    numbers = [
        int(v[len(head) :]) for v in existing if v.startswith(head) and v[len(head) :].isdigit()
    ]
    return f"{head}{max(numbers, default=0) + 1}"


def is_pre(version: str) -> bool:
    return "-" in version.split("+", 1)[0]


def semver_key(version: str) -> SortKey:
    return sort_key(version, "semver")


def detect_scheme_and_prefix(
    names: Sequence[str], project: str | None = None
) -> tuple[str, str] | None:
    """The (scheme, tag prefix) most of ``names`` follow, or None when no tag is a version.

    A tag is ``<prefix><version>`` where the prefix ends in a non-digit (``v``, ``pkg-v``,
    ``release/``) or is empty. A floating alias (``v1``, ``v1.2`` beside ``v1.2.3``) is not
    counted. Ties go to the scheme listed first (semver, calver, pep440), then to the shorter
    prefix, so the answer does not depend on the order of ``names``.

    In a monorepo the most common prefix may name another package (``hatchling-v`` beside
    ``hatch-v``): when it does and a prefix names ``project``, the project's own wins.
    """
    counts: dict[tuple[str, str], int] = {}
    for name in names:
        if is_alias(name, names):
            continue
        for scheme in PATTERNS:
            prefix = _split_tag(name, scheme)
            if prefix is not None:
                counts[scheme, prefix] = counts.get((scheme, prefix), 0) + 1
                break
    if not counts:
        return None
    schemes = list(PATTERNS)

    def rank(k: tuple[str, str]) -> tuple[int, int, int, str]:
        return (counts[k], -schemes.index(k[0]), -len(k[1]), k[1])

    best = max(counts, key=rank)
    stem, name = _stem(best[1]), _normal(project or "")
    if name and stem and stem != name:
        own = [k for k in counts if _stem(k[1]) == name]
        if own:
            return max(own, key=rank)
    return best


def _stem(prefix: str) -> str:
    """The name a tag prefix carries, normalised as PEP 503 does: ``my_pkg-v`` -> ``my-pkg``;
    empty for a prefix that names nothing (``v``, ``release/``, ````)."""
    stem = re.sub(r"[-_./@]*v?$", "", prefix, flags=re.IGNORECASE)
    if stem.lower() in ("release", "releases", "version", "rel"):
        return ""
    return _normal(stem)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_ALIAS = re.compile(r"\D*\d+(?:\.\d+)?")


def is_alias(name: str, names: Sequence[str]) -> bool:
    """Whether ``name`` is a floating major or minor tag: ``v1`` or ``v1.2`` beside ``v1.2.3``."""
    return _ALIAS.fullmatch(name) is not None and any(
        other.startswith(f"{name}.") for other in names
    )


def _split_tag(name: str, scheme: str) -> str | None:
    """The prefix of ``name`` when the rest is a version of ``scheme``, else None."""
    pattern = PATTERNS[scheme]
    for start in range(len(name)):
        if start and name[start - 1].isdigit():
            continue
        if name[start].isdigit() and pattern.fullmatch(name, start):
            return name[:start]
    return None


# --------------------------------------------------------------------------- every scheme


def is_final(version: str, scheme: str = "semver") -> bool:
    """A release, not a pre-release: no `-pre` in semver; no a/b/rc and no .devN in PEP 440
    (a .postN release is final); every calendar version."""
    if scheme == "semver":
        return not is_pre(version)
    if scheme == "pep440":
        m = PEP440.fullmatch(version)
        return m is not None and m["pre_l"] is None and m["dev"] is None
    return True


def release_core(version: str, scheme: str = "semver") -> str:
    """The release a pre-release leads to: 1.6.0 for 1.6.0-rc.1 (semver) or 1.6.0rc1 and
    1.6.0.dev2 (PEP 440, with its epoch); a calendar version is its own."""
    if scheme == "semver":
        return version.split("+", 1)[0].split("-", 1)[0]
    if scheme == "pep440":
        m = PEP440.fullmatch(version)
        if m is None:
            raise ValueError(f"{version!r} is not {describe('pep440')}")
        return (f"{m['epoch']}!" if m["epoch"] else "") + m["release"]
    return version


def _pep440_bump(version: str, level: str, zero_major: str) -> str:
    """PEP 440: the release segment bumped (as many parts as it had, at least the one moved);
    the epoch kept, pre, post and dev dropped."""
    m = PEP440.fullmatch(version)
    if m is None:
        raise ValueError(f"{version!r} is not {describe('pep440')}")
    parts = [int(p) for p in m["release"].split(".")]
    if level == MAJOR and parts[0] == 0 and zero_major == "minor":
        level = MINOR
    at = {MAJOR: 0, MINOR: 1, PATCH: 2}[level]
    parts += [0] * (at + 1 - len(parts))
    parts[at] += 1
    parts[at + 1 :] = [0] * len(parts[at + 1 :])
    epoch = f"{m['epoch']}!" if m["epoch"] else ""
    return epoch + ".".join(str(p) for p in parts)


def _calver_next(version: str | None, today: tuple[int, int]) -> str:
    """YYYY.MM.N: this month's next N (0 for the month's first release); the month written
    as the last release wrote it (01 or 1)."""
    year, month = today
    padded = False
    if version is not None:
        m = CALVER.fullmatch(version)
        if m is None:
            raise ValueError(f"{version!r} is not {describe('calver')}")
        padded = m["month"].startswith("0")
        if (int(m["year"]), int(m["month"])) > (year, month):
            year, month = int(m["year"]), int(m["month"])  # a clock behind the last release
        if (int(m["year"]), int(m["month"])) == (year, month):
            rest = (m["rest"] or "").split(".")[0]
            shown = f"{month:02d}" if padded else str(month)
            return f"{year}.{shown}.{int(rest) + 1 if rest else 1}"  # YYYY.MM is YYYY.MM.0
    shown = f"{month:02d}" if padded else str(month)
    return f"{year}.{shown}.0"


def next_release(
    version: str | None,
    level: str,
    scheme: str = "semver",
    zero_major: str = "minor",
    today: tuple[int, int] | None = None,
) -> str:
    """The release after `version` (a final release of the scheme) for a bump of `level`.

    semver and pep440 bump the part the level names (a breaking change bumps the minor while
    the major is 0, per `zero_major`); calver ignores the level: YYYY.MM.N of `today`
    (year, month), the next N within the same month. `version` None is calver's first release.
    """
    if scheme == "calver":
        if today is None:
            import datetime

            now = datetime.date.today()
            today = (now.year, now.month)
        return _calver_next(version, today)
    if version is None:
        raise ValueError("a bump needs a version to start from")
    if scheme == "pep440":
        return _pep440_bump(version, level, zero_major)
    return bump(version, level, zero_major)


# PEP 440's pre-release labels and the spellings packaging normalises to them.
PEP440_PRE = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "c": "rc", "pre": "rc"}
PEP440_PRE["preview"] = "rc"


def next_pre_release(core: str, name: str, existing: Sequence[str], scheme: str = "semver") -> str:
    """The next pre-release of `core` called `name`, one above the highest in `existing`.

    semver: core-name.N. pep440: coreaN, corebN, corercN (alpha, beta, c, pre and preview
    spelled as packaging normalises them) or core.devN. calver has no pre-releases. Raises
    ValueError, saying what was expected, for a name the scheme cannot write."""
    if scheme == "semver":
        return pre_release(core, check_pre_name(name), existing)
    if scheme == "pep440":
        label = name.lower()
        if label == "dev":
            head = f"{core}.dev"
        elif label in PEP440_PRE:
            head = f"{core}{PEP440_PRE[label]}"
        else:
            raise ValueError(
                f"expected a PEP 440 pre-release name (a, b, rc, alpha, beta, dev), got {name!r}"
            )
        numbers = [
            int(v[len(head) :]) for v in existing if v.startswith(head) and v[len(head) :].isdigit()
        ]
        return f"{head}{max(numbers, default=0) + 1}"
    raise ValueError(f"calendar versions have no pre-releases; expected no --pre, got {name!r}")
