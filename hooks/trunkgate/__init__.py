"""trunkgate: quality gates for trunk-based Python teams."""

__version__ = "0.1.0"
