"""Does the lead ask to stop being mailed, however phrased and in whichever language?

Read on the lead's own new text only (quotes.new_text): the quoted original carries our
unsubscribe wording and footers say "if you no longer wish to receive" to every reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sequences_core.feedback import patterns
from sequences_core.feedback.languages import LANGUAGES


@dataclass(frozen=True)
class OptOut:
    """The words that asked, and their language."""

    rule: str
    words: str
    language: str


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end]."""
    left = max(text.rfind(mark, 0, start) for mark in ".!?\n")
    rights = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left + 1 : right]


def _turned_round(text: str, hit: patterns.Hit) -> bool:
    """A negation right before the phrase ("please don't remove me"), or a question with no
    first-person word ("does it stop if someone unsubscribes?")."""
    before = text[max(0, hit.start - 30) : hit.start]
    tail = re.split(r"[.,;:!?\n]", before)[-1]
    if re.search(rf"(?<!\w)(?:{_negations()})\W*(\w+\W+)?$", tail, re.IGNORECASE):
        return True
    sentence = _sentence(text, hit.start, hit.end)
    if not (sentence.rstrip().endswith("?") or "¿" in sentence):
        return False
    words = set(re.findall(r"\w+", sentence.lower()))
    return not words & _self_words()


@cache
def _negations() -> str:
    return "|".join(n for table in LANGUAGES.values() for n in table.negations)


@cache
def _self_words() -> frozenset[str]:
    return frozenset(w for table in LANGUAGES.values() for w in table.self_words)


def opt_out(own_text: str, subject: str = "") -> OptOut | None:
    """The opt-out request in the lead's own words (or, with no words, in the subject)."""
    whole = patterns.alone(own_text)
    if whole is not None:
        return OptOut("opt-out (the whole reply)", whole.words, whole.language)
    if not own_text.strip():  # an empty reply: what its subject says ("unsubscribe Re: …")
        titled = patterns.at_start("optout_alone", subject) or patterns.first("optout", subject)
        if titled is not None and not subject[titled.end : titled.end + 1].isalnum():
            return OptOut("opt-out (the subject of an empty reply)", titled.words, titled.language)
    for found in patterns.hits("optout", own_text):
        if not _turned_round(own_text, found):
            return OptOut("opt-out request", found.words, found.language)
    return None
