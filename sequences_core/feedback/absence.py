"""Is this an absence notice (out of office) or a departure notice (left the company)?

Automatic headers or an automatic-reply subject make any one sign enough: absence wording,
something only notices say (limited access to mail, whom to contact in urgent cases, an answer
on return) or a return day. Without them (a plain "Re:"/"AW:"/"SV:" subject, no Auto-Submitted)
it takes two of the three, or a return day in a terse note of a few words without a question;
"I was on holiday last week, sorry" is a person's reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from sequences_core.feedback import optout, patterns
from sequences_core.feedback.languages import LANGUAGES
from sequences_core.feedback.return_dates import NOTICE_CUES, ReturnDate, return_date

# A note this short that names a return day is an absence note ("Zpět v kanceláři od 7. 1.").
_TERSE_WORDS = 25
_DEPARTURE_CHARS = 1500
# One clause's character: a period only inside an abbreviation ("S.p.A. è terminata") or after
# a date's number ("zum 31.10. verlassen").
_CLAUSE = r"(?:[^.!?\n]|\.(?=\S)|(?<=(?<!\w)\w)\.|(?<=\d)\.)"


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


def _automatic_opening(text: str) -> patterns.Hit | None:
    """A body that opens by saying it is automatic ("Automatic reply - I'm out on site…")."""
    found = auto_subject(text[:60])
    return found if found is not None and "auto" in found.words.lower() else None


def acknowledgement(text: str) -> patterns.Hit | None:
    """A ticket system's or shared mailbox's receipt ("we have received your message")."""
    return patterns.first("acknowledgement", text)


def left_company(text: str, automatic: bool = False, company: str = "") -> patterns.Hit | None:
    """The writer (or the mailbox's owner) has left: a phrase of the tables, or in an automatic
    message a departure frame — the tie and its ending in one clause ("a minha colaboração …
    terminou"); a person's "our company moved on from the old CRM" is no departure. The
    sender's company, named as its mail domain is ("Ik heb Client verlaten" from
    @client.example), is a tie in every language."""
    found = patterns.first("left_company", text)
    if found is not None and _about_a_colleague(text, found):
        return None  # "mi compañero Luis ya no trabaja aquí": his departure, not the writer's
    return found if found is not None or not automatic else _departure(text, company)


def _about_a_colleague(text: str, hit: patterns.Hit) -> bool:
    """The departure's sentence names a colleague before it ("my colleague Tom has left")."""
    start = max(text.rfind(mark, 0, hit.start) for mark in ".!?\n") + 1
    return optout.names_a_colleague(text[start : hit.start])


# Companies' legal forms name a company in any language ("Client Ltd", "Client AB"), spelt as
# registered: case-sensitive, so German "ab Montag" or English "as" are no company.
_LEGAL_FORMS = (
    r"(?-i:Ltd|LLC|Inc|PLC|GmbH|AG|BV|B\.V\.|NV|AB|Oy|Oyj|ASA|ApS|A/S|AS|SAS|SA|S\.A\.|SARL|"
    r"S\.?r\.?l\.?|S\.?p\.?A\.?|S\.L\.|SL|Ltda|sp\. z o\.o\.|s\.r\.o\.|a\.s\.)"
)


# What the sender's company name is read as: one private-use character per letter, so the
# frames match it as a tie and a hit's span is the same in the text as written.
_ORG = "\ue000"


@dataclass(frozen=True)
class _Frame:
    """One language's departure frame: the tie and ending in one clause, either order, or an
    ending whose own words hold the tie ("nie pracuję już": "pracuj…" inside "nie … już")."""

    code: str
    either_order: re.Pattern[str]
    ending: re.Pattern[str]
    tie: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        found = self.either_order.search(text)
        if found is not None:
            return found
        return next((m for m in self.ending.finditer(text) if self.tie.search(m.group(0))), None)


@cache
def _departure_frames() -> tuple[_Frame, ...]:
    frames = []
    for table in LANGUAGES.values():
        for tie_words, ending_words in table.departure_frames:
            words, ended = patterns.spelt(tie_words), patterns.spelt(ending_words)
            tie = f"{words}|{_LEGAL_FORMS}|(?<!{_ORG}){_ORG}+"  # "I have moved on from Client Ltd"
            near = rf"(?<!\w)(?:{tie})(?!\w){_CLAUSE}{{0,40}}?(?<!\w)(?:{ended})(?!\w)"
            far = rf"(?<!\w)(?:{ended})(?!\w){_CLAUSE}{{0,40}}?(?<!\w)(?:{tie})(?!\w)"
            either = re.compile(f"{near}|{far}", re.IGNORECASE)
            ending = re.compile(rf"(?<!\w)(?:{ended})(?!\w)", re.IGNORECASE)
            tie_inside = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
            frames.append(_Frame(table.code, either, ending, tie_inside))
    return tuple(frames)


@lru_cache(maxsize=1024)
def _company_name(company: str) -> re.Pattern[str]:
    """The company as people write it: the domain's letters, a space or hyphen allowed between
    any two ("vandijk-logistiek" is "Van Dijk Logistiek"); never inside an address."""
    letters = re.sub(r"[\s-]+", "", company)
    spelt = r"[\s-]?".join(map(re.escape, letters))
    return re.compile(rf"(?<![\w@.-]){spelt}(?![\w-]|\.\w)", re.IGNORECASE)


def _company(text: str, company: str) -> str:
    """The text with the sender's company name (its mail domain's name) masked as a tie."""
    if len(company) < 3:
        return text
    return _company_name(company).sub(lambda m: _ORG * len(m.group(0)), text)


def _departure(text: str, company: str = "") -> patterns.Hit | None:
    head = text[:_DEPARTURE_CHARS]  # departures are said first; bounded on hostile bodies
    masked = patterns.plain(_company(head, company))  # read without accents, as the frames are
    for frame in _departure_frames():
        found = frame.search(masked)
        if found is not None:
            return patterns.Hit(frame.code, head[found.start() : found.end()], *found.span())
    return None


@cache
def _negated() -> re.Pattern[str]:
    """A negation, or a negated copula, ending right before (up to two words before) a word."""
    words = [
        patterns.plain(w)
        for table in LANGUAGES.values()
        for w in (*table.negations, *table.negated_copulas)
    ]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)\W+(?:\w+\W+){{0,2}}$", re.IGNORECASE)


