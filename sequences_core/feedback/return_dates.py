"""The day an out-of-office says its writer is back.

Dates are found with month names from Babel's CLDR data for the languages the notice is in
(every case form CLDR has: "listopada", "marraskuuta", "nov."), plus numeric dates in the
language's order. A date counts only when a return word of the tables sits right before it
("back on", "de retour le", "wracam") or right after it ("ab dem 17.11. bin ich wieder da"):
"until X" words mean back the day after X; a day with no such word (the leave's first day,
a date in a signature) is not a return. A date without a year is the next such day on or after
the message's own date. A numeric date that could be read both ways in a language written both
ways (English 03/04) is read in the order the notice's own unambiguous dates show, else the one
the sender's time zone suggests (month first in the Americas); with neither it is left out.
Weekdays alone, "tomorrow" and English ordinal days alone count where no full date is given.

dateparser's ``search_dates`` was tried on the same notices and not used: it is slow to set up
per language, missed "10. november 2026" (nb) and "l'11 novembre", and read "17.11" as a time
of day and "Je" as a date.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sequences_core.feedback import patterns
from sequences_core.feedback.languages import LANGUAGES

# How far apart a return word and its date may be: a few words of article and weekday.
_GAP_WORDS = 5
_SENTENCE_END = re.compile(r"[!?;\n]|\.\s+[A-ZÀ-Þ]")
_ORDINAL = r"(?:st|nd|rd|th|er|re|e|º|°|ª|\.)?"


@dataclass(frozen=True)
class Found:
    """A date in the text and its place."""

    day: date | None  # None when the date is real but ambiguous or impossible
    has_year: bool
    start: int  # where its first number or name starts
    end: int
    loose: bool = False  # a weekday or an ordinal day alone, no month


@dataclass(frozen=True)
class ReturnDate:
    """The return day and the words it was read from."""

    day: date
    words: str
    # "back", or one of NOTICE_CUES (the day named), or "until" (the day after the one named)
    rule: str
    loose: bool = False  # named by a weekday or an ordinal day alone ("back on Monday")


def _plain(word: str) -> str:
    """Lower case without accents, the form month names are compared in."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


@cache
def _months(codes: frozenset[str]) -> dict[str, int]:
    """Every month name (wide and abbreviated, format and stand-alone) of these languages."""
    from babel import Locale

    names: dict[str, int] = {}
    for table in patterns.tables(set(codes)):
        months = Locale.parse(table.locale).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    for form in (name.lower().rstrip("."), _plain(name)):
                        names.setdefault(form, number)
        for name, number in table.extra_months:
            names.setdefault(_plain(name), number)
    return names


@cache
def _named_date(codes: frozenset[str]) -> re.Pattern[str]:
    """Day-month(-year) and month-day(-year) with these languages' month names and joiners."""
    names = sorted(_months(codes), key=len, reverse=True)
    month = rf"(?P<m>{'|'.join(map(re.escape, names))})\.?"
    joiners = {j for t in patterns.tables(set(codes)) for j in t.date_joiners} | {"d'", "l'"}
    join = rf"(?:\s*(?:{'|'.join(map(re.escape, sorted(joiners)))}))?"
    year = r"(?:[,\s/-]*(?:de\s+|del\s+)?(?P<y>\d{4}))?"
    day_first = rf"(?P<d>\d{{1,2}}){_ORDINAL}{join}[\s/-]*{month}{year}"
    month_first = (
        rf"{month.replace('?P<m>', '?P<m2>')}\s+(?P<d2>\d{{1,2}}){_ORDINAL}"
        + year.replace("?P<y>", "?P<y2>")
    )
    return re.compile(rf"(?<![\w])(?:{day_first}|{month_first})(?!\w)", re.IGNORECASE)


_NUMERIC = re.compile(
    r"(?<![\d./-])(?:(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[./]) ?(?P<b>\d{1,2})(?:(?P=sep) ?(?P<y>\d{4}|\d{2}))?(?P<dot>\.)?"
    r"|(?P<da>\d{1,2})-(?P<db>\d{1,2})-(?P<dy>\d{4}))"
    r"(?![\d/]|\.\d)"
)


