"""The language tables (languages.py) compiled into one matcher per kind of phrase.

A match says which language's phrase it was and the words it matched, so every rule can name
the words that decided it. Each kind's phrases, all languages together, are grouped by the
letter they can start with: at each word the search then tries one letter's phrases, not all
four hundred. Matchers are built on first use and kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from sequences_core.feedback.languages import LANGUAGES, Language

# Every phrase is matched without accents on both sides (the tables' words and the text):
# mobile replies and some mail systems drop them ("nao quero receber", "zpet v kancelari od",
# "desinscrivez-moi"), and a typing slip is then one letter, not two.


def _bare(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return char


# Latin letters with accents (U+00C0 to U+024F) to their bare letter, one for one.
_ACCENTLESS = {c: _bare(chr(c)) for c in range(0xC0, 0x250) if _bare(chr(c)) != chr(c)}


def spelt(phrase: str) -> str:
    """A table's phrase as a pattern for text read by `plain`: without accents, and "ß" also
    written "ss" (Swiss German, and keyboards without it: "einschliesslich")."""
    return plain(phrase).replace("ß", "(?:ß|ss)")


def plain(text: str) -> str:
    """The text without accents, letter for letter: the same length, so a span found in it is
    the same span in the text as written."""
    return text.translate(_ACCENTLESS)


# Phrase kinds whose words are short and common ("ab", "do", "til"): only whole words count.
_WHOLE_WORDS = frozenset({"back", "until", "until_after", "addressee"})
# Phrase kinds the tables give as stems: a word matches when it starts with one ("regres" is
# regreso, regresaré, regresamos), whatever its ending.
_STEMS = frozenset({"returning", "available"})


@dataclass(frozen=True)
class Hit:
    """One phrase found: its language, the words as written, and where."""

    language: str
    words: str
    start: int
    end: int


@dataclass(frozen=True)
class Matcher:
    """All languages' phrases of one kind: one search pattern, and each phrase to tell which
    language a match came from (longest phrase first, so "til og med" wins over "til")."""

    pattern: re.Pattern[str]
    phrases: tuple[tuple[str, str], ...]

    def language(self, text: str, found: re.Match[str]) -> str:
        """The language of the longest phrase that matched (phrases compile only here, on a
        hit: compiling all four hundred up front was most of a process's first message)."""
        for code, phrase in self.phrases:
            again = re.compile(phrase, re.IGNORECASE).match(text, found.start())
            if again is not None and again.end() == found.end():
                return code
        return next(
            code
            for code, phrase in self.phrases
            if re.compile(phrase, re.IGNORECASE).match(text, found.start())
        )


def _group_end(pattern: str) -> int:
    """Where the group that opens `pattern` closes (-1 when it does not)."""
    depth, escaped = 0, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _alternatives(body: str) -> list[str]:
    """The top-level alternatives of a group's body."""
    parts, depth, start, escaped = [], 0, 0, False
    for index, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    return [*parts, body[start:]]


def first_letters(pattern: str) -> frozenset[str] | None:
    """The letters a phrase can start with (None when it is not that simple, e.g. "\\w*ledig")."""
    pattern = pattern.removeprefix(r"\b")
    if pattern[:1].isalpha():
        return frozenset({pattern[0].lower()})
    end = _group_end(pattern) if pattern.startswith("(") else -1
    if end < 0 or (pattern.startswith("(?") and not pattern.startswith("(?:")):
        return None
    body = pattern[1:end].removeprefix("?:")
    letters: set[str] = set()
    for alternative in _alternatives(body):
        found = first_letters(alternative) if alternative else None
        if found is None:
            return None
        letters |= found
    if pattern[end + 1 : end + 2] in ("?", "*"):  # an optional group: what follows may start
        rest = first_letters(pattern[end + 2 :])
        if rest is None:
            return None
        letters |= rest
    return frozenset(letters)


def _search_pattern(kind: str, phrases: list[tuple[str, str]]) -> re.Pattern[str]:
    buckets: dict[str, list[str]] = defaultdict(list)
    others: list[str] = []
    for _code, phrase in phrases:
        if kind in _STEMS:
            body = rf"(?:{phrase})\w*"
        elif kind in _WHOLE_WORDS:
            body = rf"(?:{phrase})(?!\w)"
        else:
            body = f"(?:{phrase})"
        letters = first_letters(phrase)
        if letters is not None and len(letters) == 1:
            buckets[next(iter(letters))].append(body)
        elif letters is not None:  # its own look-ahead, not a copy in each letter's group
            others.append(f"(?=[{re.escape(''.join(sorted(letters)))}]){body}")
        else:
            others.append(body)
    branches = [f"(?={re.escape(k)})(?:{'|'.join(v)})" for k, v in sorted(buckets.items())]
    branches += others
    return re.compile(rf"(?<!\w)(?=\w)(?:{'|'.join(branches)})", re.IGNORECASE)


def _least_length(pattern: str) -> int:
    """About the fewest characters a phrase matches ("bis( zum)?" is 3, "bis und mit" 11)."""
    while (shorter := re.sub(r"\([^()]*\)[?*]", "", pattern)) != pattern:
        pattern = shorter
    return len(re.sub(r"\\[bwsd]|[()?*+|\[\]\\]", "", pattern))


@cache
def matcher(kind: str) -> Matcher | None:
    """The matcher for this kind of phrase (None when no language has one)."""
    written = [(t.code, p) for t in LANGUAGES.values() for p in getattr(t, kind)]
    if not written:
        return None
    written.sort(key=lambda item: _least_length(item[1]), reverse=True)  # as the table has it
    phrases = [(code, spelt(p)) for code, p in written]
    return Matcher(_search_pattern(kind, phrases), tuple(phrases))


def normalise(text: str) -> str:
    """Lower case, one space between words: the form every phrase is matched on."""
    return " ".join(text.split()).lower()


def hits(kind: str, text: str) -> Iterator[Hit]:
    """Every phrase of this kind in `text`, in order, whichever language it is from."""
    found_by = matcher(kind)
    if found_by is None:
        return
    searched = plain(text)
    for found in found_by.pattern.finditer(searched):
        start, end = found.span()
        yield Hit(found_by.language(searched, found), text[start:end], start, end)


def first(kind: str, text: str) -> Hit | None:
    """The first phrase of this kind in `text`, if any."""
    return next(hits(kind, text), None)


def at_start(kind: str, text: str) -> Hit | None:
    """A phrase of this kind that `text` starts with (an automatic-reply subject)."""
    found_by = matcher(kind)
    searched = plain(text)
    found = found_by.pattern.match(searched) if found_by is not None else None
    if found_by is None or found is None:
        return None
    start, end = found.span()
    return Hit(found_by.language(searched, found), text[start:end], start, end)


def alone(text: str) -> Hit | None:
    """The whole reply is one of the languages' one-word opt-outs ("STOP", "Abmelden")."""
    bare = plain(normalise(re.sub(r"[^\w' ]+", " ", text)))
    found_by = matcher("optout_alone")
    if found_by is None or len(bare) >= 40:
        return None
    found = found_by.pattern.fullmatch(bare)
    if found is None:
        return None
    return Hit(found_by.language(bare, found), bare, 0, len(bare))


def tables(codes: set[str] | None = None) -> list[Language]:
    """The language tables for these codes (all of them when None or empty)."""
    if not codes:
        return list(LANGUAGES.values())
    return [LANGUAGES[code] for code in LANGUAGES if code in codes]