def _not_present(text: str) -> list[patterns.Hit]:
    """Not being available, reachable or in the office, in any table's words ("nicht
    erreichbar", "nejsem v kanceláři", "not available", "en ole tavoitettavissa"): absence
    wording made of the availability stems and the negations, not listed phrase by phrase."""
    plain = patterns.plain(text)
    found = []
    for hit in patterns.hits("available", text):
        window = max(0, hit.start - 40)
        negated = _negated().search(plain, window, hit.start)
        if negated is not None:
            start = negated.start()
            found.append(patterns.Hit(hit.language, text[start : hit.end], start, hit.end))
    return found


def _languages(*found: patterns.Hit | None) -> frozenset[str]:
    return frozenset(hit.language for hit in found if hit is not None)


@cache
def _contrasts() -> re.Pattern[str]:
    words = "|".join(patterns.plain(w) for table in LANGUAGES.values() for w in table.contrasts)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def _contrast(text: str) -> bool:
    """A "but" in the note: the writer goes on to answer ("en congés, mais oui, envoyez…")."""
    return _contrasts().search(patterns.plain(text)) is not None


def _engaging(text: str, notice: patterns.Hit | None) -> bool:
    """The writer answers though away: a question; a "but" outside notice wording ("en congés,
    mais oui, envoyez…"); a request or proposal in the first person ("send me the deck",
    "hablemos el martes") unless its sentence is a notice's urgent-case offer ("if urgent, send
    me a text") — a person on leave replying, not their mailbox."""
    if "?" in text or (notice is None and _contrast(text)):
        return True
    return any(_unconditional(text, hit) for hit in patterns.hits("engagement", text))


# Urgency stems: "if it's urgent, send me a text" is a notice's offer, not a person engaging.
# (Written without accents: the sentence is read without them.)
_URGENT = re.compile(
    r"urgen|dringend|eilig|pilne|pilny|bradsk|haster|hastig|kiirei|nalehav|spoed|akut", re.I
)


def _unconditional(text: str, hit: patterns.Hit) -> bool:
    """The engagement's sentence holds no urgency condition and its clause no notice wording
    ("…, ale prześlij mi ofertę, przejrzę ją po powrocie" engages)."""
    left = max(text.rfind(mark, 0, hit.start) for mark in ".!?\n")
    ends = [i for i in (text.find(mark, hit.end) for mark in ".!?\n") if i >= 0]
    sentence = text[left + 1 : min(ends) if ends else len(text)]
    if _URGENT.search(patterns.plain(sentence)):
        return False
    start = hit.start - left - 1
    clause = sentence[sentence.rfind(",", 0, start) + 1 :].split(",", 1)[0]
    return patterns.first("notice", clause) is None


