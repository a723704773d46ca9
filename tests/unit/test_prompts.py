from __future__ import annotations

from pathlib import Path

import pytest

from rag import prompts
from rag.schema import NOT_FOUND


def test_every_prompt_loads_with_exactly_its_variables() -> None:
    for name, expected in prompts.VARIABLES.items():
        assert prompts.placeholders(prompts.load(name)) == expected


def test_not_found_constant_is_in_the_rendered_system_prompt() -> None:
    assert NOT_FOUND in prompts.render("answer_system", not_found=NOT_FOUND)


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(prompts.PromptError):
        prompts.render("answer_user", question="q")


def test_template_with_unexpected_variable_fails_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "answer_user.txt").write_text("{passages} {question} {oops}")
    monkeypatch.setattr(prompts, "PROMPT_DIR", tmp_path)
    prompts.load.cache_clear()
    try:
        with pytest.raises(prompts.PromptError, match="oops"):
            prompts.load("answer_user")
    finally:
        prompts.load.cache_clear()


def test_article_braces_do_not_break_rendering() -> None:
    out = prompts.render("answer_user", passages="[1] x: {not a var}", question="q?")
    assert "{not a var}" in out
