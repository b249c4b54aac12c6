"""Follow-up questions without an LLM: recognise them and rewrite them into standalone queries.

A follow-up leans on what was asked before: it opens with "and" or "what about",
points back with a pronoun ("it", "them", "that priority"), or is too short to
stand alone. Its query is the question followed by the earlier questions of the
conversation (most recent first), so both the lexical and the dense side see the
subject the user is still talking about. A self-contained question is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.index.lexical import analyse

_OPENERS = re.compile(r"^\s*(?:and|also|but|so|then|what about|how about|what of)\b", re.IGNORECASE)
_BACK_REFERENCES = frozenset(
    "it its it's they them their theirs this that these those he she him her his "
    "former latter same one ones such".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
MIN_STANDALONE_TERMS = 3
MAX_EARLIER = 2


def is_follow_up(question: str) -> bool:
    """Whether a question only makes sense together with the earlier ones."""
    if _OPENERS.match(question):
        return True
    words = {w.lower().strip("'") for w in _WORD.findall(question)}
    if words & _BACK_REFERENCES:
        return True
    return len(analyse(question)) < MIN_STANDALONE_TERMS


def rewrite(question: str, earlier: Sequence[str]) -> str:
    """The query to search for `question`, given the earlier questions (oldest first).

    A follow-up is joined with the last two earlier questions, newest first, so
    that the subject of the conversation is searched for too.
    """
    question = " ".join(question.split())
    earlier = [" ".join(q.split()) for q in earlier if q.strip()]
    if not earlier or not is_follow_up(question):
        return question
    context = list(reversed(earlier[-MAX_EARLIER:]))
    for preposition, _ in _SLOTS.findall(question):
        # "And in Thailand?" after "... in the Philippines?": the new place takes the old one's slot
        context = [_drop_slot(q, preposition) for q in context]
    return " ".join([question, *context])


_SLOTS = re.compile(r"\b(in|for|at|about|on|from|of|with|by)\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")


def _drop_slot(text: str, preposition: str) -> str:
    """Remove the capitalised name that follows `preposition` in an earlier question."""
    pattern = rf"\b{preposition}\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*"
    return " ".join(re.sub(pattern, preposition, text).split())
