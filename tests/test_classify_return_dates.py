"""Return dates in out-of-office notices (sequences_core/feedback/return_dates.py): pure, no DB.

"until X" means back X + 1 day and "back on X" means X, in every language's own words and
month names (Babel's, as a writer would spell them); a date without a year is the next such
day on or after the message's Date:; an ambiguous numeric date is left out.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel import Locale
from hypothesis import given, settings
from hypothesis import strategies as st

from sequences_core.feedback.languages import LANGUAGES
from sequences_core.feedback.return_dates import return_date

# How writers of each language put a return day and a last day away (test data, not rules).
BACK = {
    "en": "I'll be back in the office on",
    "de": "Ab dem {date} bin ich wieder im Büro.|",
    "fr": "Je serai de retour le",
    "es": "Estaré de vuelta el",
    "pt": "Estarei de volta em",
    "it": "Rientro in ufficio il",
    "nl": "Ik ben weer terug op",
    "pl": "Wracam do biura",
    "sv": "Jag är tillbaka den",
    "da": "Jeg er tilbage på kontoret den",
    "no": "Jeg er tilbake",
    "fi": "Palaan toimistolle",
    "cs": "Vrátím se",
}
UNTIL = {
    "en": "I am out of the office until",
    "de": "Ich bin bis zum",
    "fr": "Je suis absent jusqu'au",
    "es": "Estoy fuera de la oficina hasta el",
    "pt": "Estou de férias até",
    "it": "Sono in ferie fino al",
    "nl": "Ik ben met vakantie tot en met",
    "pl": "Jestem na urlopie do",
    "sv": "Jag är ledig till och med",
    "da": "Jeg holder ferie til og med",
    "no": "Jeg er på ferie til og med",
    "fi": "Olen lomalla {date} asti.|",
    "cs": "Jsem na dovolené do",
}
# How a day and its month are written ("3. November", "3 de noviembre", "3 novembre").
DAY_DOT = {"de", "da", "no", "fi", "cs"}
DE_JOIN = {"es", "pt"}
SENT = st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31))


def written(lang: str, day: date, with_year: bool) -> str:
    """The day as a writer of this language spells it, with Babel's month name."""
    month = Locale.parse(LANGUAGES[lang].locale).months["format"]["wide"][day.month]
    if lang in DAY_DOT:
        text = f"{day.day}. {month}"
    elif lang in DE_JOIN:
        text = f"{day.day} de {month}"
    else:
        text = f"{day.day} {month}"
    if with_year:
        text += f" de {day.year}" if lang in DE_JOIN else f" {day.year}"
    return text


def sentence(template: str, when: str) -> str:
    if "{date}" in template:
        return template.split("|")[0].format(date=when)
    return f"{template} {when}."


@settings(max_examples=150, deadline=None)
@given(
    lang=st.sampled_from(sorted(LANGUAGES)),
    sent=SENT,
    ahead=st.integers(min_value=1, max_value=300),
    with_year=st.booleans(),
    until=st.booleans(),
)
def test_until_is_the_day_after_and_back_is_the_day(lang, sent, ahead, with_year, until):
    named = sent + timedelta(days=ahead)
    template = (UNTIL if until else BACK)[lang]
    text = f"Thanks. {sentence(template, written(lang, named, with_year))} Regards"
    found = return_date(text, {lang}, sent)
    assert found is not None, text
    assert found.day == named + timedelta(days=1 if until else 0), (text, found)
    assert found.rule == ("until" if until else "back")


@settings(max_examples=100, deadline=None)
@given(sent=SENT, month=st.integers(1, 12), day=st.integers(1, 28))
def test_a_date_without_a_year_is_the_next_one_on_or_after_the_message(sent, month, day):
    found = return_date(f"I'll be back on {day} {date(2000, month, 1):%B}.", {"en"}, sent)
    assert found is not None
    assert found.day >= sent and (found.day.month, found.day.day) == (month, day)
    assert found.day - sent < timedelta(days=366)


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("I'm away until Mon 3rd Nov with limited access to email.", {"en"}, date(2026, 11, 4)),
        ("Back on Monday, November 9th.", {"en"}, date(2026, 11, 9)),
        ("Ich bin bis 13.11. nicht im Büro.", {"de"}, date(2026, 11, 14)),
        ("Ab dem 17.11.2026 bin ich wieder erreichbar.", {"de"}, date(2026, 11, 17)),
        ("Ik ben tot en met 18-11-2026 met vakantie.", {"nl"}, date(2026, 11, 19)),
        ("w biurze będę ponownie 16.11.2026", {"pl"}, date(2026, 11, 16)),
        (
            "Sono fuori ufficio dal 2 al 13 novembre, rientro il 16 novembre.",
            {"it"},
            date(2026, 11, 16),
        ),
        ("Je suis absent du 3 au 10 novembre.", {"fr"}, date(2026, 11, 11)),
        # Bilingual: the leave's first day is not the return.
        (
            "Abwesend vom 2. November. Out of office from 2 November, back on 16 November.",
            {"de", "en"},
            date(2026, 11, 16),
        ),
        ("until 12 November. I'll get back to you after that", {"en"}, date(2026, 11, 13)),
    ],
)
def test_forms_of_return(text, languages, expected):
    found = return_date(text, languages, date(2026, 11, 1))
    assert found is not None and found.day == expected, found


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("I'm out of the office until 03/04.", {"en"}),  # 3 April or March 4: not guessed
        ("I'm on leave from 3 November.", {"en"}),  # the first day away, no return named
        ("Back at 9.30.", {"en"}),  # a time of day
        ("Call me on 030 1234 567.", {"de"}),
    ],
)
def test_no_return_date_is_guessed(text, languages):
    assert return_date(text, languages, date(2026, 11, 1)) is None


def test_numeric_dates_follow_the_language_order():
    sent = date(2026, 1, 1)
    assert return_date("de retour le 03/04/2026", {"fr"}, sent).day == date(2026, 4, 3)
    assert return_date("back on 13/04/2026", {"en"}, sent).day == date(2026, 4, 13)


@settings(max_examples=100, deadline=None)
@given(lang=st.sampled_from(sorted(LANGUAGES)), sent=SENT, weekday=st.integers(0, 6))
def test_a_weekday_alone_is_the_next_such_day_after_the_message(lang, sent, weekday):
    name = Locale.parse(LANGUAGES[lang].locale).days["format"]["wide"][weekday]
    text = sentence(BACK[lang], name)
    found = return_date(text, {lang}, sent)
    assert found is not None, text
    assert found.day.weekday() == weekday and timedelta(0) < found.day - sent <= timedelta(7)


def test_an_ordinal_day_alone_is_the_next_such_day():
    sent = date(2026, 11, 20)
    assert return_date("I will return on the 3rd.", {"en"}, sent).day == date(2026, 12, 3)
    assert return_date("Out until the 23rd.", {"en"}, sent).day == date(2026, 11, 24)
    monday = return_date("Back on Monday, 23rd November.", {"en"}, sent)
    assert monday.day == date(2026, 11, 23) and "November" in monday.words


def test_tomorrow_is_the_day_after_the_message():
    for text, lang in [
        ("Back tomorrow.", "en"),
        ("Ab morgen wieder im Büro.", "de"),
        ("Wracam jutro.", "pl"),
    ]:
        found = return_date(text, {lang}, date(2026, 12, 10))
        assert found is not None and found.day == date(2026, 12, 11), text
