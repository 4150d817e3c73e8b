"""The language tables compiled into matchers (sequences_core/feedback/patterns.py): pure.

The search pattern tries only the phrases that can start with the letter at hand; these tests
generate text from every phrase of every table and check the search still finds it, in the
right language, so a table edit cannot silently drop a phrase from the search.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequences_core.feedback import patterns
from sequences_core.feedback.languages import LANGUAGES

KINDS = ("absence", "notice", "back", "until", "optout", "left_company", "acknowledgement",
         "auto_subjects", "returning", "available", "addressee")  # fmt: skip
PHRASES = [
    (kind, table.code, phrase)
    for kind in KINDS
    for table in LANGUAGES.values()
    for phrase in getattr(table, kind)
]


def test_every_language_has_every_rule_s_words():
    for table in LANGUAGES.values():
        for kind in ("absence", "notice", "back", "optout", "optout_alone", "left_company"):
            assert getattr(table, kind), (table.code, kind)
        assert table.until or table.until_after, table.code
        assert table.from_label and table.sent_labels, table.code


@pytest.mark.parametrize(("kind", "code", "phrase"), PHRASES)
def test_every_phrase_compiles_and_knows_its_first_letters(kind, code, phrase):
    re.compile(phrase)
    letters = patterns.first_letters(phrase)
    assert letters is None or all(len(x) == 1 for x in letters)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_text_written_from_any_phrase_is_found(data):
    kind, code, phrase = data.draw(st.sampled_from(PHRASES))
    alphabet = st.characters(codec="utf-8", categories=("Ll", "Zs", "Nd", "Po", "Pd"))
    text = data.draw(st.from_regex(re.compile(phrase, re.IGNORECASE), fullmatch=True,
                                   alphabet=alphabet))  # fmt: skip
    if not text[:1].isalnum() or not text[-1:].isalnum():
        return  # the search starts and ends at word edges; generated edges may be spaces
    hit = patterns.first(kind, text)
    assert hit is not None and hit.start == 0, (phrase, text)
    assert hit.language == code or any(  # tables match without accents ("réintégr", "reintegr")
        re.fullmatch(patterns.plain(p), patterns.plain(hit.words), re.IGNORECASE)
        for p in getattr(LANGUAGES[hit.language], kind)
    )


def test_the_longest_phrase_wins_whatever_language_lists_it():
    hit = patterns.first("until", "ferie til og med 2. januar")
    assert hit is not None and hit.words == "til og med"


def test_a_whole_reply_opt_out_and_not_a_sentence_with_the_word():
    assert patterns.alone("STOP!") is not None
    assert patterns.alone("Abmelden") is not None
    assert patterns.alone("Don't stop now, this is great") is None
