"""What the reliability clients send: search texts and conversation scripts."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from bench.common.queries import dev_questions

FOLLOW_UPS = (
    "And in Thailand?",
    "What about Kyrgyzstan?",
    "When was it carried out?",
    "What came out of it?",
    "And in Viet Nam?",
    "Which of them is listed first?",
)
CHECK_FOLLOW_UP = "And in Thailand?"


def question_texts(dev: Path, scifact_queries: Path) -> list[str]:
    """Distinct search texts: every dev question (turns included) and every SciFact query."""
    seen: set[str] = set()
    texts: list[str] = []
    scifact = [str(json.loads(line)["text"]) for line in scifact_queries.read_text("utf-8").splitlines() if line]
    for text in [*dev_questions(dev), *scifact]:
        key = " ".join(text.casefold().split())
        if key and key not in seen and len(text) <= 1000:
            seen.add(key)
            texts.append(" ".join(text.split()))
    return texts


def conversation_scripts(dev: Path, texts: Sequence[str], count: int = 300, seed: int = 7) -> list[tuple[str, ...]]:
    """The dev set's conversations, and `count` more: a question followed by one or two follow-ups."""
    scripts: list[tuple[str, ...]] = []
    for line in dev.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("turns"):
                scripts.append(tuple(str(t["question"]) for t in row["turns"]))
    rng = random.Random(seed)
    for _ in range(count):
        scripts.append((rng.choice(texts), *rng.sample(FOLLOW_UPS, rng.choice((1, 2)))))
    return scripts
