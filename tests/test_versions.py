"""Version schemes and tag prefixes, told from the tag names a repository has."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trunkgate.versions import detect_scheme_and_prefix, is_final, next_release


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["v1.0.0", "v1.1.0", "v1", "v1.1"], ("semver", "v")),
        (["0.28.1", "0.28.0", "v0.1.0"], ("semver", "")),
        (["pkga-v1.0.0", "pkgb-v2.0.0", "pkga-v1.1.0"], ("semver", "pkga-v")),
        (["2026.01.0", "2026.02.0"], ("calver", "")),
        (["1.4.0rc1", "1.5.0rc2", "1.4.0"], ("pep440", "")),
        (["release/1.2.3"], ("semver", "release/")),
        (["v2.0.0", "1.0.0"], ("semver", "")),  # a tie goes to the shorter prefix
        (["v1.2.0", "v1", "v1.2"], ("semver", "v")),  # floating aliases are not releases
        (["4.2", "4.1", "3.2"], ("pep440", "")),  # releases: no longer sibling
        (["foo", "latest", "nightly-x"], None),
        ([], None),
    ],
)
def test_detect_scheme_and_prefix(names: list[str], expected: tuple[str, str] | None) -> None:
    assert detect_scheme_and_prefix(names) == expected
    assert detect_scheme_and_prefix(list(reversed(names))) == expected


# A monorepo's packages: the root project `hatch` beside its build backend `hatchling`,
# whose tags are the more numerous (the shape of a real repository's 44 and 84 tags).
MONOREPO = [f"hatch-v1.{i}.0" for i in range(3)] + [f"hatchling-v1.{i}.0" for i in range(5)]


@pytest.mark.parametrize(
    ("names", "project", "expected"),
    [
        (MONOREPO, None, "hatchling-v"),  # no project to go by: the most common
        (MONOREPO, "hatch", "hatch-v"),  # the project's own, though fewer
        (MONOREPO, "hatchling", "hatchling-v"),
        (MONOREPO, "Hatch", "hatch-v"),  # names compare as PEP 503 normalises them
        (MONOREPO, "other", "hatchling-v"),  # no prefix names it: the most common
        (["my_pkg-v1.0.0", "lib-v1.0.0", "lib-v1.1.0"], "my.pkg", "my_pkg-v"),
        (["pkg@1.0.0", "lib@1.0.0", "lib@1.1.0"], "pkg", "pkg@"),
        # A prefix that names nothing (`v`) is the project's: old tags of its name stay old.
        (["v1.0.0", "v1.1.0", "myproj-0.1.0"], "myproj", "v"),
        (["release/1.0.0", "release/1.1.0", "myproj-0.1.0"], "myproj", "release/"),
    ],
)
def test_the_prefix_that_names_the_project_wins(
    names: list[str], project: str | None, expected: str
) -> None:
    assert detect_scheme_and_prefix(names, project) == ("semver", expected)


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=4),
    st.sampled_from(["major", "minor", "patch"]),
    st.sampled_from(["", "a1", "rc2", ".post3", ".dev4", "rc1.dev2"]),
)
def test_a_pep440_bump_is_above_its_base_in_packagings_order(
    release: list[int], level: str, suffix: str
) -> None:
    from packaging.version import Version

    base = ".".join(map(str, release)) + suffix
    after = next_release(base, level, "pep440", zero_major="major")
    assert Version(after) > Version(base)
    assert str(Version(after)) == after  # in normal form
    assert is_final(after, "pep440")
