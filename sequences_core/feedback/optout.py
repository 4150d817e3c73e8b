"""Does the lead ask to stop being mailed, however phrased and in whichever language?

Read on the lead's own new text only (quotes.new_text): the quoted original carries our
unsubscribe wording and footers say "if you no longer wish to receive" to every reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from sequences_core.feedback import patterns


@dataclass(frozen=True)
class OptOut:
    """The words that asked, and their language."""

    rule: str
    words: str
    language: str


def opt_out(own_text: str) -> OptOut | None:
    """The opt-out request in the lead's own words, if there is one."""
    whole = patterns.alone(own_text)
    if whole is not None:
        return OptOut("opt-out (the whole reply)", whole.words, whole.language)
    found = patterns.first("optout", own_text)
    if found is not None:
        return OptOut("opt-out request", found.words, found.language)
    return None
