"""Scope for retrieval, answers and summaries: which outlets, articles and dates to search.

`where()` is the Chroma filter for dense search; `matches()` the same test for BM25 hits (read
from chunk metadata), so both halves of the hybrid search see the same scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


def date_ordinal(iso: str | None) -> int:
    """Days since year 1 for date-range filters; 0 when the date is unknown."""
    if not iso:
        return 0
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return 0


@dataclass(frozen=True)
class Filters:
    """Scope for retrieval and summaries. Empty means everything."""

    outlets: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None  # ISO, inclusive

    def is_empty(self) -> bool:
        return not (self.outlets or self.article_ids or self.date_from or self.date_to)

    @classmethod
    def from_json(cls, data: Filters | Mapping[str, Any] | None) -> Filters | None:
        """Filters from a plain mapping (a LangChain input, an HTTP request), checked: keys
        outlets, article_ids (lists of strings), date_from, date_to (ISO dates)."""
        if data is None or isinstance(data, Filters):
            return data
        unknown = set(data) - {"outlets", "article_ids", "date_from", "date_to"}
        if unknown:
            raise ValueError(f"unknown filter {', '.join(sorted(unknown))}")

        def names(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{key} must be a list of strings")
            return tuple(value)

        def day(key: str) -> str | None:
            value = data.get(key) or None
            if value is not None and not date_ordinal(str(value)):
                raise ValueError(f"{key} must be an ISO date (YYYY-MM-DD), not {value!r}")
            return None if value is None else str(value)

        return cls(names("outlets"), names("article_ids"), day("date_from"), day("date_to"))

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.outlets:
            clauses.append({"outlet": {"$in": list(self.outlets)}})
        if self.article_ids:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if self.date_from:
            clauses.append({"published_day": {"$gte": date_ordinal(self.date_from)}})
        if self.date_to:
            clauses.append({"published_day": {"$lte": date_ordinal(self.date_to)}})
            clauses.append({"published_day": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, meta: dict[str, Any]) -> bool:
        if self.outlets and meta.get("outlet") not in self.outlets:
            return False
        if self.article_ids and meta.get("article_id") not in self.article_ids:
            return False
        day = int(meta.get("published_day") or 0)
        if self.date_from and day < date_ordinal(self.date_from):
            return False
        return not (self.date_to and not 0 < day <= date_ordinal(self.date_to))
