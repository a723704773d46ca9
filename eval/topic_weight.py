"""Choose how much a topic summary's choice of sentences leans on their relevance to the topic
(Settings.summary.topic_weight).

    python -m eval.topic_weight

No language model is loaded: the bundled articles go into a temporary store (the real embedder)
and each topic summary runs through the product with a stand-in chat model that records its
prompts. For each candidate weight it prints

- per seed topic item (eval/questions/seed.jsonl, the items with a `topic`): the share of its
  required facts found, as the eval matches them (eval.metrics.contains_alias), in the passages
  handed to the model, and in the summary the stand-in writes (it restates passage 1 of each
  prompt, so the summary is those sentences plus the quoted "what each source adds" lines);
- per topic the articles cover (eval.topic_floor.COVERED): the mean cosine to the topic of the
  passages handed to the model (higher: on the topic, not the story around it);
- whether every topic they do not cover (eval.topic_floor.NOT_COVERED) still gets "the articles
  say nothing about X".

Weight 0 is the selection before topic_weight existed: the overview's most central sentences among
those past the floor. A second fact table shows the weights with topic.CARRY at 0 (each sentence's
relevance its own, none inherited from the sentence before). The seed items are tuning data:
choose a weight at which every item reaches its facts, then the lowest at which the covered
topics' passages are at their most on-topic (a lower weight keeps more variety among the picks).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage
from pydantic import PrivateAttr

from eval import metrics as M
from eval.run import ARTICLES, DEFAULT_QUESTIONS, load_questions
from eval.topic_floor import COVERED, NOT_COVERED
from rag import NewsRAG
from rag.config import settings_for
from rag.embed import build_embeddings, embed_matrix
from rag.llm import FakeChat
from rag.summarize import topic
from rag.summarize.topic import nothing_about

WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_PASSAGE = re.compile(r"^\[\d+\] .*?: (.+)$", re.M)  # "[2] inews24, 2024-05-24: text"


class Recorder(FakeChat):
    """FakeChat (restates passage 1, cited) that keeps every passage it was shown."""

    _shown: list[str] = PrivateAttr(default_factory=list)

    def _reply(self, messages: list[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        block = prompt.split("<passages>", 1)[-1].split("</passages>", 1)[0]
        self._shown += _PASSAGE.findall(block)
        return super()._reply(messages)

    def take(self) -> list[str]:
        shown, self._shown = self._shown, []
        return shown


def run_topic(news: NewsRAG, chat: Recorder, topic: str, weight: float) -> tuple[Any, list[str]]:
    news.settings.summary.topic_weight = weight
    chat.take()
    answer = news.summarize("overview", topic=topic)
    return answer, chat.take()


def share(text: str, facts: list[list[str]]) -> float:
    return sum(M.contains_alias(text, g) for g in facts) / len(facts)


def fact_table(
    news: NewsRAG, chat: Recorder, items: list[dict[str, Any]], weights: list[float], text: bool
) -> None:
    """Per item and weight: the share of its required facts in the model's passages (and, with
    `text`, in the stand-in summary)."""
    width = 13 if text else 6  # "  0.67 (1.00)"
    print("weight".ljust(44) + "".join(f"{w:>6.2f}".ljust(width) for w in weights))
    shown_in: dict[float, list[float]] = {w: [] for w in weights}
    said_in: dict[float, list[float]] = {w: [] for w in weights}
    for it in items:
        cells = ""
        for w in weights:
            answer, shown = run_topic(news, chat, it["topic"], w)
            shown_in[w].append(share("\n".join(shown), it["required_facts"]))
            said_in[w].append(share(M.strip_markers(answer.text), it["required_facts"]))
            cells += f"{shown_in[w][-1]:>6.2f}" + (f" ({said_in[w][-1]:.2f})" if text else "")
        print(f"{it['id']} {it['topic']}"[:42].ljust(44) + cells)
    means = [
        f"{np.mean(shown_in[w]):>6.2f}" + (f" ({np.mean(said_in[w]):.2f})" if text else "")
        for w in weights
    ]
    print("mean".ljust(44) + "".join(means))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--weights", type=float, nargs="+", default=WEIGHTS)
    args = p.parse_args(argv)
    items = [
        it
        for it in load_questions(args.questions)
        if it.get("topic") and it.get("answerable", True) and it.get("required_facts")
    ]
    weights: list[float] = args.weights
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for("default", data_dir=Path(tmp))
        embeddings = build_embeddings(settings)
        chat = Recorder()
        news = NewsRAG(settings, embeddings=embeddings, chat_model=chat)
        news.ingest([ARTICLES])
        print("Required facts in the passages handed to the model (in the stand-in summary)")
        fact_table(news, chat, items, weights, text=True)
        carry, topic.CARRY = topic.CARRY, 0.0
        print("\nThe same without the carry (topic.CARRY = 0): each sentence judged alone")
        fact_table(news, chat, items, weights, text=False)
        topic.CARRY = carry
        print("\nMean cosine to the topic of the passages handed to the model")
        print("weight".ljust(44) + "".join(f"{w:>6.2f}" for w in weights))
        for name in COVERED:
            q = embed_matrix(embeddings, [name])[0]
            cells = ""
            for w in weights:
                _, shown = run_topic(news, chat, name, w)
                cos = embed_matrix(embeddings, shown) @ q if shown else np.zeros(1)
                cells += f"{float(cos.mean()):>6.2f}"
            print(name[:42].ljust(44) + cells)
        print("\nTopics the articles do not cover: 'say nothing' at every weight")
        for name in NOT_COVERED:
            said = {run_topic(news, chat, name, w)[0].text for w in weights}
            ok = said == {nothing_about(name)}
            print(name[:42].ljust(44) + ("yes" if ok else "NO: it summarised something"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