def _day(year: int | None, month: int, day: int, sent: date) -> date | None:
    """The date, or for a year-less one the next such day on or after `sent`."""
    try:
        if year is not None:
            return date(year + (2000 if year < 100 else 0), month, day)
    except ValueError:
        return None
    for candidate_year in (sent.year, sent.year + 1, sent.year + 4):  # +4: 29 February
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= sent:
            return candidate
    return None


def _named(text: str, codes: frozenset[str], sent: date) -> Iterator[Found]:
    months = _months(codes)
    for found in _named_date(codes).finditer(text):
        g = found.groupdict()
        raw_day, raw_month, raw_year = g["d"] or g["d2"], g["m"] or g["m2"], g["y"] or g["y2"]
        month = months.get(raw_month.lower().rstrip(".")) or months[_plain(raw_month)]
        year = int(raw_year) if raw_year else None
        yield Found(
            _day(year, month, int(raw_day), sent), year is not None, found.start(), found.end()
        )


def _day_month(first: int, second: int, sep: str, order: str) -> tuple[int, int] | None:
    """(day, month) of a numeric date in this order; None when it reads both ways."""
    if sep in ".-" or order == "DMY":
        return first, second
    if order == "MDY":
        return second, first
    if first > 12 >= second or second > 12 >= first:  # only one reading is a date
        return max(first, second), min(first, second)
    return None


def _numeric(text: str, order: str, sent: date) -> Iterator[Found]:
    parts: tuple[int, int, str, int | None]
    for found in _NUMERIC.finditer(text):
        g = found.groupdict()
        if g["iy"]:
            day = _day(int(g["iy"]), int(g["im"]), int(g["id"]), sent)
            yield Found(day, True, found.start(), found.end())
            continue
        if g["da"]:  # day-month-year with dashes: only day-first languages write it
            parts = (int(g["da"]), int(g["db"]), "-", int(g["dy"]))
        elif g["sep"] == "." and not (g["y"] or g["dot"]):
            continue  # "9.30" is a time of day; a day-first date ends in a dot or a year
        else:
            parts = (int(g["a"]), int(g["b"]), g["sep"], int(g["y"]) if g["y"] else None)
        first, second, sep, year = parts
        read = _day_month(first, second, sep, order) if sep != "-" or order == "DMY" else None
        if read is None:
            yield Found(None, year is not None, found.start(), found.end())
        elif 1 <= read[1] <= 12:
            day = _day(year, read[1], read[0], sent)
            yield Found(day, year is not None, found.start(), found.end())


def _order(codes: frozenset[str], text: str, hint: str) -> str:
    """The numeric order these languages agree on; for a language written both ways, the order
    the text's own unambiguous slashed dates show ("12/18/2026" makes "01/04/2027" January),
    else the hint (from the sender's time zone), else "" (an ambiguous date is left out)."""
    orders = {LANGUAGES[c].date_order for c in codes}
    if len(orders) == 1 and (order := orders.pop()):
        return order
    shown = set()
    for found in _NUMERIC.finditer(text):
        if found.group("sep") == "/":
            first, second = int(found.group("a")), int(found.group("b"))
            shown |= {"DMY"} if first > 12 >= second else {"MDY"} if second > 12 >= first else set()
    return shown.pop() if len(shown) == 1 else hint


@cache
def _weekdays(codes: frozenset[str]) -> dict[str, int]:
    """Weekday names (0 = Monday) of these languages, full forms as CLDR writes them."""
    from babel import Locale

    names: dict[str, int] = {}
    for table in patterns.tables(set(codes)):
        days = Locale.parse(table.locale).days
        for context in ("format", "stand-alone"):
            for number, name in days[context]["wide"].items():
                for form in (name.lower(), _plain(name)):
                    names.setdefault(form, number)
    return names


@cache
def _weekday_pattern(codes: frozenset[str]) -> re.Pattern[str]:
    """A weekday alone ("back on Monday", "do středy"): the name, or its stem and a case ending."""
    forms = sorted(_weekdays(codes), key=len, reverse=True)
    stems = [re.escape(f[:-1]) + r"\w{0,3}" if len(f) >= 6 else re.escape(f) for f in forms]
    return re.compile(rf"(?<!\w)(?:{'|'.join(stems)})(?!\w)", re.IGNORECASE)


_DAY_ONLY = re.compile(r"(?<!\w)(?:the\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)(?!\w)", re.IGNORECASE)


