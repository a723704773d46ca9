"""One answer-or-abstain decision: a calibrated probability that a verified draft is right.

The inputs are measured, not ruled on: how well the passages match the question, how sure the
model was of its own words (token log-probabilities), how well the cited passages support the
answer, whether the answer holds the kind of thing asked for, and whether the cited passages name
what the question is about. A logistic regression fitted on RealTimeQA 2023 January-June weeks
(answerable questions, and the same questions asked of another week's store, where nothing
answers them) turns them into one probability. Its coefficients and the operating threshold live
in `rag/calibration/decision.json`, written by `rag/calibration/fit.py`; see eval/README.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.cite import Verified, strip_markers
from rag.focus import addresses
from rag.retrieve import answer_type_match
from rag.schema import Evidence

CALIBRATION = Path(__file__).with_name("calibration") / "decision.json"

# The features, in the order the coefficients use. Each is described in eval/README.md.
FEATURES = (
    "top_score",  # best evidence relevance (0..1)
    "score_gap",  # best minus second-best evidence relevance: one passage stands out
    "cited_score",  # best relevance among the passages the answer cites
    "support",  # lowest citation-check score among the kept answer sentences
    "kept_share",  # share of the draft's sentences that survived the citation check
    "logprob_mean",  # mean token log-probability of the draft
    "logprob_min",  # lowest token log-probability of the draft
    "type_fit",  # the answer holds the kind of thing asked for (1), cannot (0), unknown (0.5)
    "focus",  # the cited passages name what the question is about
)


@dataclass(frozen=True)
class Calibration:
    """Logistic regression over standardised FEATURES, and the threshold to answer at."""

    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]  # also the value used for a missing feature (no log-probabilities)
    scale: tuple[float, ...]
    threshold: float
    info: dict[str, Any]

    def probability(self, features: dict[str, float | None]) -> float:
        z = self.intercept
        for name, w, mu, sd in zip(FEATURES, self.coef, self.mean, self.scale, strict=True):
            value = features.get(name)
            x = mu if value is None or math.isnan(value) else float(value)
            z += w * (x - mu) / (sd or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        if list(data["features"]) != list(FEATURES):
            raise ValueError(
                f"calibration features {data['features']} do not match {list(FEATURES)}: "
                "refit with rag/calibration/fit.py"
            )
        return cls(
            tuple(map(float, data["coef"])),
            float(data["intercept"]),
            tuple(map(float, data["mean"])),
            tuple(map(float, data["scale"])),
            float(data["threshold"]),
            dict(data.get("info") or {}),
        )


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION) -> Calibration:
    return Calibration.from_json(json.loads(path.read_text(encoding="utf-8")))


def token_logprobs(metadata: dict[str, Any]) -> list[float]:
    """Token log-probabilities from a chat chunk's response metadata, in the OpenAI shape
    ({"logprobs": {"content": [{"token", "logprob"}, ...]}}), which llama.cpp, llama-server, vLLM
    and OpenAI all return. Empty when the backend gives none."""
    lp = metadata.get("logprobs") if metadata else None
    if not isinstance(lp, dict):
        return []
    values: list[Any]
    if isinstance(lp.get("content"), list):
        values = [item.get("logprob") for item in lp["content"] if isinstance(item, dict)]
    else:  # the completion shape llama-cpp-python streams: {"tokens", "token_logprobs", ...}
        values = list(lp.get("token_logprobs") or [])
    return [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]


def features(
    question: str,
    evidence: Sequence[Evidence],
    verified: Verified,
    logprobs: Sequence[float],
) -> dict[str, float | None]:
    scores = sorted((e.score for e in evidence), reverse=True)
    top = scores[0] if scores else 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    by_n = {e.n: e for e in evidence}
    cited = [by_n[n] for c in verified.checks if c.supported for n in c.cited if n in by_n]
    kept = [c for c in verified.checks if c.supported]
    answer = strip_markers(verified.text) if not verified.abstained else ""
    return {
        "top_score": top,
        "score_gap": top - second,
        "cited_score": max((e.score for e in cited), default=0.0),
        "support": min((c.score for c in kept), default=0.0),
        "kept_share": len(kept) / len(verified.checks) if verified.checks else 0.0,
        "logprob_mean": sum(logprobs) / len(logprobs) if logprobs else None,
        "logprob_min": min(logprobs) if logprobs else None,
        "type_fit": answer_type_match(question, answer),
        "focus": float(bool(cited) and addresses(question, [e.quote for e in cited])),
    }