def _about_absence(text: str) -> str:
    """The paragraphs that speak of the absence (absence, notice or return words): a trade fair's
    "vom 12. bis 18. April" under the signature is not a return."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    kinds = ("absence", "notice", "back", "returning")
    return "\n\n".join(
        p
        for index, p in enumerate(paragraphs)
        if index == 0 or any(patterns.first(k, p) for k in kinds)
    )


def _dated_until(returns: ReturnDate) -> bool:
    """A dated "until" ("bis zum 16.11.") — an absence sign in an automatic message, unless the
    message is a receipt ("thank you for contacting us; the catalogue is valid until …")."""
    return returns.rule == "until" and not returns.loose


_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_REDIRECT_REACH = 200  # characters after the absence words, in their paragraph


def _redirect(text: str, away: patterns.Hit) -> patterns.Hit | None:
    """An address to write to instead ("Per urgenze: segreteria@…", "Kontakt post@…") right
    after the absence words, in their paragraph: a notice's redirect in any language, where a
    person answering writes back themselves (and signs below, apart)."""
    paragraph = text.find("\n\n", away.end)
    end = min(away.end + _REDIRECT_REACH, paragraph if paragraph >= 0 else len(text))
    found = _ADDRESS.search(text, away.start, end)
    return (
        patterns.Hit(away.language, found.group(0), found.start(), found.end()) if found else None
    )


def _rule(
    automatic: bool, signs: int, returns: ReturnDate | None, text: str, notice: patterns.Hit | None
) -> str | None:
    """Which absence rule the signs meet, if any."""
    if automatic and signs >= 1:
        return "out of office (automatic)"
    engaging = _engaging(text, notice)
    if signs >= 2 and not engaging:
        return "out of office (no automatic markers: away, notice wording, a return day)"
    terse = len(text.split()) <= _TERSE_WORDS and not engaging
    terse = terse and patterns.first("addressee", text) is None  # "ich rufe Sie am 15.11. zurück"
    if returns is not None and not returns.loose and terse:  # "back Monday" is a person's too
        return "out of office (no automatic markers: a terse note naming a return day)"
    return None


def out_of_office(
    text: str, subject: str, automatic: bool, sent: date, order_hint: str = ""
) -> Absence | None:
    """An out-of-office notice, with its return day when it names one."""
    every = sorted([*patterns.hits("absence", text), *_not_present(text)], key=lambda h: h.start)
    titled = auto_subject(subject) or _automatic_opening(text)
    automatic = automatic or titled is not None
    in_subject = patterns.first("absence", subject) if automatic else None
    notice = patterns.first("notice", text) or (_redirect(text, every[0]) if every else None)
    back_in_text = list(patterns.hits("back", text))
    back = [*back_in_text, *patterns.hits("back", subject)]
    if not (every or in_subject or notice or back or automatic):
        return None
    # Return words tell the language too: an "Autosvar:" subject is Swedish, Danish or Norwegian.
    languages = _languages(titled, in_subject, notice, *every, *back)
    returns = return_date(_about_absence(text), languages, sent, order_hint)
    if returns is None and automatic:  # "Out of office until 5 January" over a generic body
        returns = return_date(subject, languages, sent, order_hint)
    said = every[0] if every else in_subject
    # "again on Thursday" names a return only in what is otherwise a notice ("thanks again for
    # the call on Tuesday" is a person's); so does a dated "until": an automatic message that
    # says what holds until a day ("bis zum 16.11. kann ich nicht antworten") is an absence.
    cued = returns is not None and (
        returns.rule == "back"
        or (automatic and returns.rule in NOTICE_CUES)
        or (automatic and _dated_until(returns) and acknowledgement(text) is None)
    )
    named = returns if returns is not None and (said or notice or cued) else None
    # A return word with no day after absence or notice wording ("I'm away … I'll reply when
    # I'm back", "non leggo la posta. Ti rispondo al rientro") is a notice's promise: a sign of
    # its own. Before it ("Back to you after the holidays with an answer") it is a person's.
    away = every[0] if every else notice  # in the text, where the return word is looked for
    promise = None
    if named is None and away is not None:
        promise = next((hit for hit in back_in_text if hit.start > away.start), None)
    signs = sum(x is not None for x in (said, notice, named, promise))
    rule = _rule(automatic, signs, named, text, notice)
    if rule is None:
        return None
    words = tuple(hit.words for hit in (said, notice) if hit is not None)
    return Absence(rule, words, languages or frozenset({"en"}), returns)