def _next_weekday(word: str, codes: frozenset[str], sent: date) -> date | None:
    names = _weekdays(codes)
    lower = word.lower()
    number = names.get(lower)
    if number is None:
        number = next(
            (n for f, n in names.items() if len(f) >= 6 and lower.startswith(f[:-1])), None
        )
    if number is None:
        return None
    return sent + timedelta(days=(number - sent.weekday() - 1) % 7 + 1)


def _next_day_of_month(day: int, sent: date) -> date | None:
    for months_ahead in range(3):
        month = (sent.month - 1 + months_ahead) % 12 + 1
        year = sent.year + (sent.month - 1 + months_ahead) // 12
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= sent:
            return candidate
    return None


@cache
def _tomorrow(codes: frozenset[str]) -> re.Pattern[str]:
    words = [re.escape(patterns.plain(w)) for t in patterns.tables(set(codes)) for w in t.tomorrow]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words) or '(?!)'})(?!\w)", re.IGNORECASE)


def _loose(text: str, codes: frozenset[str], sent: date) -> Iterator[Found]:
    """Weekdays alone, "tomorrow", English ordinal days alone ("until the 13th") and a day of
    the month after a word for it ("el día 15")."""
    for found in _tomorrow(codes).finditer(text):
        yield Found(sent + timedelta(days=1), False, found.start(), found.end(), loose=True)
    for found in _weekday_pattern(codes).finditer(text):
        day = _next_weekday(found.group(0), codes, sent)
        yield Found(day, False, found.start(), found.end(), loose=True)
    for pattern in (_DAY_ONLY if "en" in codes else None, _day_of_month(codes)):
        for found in pattern.finditer(text) if pattern is not None else ():
            day = _next_day_of_month(int(found.group("n")), sent)
            yield Found(day, False, found.start(), found.end(), loose=True)


@cache
def _day_of_month(codes: frozenset[str]) -> re.Pattern[str] | None:
    """A day of the month alone after the languages' word for it ("el día 15", "il giorno
    15", "am 15."): not a time ("am 15.30"), an amount or part of a numeric date."""
    words = [patterns.plain(w) for table in patterns.tables(set(codes)) for w in table.day_words]
    if not words:
        return None
    return re.compile(
        rf"(?<!\w)(?:{'|'.join(words)})\s+(?P<n>\d{{1,2}})(?:\.|º|°|er)?(?![\w%]|[.,:/-]?\d)",
        re.IGNORECASE,
    )


def _without_overlaps(found: Iterable[Found]) -> list[Found]:
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -f.end)):
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


def dates(text: str, codes: frozenset[str], sent: date, hint: str = "") -> list[Found]:
    """Every date in the text, in order, without overlaps. A weekday or a bare ordinal day
    counts only where no full date overlaps it or follows it ("Monday, 16 November")."""
    numeric = _numeric(text, _order(codes, text, hint), sent)
    full = _without_overlaps([*_named(text, codes, sent), *numeric])
    loose = [
        item
        for item in _loose(text, codes, sent)
        if not any(f.start < item.end + 8 and item.start < f.end for f in full)
    ]
    # "Thursday 22nd": the day of the month says more than the weekday before it.
    loose = [
        a for a in loose if not any(b is not a and a.end <= b.start <= a.end + 3 for b in loose)
    ]
    return _without_overlaps([*full, *loose])


def _words_between(text: str) -> int:
    return len(re.findall(r"\w+", text))


# Cues that name the return day only where the message is otherwise a notice: "again" words,
# and the stems of returning and of being available (the tables' `returning`, `available`).
NOTICE_CUES = ("again", "returning", "available")
# The day named after a cue (back on X), not the day after it (until X).
_NAMED = frozenset({"back", *NOTICE_CUES})


@dataclass(frozen=True)
class _Cue:
    rule: str
    hit: patterns.Hit


# A dash (hyphen or en dash) between two numbers: a range whose end is the last day away
# ("3-10 marca").
_RANGE = re.compile(r"(?<=\d)\.?\s*[\u2013-]\s*(?=\d)")


