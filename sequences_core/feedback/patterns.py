"""The language tables (languages.py) compiled into one matcher per kind of phrase.

A match says which language's phrase it was and the words it matched, so every rule can name
the words that decided it. Matchers are built on first use and kept: building all of them
costs a few milliseconds once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from sequences_core.feedback.languages import LANGUAGES, Language

# Phrase kinds whose words are short and common ("ab", "do", "til"): only whole words count.
_WHOLE_WORDS = frozenset({"back", "until", "until_after"})


@dataclass(frozen=True)
class Hit:
    """One phrase found: its language, the words as written, and where."""

    language: str
    words: str
    start: int
    end: int


def normalise(text: str) -> str:
    """Lower case, one space between words: the form every phrase is matched on."""
    return " ".join(text.split()).lower()


@cache
def matcher(kind: str) -> re.Pattern[str] | None:
    """One pattern for this kind of phrase, a named group per phrase ("de_3"), the longest
    phrases first so that "til og med" wins over "til" whichever language lists which."""
    phrases = [
        (f"{table.code}_{index}", phrase)
        for table in LANGUAGES.values()
        for index, phrase in enumerate(getattr(table, kind))
    ]
    if not phrases:
        return None
    phrases.sort(key=lambda item: len(item[1]), reverse=True)
    if kind in _WHOLE_WORDS:
        groups = [rf"(?P<{name}>(?<!\w)(?:{p})(?!\w))" for name, p in phrases]
    else:
        groups = [f"(?P<{name}>{p})" for name, p in phrases]
    return re.compile("|".join(groups), re.IGNORECASE)


def _language(found: re.Match[str]) -> str:
    return (found.lastgroup or "").rsplit("_", 1)[0]


def hits(kind: str, text: str) -> Iterator[Hit]:
    """Every phrase of this kind in `text`, in order, whichever language it is from."""
    pattern = matcher(kind)
    if pattern is None:
        return
    for found in pattern.finditer(text):
        yield Hit(_language(found), found.group(0), found.start(), found.end())


def first(kind: str, text: str) -> Hit | None:
    """The first phrase of this kind in `text`, if any."""
    return next(hits(kind, text), None)


def alone(text: str) -> Hit | None:
    """The whole reply is one of the languages' one-word opt-outs ("STOP", "Abmelden")."""
    bare = normalise(re.sub(r"[^\w' ]+", " ", text))
    pattern = matcher("optout_alone")
    found = pattern.fullmatch(bare) if pattern is not None and len(bare) < 40 else None
    if found is None:
        return None
    return Hit(_language(found), bare, 0, len(bare))


def tables(codes: set[str] | None = None) -> list[Language]:
    """The language tables for these codes (all of them when None or empty)."""
    if not codes:
        return list(LANGUAGES.values())
    return [LANGUAGES[code] for code in LANGUAGES if code in codes]
