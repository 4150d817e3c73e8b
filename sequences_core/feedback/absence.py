"""Is this an absence notice (out of office) or a departure notice (left the company)?

Automatic headers or an automatic-reply subject make any one sign enough: absence wording,
something only notices say (limited access to mail, whom to contact in urgent cases, an answer
on return) or a return day. Without them (a plain "Re:"/"AW:"/"SV:" subject, no Auto-Submitted)
it takes two of the three; "I was on holiday last week, sorry" is a person's reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sequences_core.feedback import patterns
from sequences_core.feedback.return_dates import ReturnDate, return_date


@dataclass(frozen=True)
class Absence:
    """What the notice says, the words that said it, and its languages."""

    rule: str
    words: tuple[str, ...]
    languages: frozenset[str]
    returns: ReturnDate | None = None


def auto_subject(subject: str) -> patterns.Hit | None:
    """An automatic-reply subject ("Automatic reply:", "Abwesenheitsnotiz", "Autosvar")."""
    return patterns.at_start("auto_subjects", subject.strip())


def acknowledgement(text: str) -> patterns.Hit | None:
    """A ticket system's or shared mailbox's receipt ("we have received your message")."""
    return patterns.first("acknowledgement", text)


def left_company(text: str) -> patterns.Hit | None:
    """The writer (or the mailbox's owner) has left."""
    return patterns.first("left_company", text)


def _languages(*found: patterns.Hit | None) -> frozenset[str]:
    return frozenset(hit.language for hit in found if hit is not None)


def out_of_office(text: str, subject: str, automatic: bool, sent: date) -> Absence | None:
    """An out-of-office notice, with its return day when it names one."""
    every = list(patterns.hits("absence", text))
    said = every[0] if every else None
    titled = auto_subject(subject)
    automatic = automatic or titled is not None
    in_subject = patterns.first("absence", subject) if automatic else None
    notice = patterns.first("notice", text)
    if said is None and in_subject is None and notice is None and not automatic:
        return None
    languages = _languages(titled, in_subject, notice, *every)
    if not languages:  # no absence words: the return words tell the language
        languages = frozenset(hit.language for hit in patterns.hits("back", text))
    returns = return_date(text, languages, sent)
    signs = sum(x is not None for x in (said or in_subject, notice, returns))
    if automatic and signs >= 1:
        rule = "out of office (automatic)"
    elif signs >= 2:
        rule = "out of office (no automatic markers: away, notice wording, a return day)"
    else:
        return None
    words = tuple(hit.words for hit in (said, in_subject, notice) if hit is not None)
    return Absence(rule, words, languages or frozenset({"en"}), returns)
