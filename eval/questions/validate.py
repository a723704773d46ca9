"""Check an evaluation question set against the bundled articles.

Run as `python eval/questions/validate.py [path ...]` (default: seed.jsonl next to this file);
exits 1 and prints one line per problem when the set is invalid. Tests call `validate(path)`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repo root is not on the path
    sys.path.insert(0, str(ROOT))

from eval.metrics import contains_alias  # noqa: E402

ARTICLES = ROOT / "articles"
DEFAULT = Path(__file__).with_name("seed.jsonl")

# The floor per kind; "number" and "date" share one floor because a date is a kind of number.
MIN_COUNTS: dict[str, int] = {
    "fact": 10,
    "list": 4,
    "multi": 5,
    "unanswerable": 6,
    "distractor": 6,
    "summary": 3,
    "timeline": 2,
    "followup": 3,
}
MIN_NUMBER_OR_DATE = 8
MIN_TOTAL = 48
KINDS = frozenset(MIN_COUNTS) | {"number", "date"}
UNANSWERABLE_KINDS = frozenset({"unanswerable", "distractor"})
# A good summary or timeline is judged by required_facts, so gold_facts may be empty there.
OPEN_KINDS = frozenset({"summary", "timeline"})

FIELDS: dict[str, type] = {
    "id": str,
    "kind": str,
    "question": str,
    "answerable": bool,
    "gold_facts": list,
    "evidence": list,
    "required_facts": list,
    "forbidden": list,
}


def _alias_groups(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)
        for g in value
    )


def _check_item(item: Any, articles: dict[str, str]) -> list[str]:
    if not isinstance(item, dict):
        return ["not a JSON object"]
    errors = [
        f"field {name!r} missing or not {kind.__name__}"
        for name, kind in FIELDS.items()
        if not isinstance(item.get(name), kind)
    ]
    if errors:
        return errors
    kind = item["kind"]
    if kind not in KINDS:
        errors.append(f"unknown kind {kind!r}")
    if not item["question"].strip():
        errors.append("empty question")
    for name in ("gold_facts", "required_facts"):
        if not _alias_groups(item[name]):
            errors.append(f"{name} must be a list of non-empty lists of non-empty strings")
    if not all(isinstance(w, str) and w.strip() for w in item["forbidden"]):
        errors.append("forbidden must be a list of non-empty strings")
    errors += _check_evidence(item["evidence"], articles)
    if errors:
        return errors

    if kind in UNANSWERABLE_KINDS and item["answerable"]:
        errors.append(f"{kind} item must have answerable=false")
    if not item["answerable"]:
        if item["gold_facts"] or item["evidence"] or item["required_facts"]:
            errors.append("unanswerable item must have no gold_facts, evidence or required_facts")
    else:
        if not item["evidence"]:
            errors.append("answerable item needs at least one evidence quote")
        if not item["gold_facts"] and kind not in OPEN_KINDS:
            errors.append("answerable item needs gold_facts")
        if kind in OPEN_KINDS and not item["required_facts"]:
            errors.append(f"{kind} item needs required_facts")
        quotes = " \n ".join(e["quote"] for e in item["evidence"])
        for group in item["gold_facts"]:
            # A gold fact nobody can see in the evidence would reward memory, not reading.
            if not contains_alias(quotes, group):
                errors.append(f"gold group {group} appears in none of the evidence quotes")
        corpus = " \n ".join(articles.values())
        for group in item["required_facts"]:
            if not contains_alias(corpus, group):
                errors.append(f"required group {group} appears in no article")

    if kind == "distractor":
        if not item["forbidden"]:
            errors.append("distractor needs forbidden words")
        for word in item["forbidden"]:
            # Proves the trap is real: the boilerplate answer sits in a raw capture.
            if not any(contains_alias(text, [word]) for text in articles.values()):
                errors.append(f"forbidden word {word!r} occurs in no raw article")

    if kind == "followup":
        history = item.get("history")
        if not (
            isinstance(history, list)
            and history
            and all(
                isinstance(turn, list)
                and len(turn) == 2
                and all(isinstance(t, str) and t.strip() for t in turn)
                for turn in history
            )
        ):
            errors.append("followup needs history: a list of [question, answer] pairs")
    elif "history" in item:
        errors.append("only followup items carry history")
    return errors


def _check_evidence(evidence: list[Any], articles: dict[str, str]) -> list[str]:
    errors: list[str] = []
    for i, ev in enumerate(evidence):
        if not (
            isinstance(ev, dict)
            and isinstance(ev.get("source"), str)
            and isinstance(ev.get("quote"), str)
            and ev["quote"].strip()
        ):
            errors.append(f"evidence[{i}] must be {{'source': str, 'quote': non-empty str}}")
            continue
        text = articles.get(ev["source"])
        if text is None:
            errors.append(f"evidence[{i}] source {ev['source']!r} is not a file in articles/")
        elif ev["quote"] not in text:
            errors.append(f"evidence[{i}] quote is not an exact substring of {ev['source']}")
    return errors


def load_articles(folder: Path = ARTICLES) -> dict[str, str]:
    """Raw article texts by file name, exactly as bundled."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def validate(path: str | Path = DEFAULT, articles_dir: str | Path = ARTICLES) -> list[str]:
    """All problems found in the question file at `path`; an empty list means it is valid."""
    articles = load_articles(Path(articles_dir))
    if not articles:
        return [f"no articles found in {articles_dir}"]
    errors: list[str] = []
    kinds: Counter[str] = Counter()
    seen: set[str] = set()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        label = f"line {lineno} ({item.get('id', '?') if isinstance(item, dict) else '?'})"
        errors += [f"{label}: {e}" for e in _check_item(item, articles)]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                errors.append(f"{label}: duplicate id")
            seen.add(item["id"])
            kinds[str(item.get("kind"))] += 1

    for kind, floor in MIN_COUNTS.items():
        if kinds[kind] < floor:
            errors.append(f"kind {kind!r}: {kinds[kind]} items, need at least {floor}")
    if kinds["number"] + kinds["date"] < MIN_NUMBER_OR_DATE:
        errors.append(f"number+date: need at least {MIN_NUMBER_OR_DATE} items")
    if sum(kinds.values()) < MIN_TOTAL:
        errors.append(f"{sum(kinds.values())} items in total, need at least {MIN_TOTAL}")
    return errors


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [DEFAULT]
    failed = False
    for path in paths:
        errors = validate(path)
        for error in errors:
            print(f"{path}: {error}")
        failed = failed or bool(errors)
        if not errors:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