def _cues(text: str, codes: frozenset[str]) -> list[_Cue]:
    """Return words and range dashes; a negated return word ("will not return") is none. Where
    cues overlap, an "again" word wins over a `back` one (Spanish "de nuevo" is both), and a
    listed word over a stem ("return" is a `back` word and a `returning` stem)."""
    negation = _negation(codes)
    listed = [_Cue("again", h) for h in patterns.hits("again", text)]  # over "back": cautious
    listed += [_Cue("back", h) for h in patterns.hits("back", text)]
    listed += [
        _Cue("until", patterns.Hit("", m.group(0), *m.span())) for m in _RANGE.finditer(text)
    ]
    listed += [_Cue("until", h) for h in patterns.hits("until", text)]
    listed += [_Cue("until_after", h) for h in patterns.hits("until_after", text)]
    listed += [_Cue(kind, h) for kind in NOTICE_CUES[1:] for h in patterns.hits(kind, text)]
    found: list[_Cue] = []
    taken: list[patterns.Hit] = []  # the words of every cue read, kept or not
    objects = _objects(codes)
    for cue in listed:
        if any(h.start < cue.hit.end and cue.hit.start < h.end for h in taken):
            continue
        taken.append(cue.hit)
        if cue.rule in ("back", "returning") and objects.match(text, cue.hit.end):
            continue  # "return the contract", "get back to you": no return of the writer
        if cue.rule.startswith("until") or not negation.search(
            " ".join(text[max(0, cue.hit.start - 25) : cue.hit.start].split()[-2:])
        ):
            found.append(cue)
    return sorted(found, key=lambda c: c.hit.start)


@cache
def _objects(codes: frozenset[str]) -> re.Pattern[str]:
    """An object right after a return word ("return the contract", "get back to you")."""
    words = [patterns.plain(w) for t in patterns.tables(set(codes)) for w in t.return_objects]
    return re.compile(rf"\s+(?:{'|'.join(words) or '(?!)'})(?!\w)", re.IGNORECASE)


def _governing(before: list[_Cue]) -> _Cue:
    """Of the cues that govern a date, the last; a listed return word over a stem before it
    ("zpět v kanceláři od 7. 1.": "zpět" says it)."""
    last = before[-1]
    if last.rule in NOTICE_CUES:
        return next((c for c in reversed(before) if c.rule == "back"), last)
    return last


@dataclass(frozen=True)
class _Fillers:
    """Words that may sit between "until" and a date: articles, and weekday names by stem
    (so the Czech "do středy" and the Finnish "maanantaina" count as "středa", "maanantai")."""

    words: frozenset[str]
    stems: tuple[str, ...]

    def allow(self, word: str) -> bool:
        return word in self.words or word.startswith(self.stems)


@cache
def _fillers(codes: frozenset[str]) -> _Fillers:
    from babel import Locale

    words: set[str] = set()
    stems: set[str] = set()
    for table in patterns.tables(set(codes)):
        words |= {patterns.plain(a.lower()) for a in table.articles}
        days = Locale.parse(table.locale).days
        for context in ("format", "stand-alone"):
            for name in days[context]["abbreviated"].values():
                words |= {name.lower().rstrip("."), _plain(name)}
            for name in days[context]["wide"].values():
                words |= {name.lower(), _plain(name)}
                # the stem without its last two letters: Polish "piątku", Czech "pátku"
                stems |= {form[:-2] for form in (name.lower(), _plain(name)) if len(form) >= 5}
    return _Fillers(frozenset(words), tuple(sorted(stems)))


def _only_fillers(text: str, fillers: _Fillers) -> bool:
    """Only articles and weekday names between an "until" word and its date, in one sentence."""
    words = re.findall(r"\w+", text.lower())
    return len(words) <= 3 and all(map(fillers.allow, words)) and not _SENTENCE_END.search(text)


def _close(text: str, start: int, end: int, words: int, fillers: _Fillers | None = None) -> bool:
    """Nothing but a few words between two places, in one sentence; articles and weekday names
    do not count ("back at my desk on Tuesday the 7th")."""
    between = text[start:end]
    if _SENTENCE_END.search(between):
        return False
    if fillers is None:
        return _words_between(between) <= words
    found = re.findall(r"\w+", between.lower())
    return len(found) <= words or sum(not fillers.allow(w) for w in found) <= words


def _governs(text: str, cue: _Cue, item: Found, fillers: _Fillers) -> bool:
    """The return word right before a date governs it."""
    if cue.rule == "until":
        if item.loose and cue.hit.words.lower() == "and":
            return False  # "today and tomorrow" is not a range's end
        return _only_fillers(text[cue.hit.end : item.start], fillers)
    return _close(text, cue.hit.end, item.start, _GAP_WORDS, fillers)


