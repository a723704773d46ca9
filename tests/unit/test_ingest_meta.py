"""Dates, bylines and outlet names as captures write them."""

from __future__ import annotations

import pytest

from rag.ingest.meta import (
    byline_authors,
    clean_title,
    is_date_line,
    outlet_from_header,
    outlet_from_url,
    parse_date,
    split_authors,
    title_from_text,
)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("24 May 2024", "2024-05-24"),
        ("May 24, 2024", "2024-05-24"),
        ("2024-05-24", "2024-05-24"),
        ("2023-01-05T00:00:00", "2023-01-05"),
        ("Wednesday, April 2, 2025", "2025-04-02"),
        ("Published: Sept. 3rd, 2023 at 10:30 a.m.", "2023-09-03"),
        ("Fri, 24 May 2024 10:00:00 GMT", "2024-05-24"),
        ("24.05.2024", "2024-05-24"),
        (1716508800, "2024-05-24"),
        ("the 21st", None),
        ("29", None),
        ("2024-02-30", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: object, iso: str | None) -> None:
    assert parse_date(value) == iso


def test_date_lines_are_only_dates() -> None:
    assert is_date_line("24 May 2024")
    assert is_date_line("Updated 10:42 AM EDT, Wed June 19, 2024")
    assert not is_date_line("Kim Jong Un visited Russia from September 12 to 17, 2023.")
    assert not is_date_line("29")


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By. Hyo Jin Kim", ["Hyo Jin Kim"]),
        ("By Jane Doe", ["Jane Doe"]),
        ("By Jane Doe and John Roe | Reuters", ["Jane Doe", "John Roe"]),
        ("By Gary Strauss, Carolyn Pesce", ["Gary Strauss", "Carolyn Pesce"]),
        ("By Tuesday the talks had ended.", None),
        ("By the end of the day, nothing was agreed", None),
        ("Byline missing", None),
    ],
)
def test_bylines(line: str, names: list[str] | None) -> None:
    assert byline_authors(line) == names


def test_outlets() -> None:
    assert outlet_from_url("https://www.reuters.com/world/asia/x") == "reuters.com"
    assert outlet_from_url("not a url") is None
    assert outlet_from_header(["News1"]) == "News1"
    assert outlet_from_header(["inews24 Views \u00a0"]) == "inews24"
    assert outlet_from_header(["9Lau...3RuW", "24 May 2024", "29"]) is None


def test_titles_and_authors() -> None:
    assert clean_title("Putin arrives in North Korea for rare visit ...") == (
        "Putin arrives in North Korea for rare visit"
    )
    assert title_from_text("Short one. Another.") == "Short one."
    long = "word " * 40 + "end."
    assert len(title_from_text(long)) <= 101 and title_from_text(long).endswith("word…")
    assert split_authors(["By Jane Doe", {"name": "John Roe"}, "Jane Doe"]) == (
        "Jane Doe",
        "John Roe",
    )
    assert split_authors("Jane Doe and John Roe") == ("Jane Doe", "John Roe")
    assert split_authors(None) == ()
