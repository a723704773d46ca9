"""Routing: does a chat message reach the summary it asks for, or the Q&A flow? No LLM involved.

    newsrag eval --routing-only

Reads eval/routing.jsonl (the set the router's classifier is fitted on) and
eval/routing_heldout.jsonl (never used for fitting or for choosing rules): one message a line,
{"text", "route": overview | topic | timeline | compare | question, "topic"?}. Reports, per set,
precision and recall of "summary request" against "question", accuracy per label, the share of
topic requests whose topic is read out exactly (case and a leading "the" aside), and the misses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.summarize.route import LABELS, label_of, route_many

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "fit": ROOT / "eval" / "routing.jsonl",
    "heldout": ROOT / "eval" / "routing_heldout.jsonl",
    "heldout2": ROOT / "eval" / "routing_heldout2.jsonl",
    "fit2": ROOT / "eval" / "routing_more.jsonl",
    "heldout4": ROOT / "eval" / "routing_heldout4.jsonl",
    "fit3": ROOT / "eval" / "routing_fit3.jsonl",
    "heldout6": ROOT / "eval" / "routing_heldout6.jsonl",
    "heldout7": ROOT / "eval" / "routing_heldout7.jsonl",
    "heldout8": ROOT / "eval" / "routing_heldout8.jsonl",
    "heldout9": ROOT / "eval" / "routing_heldout9.jsonl",
    "heldout10": ROOT / "eval" / "routing_heldout10.jsonl",
}
TARGET = 0.95  # issue 16: precision and recall of summary routing, each
# What tests/unit/test_route.py holds the pooled held-out sets to: the level measured (precision
# 0.950, recall 0.851 on 800 messages, with heldout6-10 written blind), not the target, which blind
# sets show is not met.
FLOOR = 0.84


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]  # fmt: skip


def _same_topic(a: str | None, b: str | None) -> bool:
    def norm(t: str | None) -> str:
        t = " ".join((t or "").lower().split())
        return t.removeprefix("the ")

    return norm(a) == norm(b)


def score(rows: list[dict[str, Any]], embeddings: Embeddings | None) -> dict[str, Any]:
    """Precision/recall of summary-vs-question, per-label accuracy, topic exactness, misses."""
    found = route_many([r["text"] for r in rows], embeddings)
    tp = fp = fn = 0
    per: dict[str, list[int]] = {k: [0, 0] for k in LABELS}
    topics = [0, 0]
    misses = []
    for r, got in zip(rows, found, strict=True):
        gold, pred = r["route"], label_of(got)
        is_gold, is_pred = gold != "question", pred != "question"
        tp += is_gold and is_pred
        fp += is_pred and not is_gold
        fn += is_gold and not is_pred
        per[gold][1] += 1
        topic = got.topic if got else None
        right = pred == gold and (gold != "topic" or _same_topic(topic, r.get("topic")))
        per[gold][0] += pred == gold
        if gold == "topic":
            topics[1] += 1
            topics[0] += right
        if not right:
            misses.append(
                {
                    "text": r["text"],
                    "gold": gold,
                    "got": pred,
                    "topic": topic,
                    "gold_topic": r.get("topic"),
                }
            )
    return {
        "messages": len(rows),
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
        "accuracy": {k: round(v[0] / v[1], 4) for k, v in per.items() if v[1]},
        "topic_exact": round(topics[0] / topics[1], 4) if topics[1] else None,
        "misses": misses,
    }


def run(embeddings: Embeddings | None, realtimeqa: Path | None = None) -> dict[str, Any]:
    """Every set, scored with this embedder (the MiniLM one: the classifier needs it); with
    `realtimeqa` (the shared realtimeqa/2023 folder), its quiz questions too."""
    out = {name: score(load(path), embeddings) for name, path in SETS.items()}
    held = [row for name, path in SETS.items() if name.startswith("heldout") for row in load(path)]
    pooled = score(held, embeddings)
    pooled["misses"] = []  # listed under their own sets
    out["held-out, pooled"] = pooled
    if realtimeqa is not None and realtimeqa.is_dir():
        out.update(quiz_questions(realtimeqa, embeddings))
    return out


def quiz_questions(folder: Path, embeddings: Embeddings | None) -> dict[str, Any]:
    """RealTimeQA questions are all questions: a summary for one of them is a false route.
    Tune weeks (January-June) and report weeks apart: the cue words were checked on the former."""
    out: dict[str, Any] = {}
    for name, keep in (("rtqa-tune", lambda w: w < "20230701"),
                       ("rtqa-report", lambda w: w >= "20230701")):  # fmt: skip
        rows = []
        for path in sorted(folder.glob("*_qa.jsonl")):
            if keep(path.name[:8]):
                rows += [{"text": r["question_sentence"], "route": "question"} for r in load(path)]
        if rows:
            found = score(rows, embeddings)
            found["misses"] = found["misses"][:10]
            out[name] = found
    return out


def table(result: dict[str, Any]) -> str:
    """A markdown table of both sets, and each set's misses."""
    out = [
        f"## Routing (target: precision and recall >= {TARGET})",
        "",
        "| set | messages | precision | recall | overview | topic | timeline | compare | "
        "question | topic read exactly |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result.items():
        acc = s["accuracy"]
        if not any(k != "question" for k in acc):  # questions only: how many stay questions
            out.append(f"| {name} | {s['messages']} | - | - | - | - | - | - | "
                       f"{acc['question']:.3f} | - |")  # fmt: skip
            continue
        cells = " | ".join(f"{acc[k]:.2f}" if k in acc else "-" for k in LABELS)
        topic = "-" if s["topic_exact"] is None else f"{s['topic_exact']:.2f}"
        out.append(f"| {name} | {s['messages']} | {s['precision']:.3f} | {s['recall']:.3f} | "
                   f"{cells} | {topic} |")  # fmt: skip
    out += [
        "",
        "fit, fit2: the classifier is fitted on them (in-sample; fit2 was written blind and "
        "measured once as held-out first). heldout: written with fit, before the router; "
        'measured once, then one cue bug it showed was fixed ("agreement" counted as a '
        "comparison word). heldout2: written after that. heldout4: written blind, measured to "
        "choose between three routers (see eval/README.md). fit3: written blind, measured once "
        "as heldout5, then fitted on. heldout6-8: written blind, each measured once (the topic "
        "reading was changed after heldout6 and heldout7; see eval/README.md). heldout9-10: "
        "written blind with hard phrasings asked for, measured once on the shipped router and "
        "once on a candidate that was not shipped. rtqa: RealTimeQA "
        "quiz questions, all "
        "questions (question column: the share routed as one).",
    ]
    for name, s in result.items():
        if s["misses"]:
            out += ["", f"Misrouted ({name}):"]
            out += [f"- “{m['text']}”: {m['gold']}"
                    + (f" ({m['gold_topic']})" if m["gold_topic"] else "")
                    + f" → {m['got']}" + (f" ({m['topic']})" if m["topic"] else "")
                    for m in s["misses"]]  # fmt: skip
    return "\n".join(out)


def report_only(
    settings: Settings, out: Path, config: dict[str, Any], realtimeqa: Path | None = None
) -> int:
    """`newsrag eval --routing-only`: the sets with the settings' embedder, a report in `out`."""
    from eval.report import write_report
    from rag.embed import build_embeddings

    config = {**config, "embedder": settings.embed.backend}
    print(write_report(out, config, [], None, run(build_embeddings(settings), realtimeqa)))
    print(f"report: {out}")
    return 0