def _attach(
    text: str, found: list[Found], cues: list[_Cue], fillers: _Fillers
) -> Iterator[tuple[Found, _Cue]]:
    """Each date with the return word that governs it (a word before it first, then after it)."""
    used: set[int] = set()
    pairs: list[tuple[Found, _Cue]] = []
    for index, item in enumerate(found):
        floor = found[index - 1].end if index else 0
        before = [
            c
            for c in cues
            if c.rule != "until_after"
            and floor <= c.hit.end <= item.start
            and _governs(text, c, item, fillers)
        ]
        if before:
            cue = _governing(before)
            used.add(id(cue))
            pairs.append((item, cue))
    yield from pairs
    attached = {id(item) for item, _ in pairs}
    for index, item in enumerate(found):
        if id(item) in attached:
            continue
        ceiling = found[index + 1].start if index + 1 < len(found) else len(text)
        after = [
            c
            for c in cues
            if id(c) not in used
            and item.end <= c.hit.start < ceiling
            and c.rule not in ("until", "available")  # "erreichbar" names no date before it
            and _close(text, item.end - (text[item.end - 1] == "."), c.hit.start, _GAP_WORDS + 1)
        ]
        if after:
            used.add(id(after[0]))
            yield item, after[0]


_PAIRED = re.compile(r"\s+(?:\w+\s+)?")  # "weer bereikbaar", "joignable à nouveau"


def _available_again(text: str, cue: _Cue, cues: list[_Cue]) -> bool:
    """Available and "again" side by side ("weer bereikbaar", "reachable again", "disponible
    de nuevo"): the writer's own return, where either word alone may be a person's ("thanks
    again", "available on Tuesday for a call")."""
    pair = {"available": "again", "again": "available"}.get(cue.rule)
    return pair is not None and any(
        c.rule == pair
        and (
            _PAIRED.fullmatch(text[c.hit.end : cue.hit.start])
            or _PAIRED.fullmatch(text[cue.hit.end : c.hit.start])
        )
        for c in cues
    )


@cache
def _negation(codes: frozenset[str]) -> re.Pattern[str]:
    words = [patterns.plain(n) for table in patterns.tables(set(codes)) for n in table.negations]
    alternatives = "|".join([*words, "won'?t", "\\w+n't"])
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _not_back_until(text: str, cue: _Cue, codes: frozenset[str]) -> bool:
    """ "will not return until X", "nicht vor": a negated return before "until" names the day."""
    before = text[max(0, cue.hit.start - 40) : cue.hit.start]
    negated = _negation(codes).search(before)
    after = before[negated.end() :] if negated is not None else ""
    return any(patterns.first(kind, after) for kind in ("back", "returning", "available"))


def return_date(
    text: str, languages: Iterable[str], sent: date, hint: str = ""
) -> ReturnDate | None:
    """The first date the text names as its writer's return, within a year of `sent`."""
    codes = frozenset(languages) or frozenset({"en"})
    written, text = text, patterns.plain(text)  # read without accents, quoted as written
    found = dates(text, codes, sent, hint)
    if not found:
        return None
    candidates: list[tuple[int, ReturnDate]] = []
    cues = _cues(text, codes)
    for item, cue in _attach(text, found, cues, _fillers(codes)):
        if item.day is None:
            continue
        named_day = cue.rule in _NAMED or _not_back_until(text, cue, codes)
        back = item.day if named_day else item.day + timedelta(days=1)
        if sent <= back <= sent + timedelta(days=366):
            span = written[min(item.start, cue.hit.start) : max(item.end, cue.hit.end)]
            rule = (cue.rule if cue.rule in NOTICE_CUES else "back") if named_day else "until"
            rule = "back" if _available_again(text, cue, cues) else rule
            named = ReturnDate(back, " ".join(span.split()), rule, loose=item.loose)
            candidates.append((item.start, named))
    if not candidates:
        return None
    # A day named as the return beats the day after an "until": notices say both, and the
    # named day skips the weekend an "until Friday" leaves in between.
    return min(candidates, key=lambda c: (c[1].rule == "until", c[0]))[1]
