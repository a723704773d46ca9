"""Prompt templates live as files in prompts/; each is checked for its variables when loaded.

A template that names a variable the code does not supply, or misses one it must use, fails at load
time with the file name, not later as a silent gap in a prompt.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"

# Each template and exactly the variables it must use.
VARIABLES: dict[str, frozenset[str]] = {
    "answer_system": frozenset({"not_found"}),
    "answer_user": frozenset({"passages", "question"}),
    "condense_system": frozenset(),
    "condense_user": frozenset({"history", "question"}),
    "summary_system": frozenset(),
    "summary_overview_user": frozenset({"passages"}),
    "summary_lead_user": frozenset({"passages"}),
    "summary_guide_user": frozenset({"title", "passages"}),
}


class PromptError(ValueError):
    pass


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@cache
def load(name: str) -> str:
    if name not in VARIABLES:
        raise PromptError(f"unknown prompt {name!r}")
    path = PROMPT_DIR / f"{name}.txt"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"prompt file {path} cannot be read: {exc}") from exc
    found = placeholders(template)
    if found != VARIABLES[name]:
        raise PromptError(
            f"{path}: variables {sorted(found)} do not match the expected {sorted(VARIABLES[name])}"
        )
    return template.strip()


def render(name: str, **values: str) -> str:
    template = load(name)
    missing = VARIABLES[name] - values.keys()
    if missing:
        raise PromptError(f"prompt {name!r} needs {sorted(missing)}")
    return template.format(**{k: values[k] for k in VARIABLES[name]})
