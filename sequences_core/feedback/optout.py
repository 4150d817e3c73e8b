"""Does the lead ask to stop being mailed, however phrased and in whichever language?

Read on the lead's own new text only (quotes.new_text): the quoted original carries our
unsubscribe wording and footers say "if you no longer wish to receive" to every reader. Three
ways to ask, all from the language tables: a whole reply that is one word ("STOP"), a phrase
("darme de baja"), or a frame — word classes that, in one clause and close together, make a
request in any word order ("kindly refrain from emailing me"). A negation before the phrase or
the frame's verb, a question with no first-person word, or someone else named after it
(an address, "my colleague") turns it round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


_bare = patterns.plain


def _words(kind: str) -> list[str]:
    """Every table's words of this kind, without accents: opt-outs are read on the reply
    without accents ("nao quero receber", "desabonez moi"), so their words are too."""
    return [_bare(w) for table in LANGUAGES.values() for w in getattr(table, kind)]


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end]."""
    left = max(text.rfind(mark, 0, start) for mark in ".!?\n")
    rights = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left + 1 : right]


# A possessive and a role: another person ("my assistant", "meine Kollegin", "mijn collega").
_MY_ROLE = (
    r"(my|our|mein\w*|unser\w*|mon|ma|mes|notre|mi|mis|nuestr[oa]|meu|minha|mio|mia|mijn|onze"
    r"|min|mitt|vår|vores|mój|moja|nasz\w*|můj|moje|náš|naše) "
    r"(colleague|co-?worker|assistant|intern|boss|manager|partner|kolleg\w*|collègue|colega|"
    r"collega|compañer[oa]|kolega|współpracownik\w*|kolegyně)\w*"
)
_MY_ROLE = patterns.plain(_MY_ROLE)  # the text is read without accents
_MY_ROLE_INSIDE = re.compile(rf"(?<!\w){_MY_ROLE}", re.IGNORECASE)


def names_a_colleague(text: str) -> bool:
    """The text names another person by a possessive and a role ("mi compañero Luis")."""
    return _MY_ROLE_INSIDE.search(_bare(text)) is not None


# What an opt-out phrase names when it is about someone else: an address ("the info@
# address"), a colleague, a third person's object pronoun ("remove her"; not "them", which is
# as often the mails, nor German "sie", which is also the polite "you").
_SOMEONE_ELSE = re.compile(
    rf"\W*(\S+@\S+|the \S+@|{_MY_ROLE}|(her|him|ihn|hem|haar|henne|honom|hende|ham|hanet)\b)",
    re.IGNORECASE,
)
# A name after the verb: one to three capitalised words then "from" ("please remove Sarah
# Jones from the cc"), or after the personal "a" of Spanish and Portuguese ("den de baja a
# Laura"): someone else.
# Polite second persons are capitalised too ("streichen Sie meine Adresse"): never a name.
_NAME = r"(?!(?:Sie|Ihnen|Ihre?[mnrs]?|Usted|Vous)\b)[A-ZÀ-Ž][a-zà-ž]+( [A-ZÀ-Ž][a-zà-ž]+){0,2}"
_NAMED_OTHER = re.compile(
    r"[ \t]+((my|our|mein\w*|unser\w*|mon|ma|mes|mi|mis|mijn|onze|min|mitt|mine) \w+ )?"
    rf"({_NAME} (from|off|von|aus|de|du|des|da|dal|van|fran|fra|z|ze)\b|a {_NAME}\b)"
)


# A title and a name right before the phrase ("nehmen Sie Herrn Maier aus dem Verteiler").
_TITLES = (
    r"(mr|mrs|ms|dr|herrn?|frau|monsieur|madame|mme|m|señora?|sra?|signora?|sig|"
    r"meneer|mevrouw|dhr|mevr|pana?|pani)\.? (?-i:[A-ZÀ-Ž])[\w-]+"  # a capitalised name
)
_TITLES = patterns.plain(_TITLES)
# In a reply typed all in lower case a name is too: after a title that is nothing else.
_LOWER_TITLE = (
    r"(mr|mrs|ms|dr|herrn?|frau|monsieur|madame|mme|senora?|signora?|meneer|mevrouw)\.? [a-z][\w-]+"
)
_LOWER_TITLED = re.compile(rf"\W*(please\W+)?{_LOWER_TITLE}", re.IGNORECASE)
_LOWER_TITLED_BEFORE = re.compile(rf"(?<!\w){_LOWER_TITLE}\W*$", re.IGNORECASE)
_TITLED_OTHER = re.compile(rf"(?<!\w){_TITLES}\W*$", re.IGNORECASE)
# A courtesy word may stand between the verb and the title ("Usuńcie proszę pana Nowaka").
_PLEASE = r"(please|pls|bitte|prosze|prosim|por favor|per favore|svp|alstublieft|snalla|venligst)"
_TITLED_NEXT = re.compile(rf"\W*({_PLEASE}[ \t,]+)?(?<!\w){_TITLES}", re.IGNORECASE)


# The text is read without accents: "från" is "fran" here.
_SEPARATING = re.compile(r"(off|from|aus|de|van|z|ze|fran|fra|da|dal|dalla)\b", re.IGNORECASE)
_NAME_BEFORE = re.compile(rf"(?<!\w){_NAME}\s*$")


def _named_before(text: str, hit: patterns.Hit, tail: str) -> bool:
    """A capitalised name right before a phrase that starts at its preposition names whom to
    take off ("take John off the list"); "Take Me Off The List" names the writer."""
    found = _NAME_BEFORE.search(tail) if _SEPARATING.match(text, hit.start) else None
    if found is None:
        return False
    words = found.group(0).lower().split()
    return all(len(w) >= 3 and w not in _self_words() for w in words)


def _about_someone_else(text: str, hit: patterns.Hit, tail: str) -> bool:
    """The phrase names another person: a title and name before it, or after its verb or its
    end an address, "my colleague/assistant", or a name then "from" ("remove John from the cc",
    "remove my assistant Jo from your list")."""
    verb = re.match(r"\w+", text[hit.start :])
    starts = {hit.end, hit.start + (verb.end() if verb else 0)}
    if _TITLED_OTHER.search(tail) or any(_TITLED_NEXT.match(text[at : at + 40]) for at in starts):
        return True  # "nehmen Sie Herrn Maier aus …", "please unsubscribe Mr Patel"
    if text.islower() and (
        _LOWER_TITLED_BEFORE.search(tail)
        or any(_LOWER_TITLED.match(text[at : at + 40]) for at in starts)
    ):
        return True  # a reply typed all in lower case: "pls unsubscribe mr patel"
    if _named_before(text, hit, tail):
        return True  # "please take John off the list"
    if _MY_ROLE_INSIDE.search(text[hit.start : hit.end]):
        return True  # a frame around "meine Kollegin Frau Schulz": the words name her
    return any(
        _SOMEONE_ELSE.match(text[at : at + 60]) or _NAMED_OTHER.match(text[at : at + 60])
        for at in starts
    )


def _turned_round(text: str, hit: patterns.Hit) -> bool:
    """A negation right before the phrase ("please don't remove me"), or a question with no
    first-person word ("does it stop if someone unsubscribes?")."""
    before = text[max(0, hit.start - 30) : hit.start]
    tail = re.split(r"[.,;:!?\n]|\s[-\u2013\u2014]\s", before)[-1]  # a dash ends a clause too
    negated = re.search(rf"(?<!\w)(?:{_negations()})(?!\w)\W*(\w+\W+){{0,2}}$", tail, re.I)
    if negated and not _asks_politely(text, hit, tail):
        return True
    if _about_someone_else(text, hit, tail):
        return True  # "please unsubscribe my colleague tom@…": not the writer
    sentence = _sentence(text, hit.start, hit.end)
    if _deferral().search(sentence):
        return True  # "don't send me anything until Q2": not now, not never
    if not (sentence.rstrip().endswith("?") or "¿" in sentence):
        return False
    words = set(re.findall(r"\w+", sentence.lower()))
    return not words & _self_words()


def _asks_politely(text: str, hit: patterns.Hit, tail: str) -> bool:
    """A question opened by a modal, "you" and a negation ("Vil I ikke lige afmelde mig?"):
    the negation asks politely rather than turning the request round."""
    if not _sentence(text, hit.start, hit.end).rstrip().endswith("?"):
        return False
    return _polite_asks().match(tail.strip()) is not None


@cache
def _polite_asks() -> re.Pattern[str]:
    asks = "|".join(_words("polite_asks"))
    return re.compile(rf"(?:{asks or '(?!)'})(?!\w)", re.IGNORECASE)


@cache
def _deferral() -> re.Pattern[str]:
    words = "|".join(_words("deferrals"))
    return re.compile(rf"(?<!\w)(?:{words})", re.IGNORECASE)


@cache
def _negations() -> str:
    """Negations and third persons ("whether she should unsubscribe"): either turns it round."""
    words = (*_words("negations"), *_words("others"))
    return "|".join(words)


@cache
def _self_words() -> frozenset[str]:
    return frozenset(_words("self_words"))


# How close together a frame's words must stand (in words) to be one request.
_FRAME_SPAN = 12
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


@cache
def _clauses() -> re.Pattern[str]:
    """Sentence ends, and a comma before a contrast ("…, but could you …")."""
    contrasts = "|".join(_words("contrasts"))
    return re.compile(rf"(?<=[.!?;])\s+|\n+|,\s*(?=(?:{contrasts})\b)", re.IGNORECASE)


@cache
def _frames() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    return tuple(
        (
            table.code,
            tuple(re.compile(rf"(?<!\w)(?:{patterns.spelt(c)})(?!\w)", re.I) for c in frame),
        )
        for table in LANGUAGES.values()
        for frame in table.optout_frames
    )


def _framed(sentence: str) -> patterns.Hit | None:
    """A sentence holding every word class of one language's opt-out frame, close together."""
    for code, classes in _frames():
        found = [c.search(sentence) for c in classes]
        if any(f is None for f in found):
            continue
        spans = [f.span() for f in found if f is not None]
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        if len(sentence[start:end].split()) <= _FRAME_SPAN:
            words = " + ".join(f.group(0) for f in found if f is not None)
            first = found[0]
            assert first is not None
            return patterns.Hit(code, words, first.start(), end)  # the verb, for its negation
    return None


def _framed_request(own_text: str) -> OptOut | None:
    for sentence in _SENTENCES.split(own_text):
        if "@" in sentence:
            continue  # a redirect or a referral ("write to me at x@y instead"), not a request
        for clause in _clauses().split(sentence):
            hit = _framed(clause)
            if hit is not None and not _turned_round(clause, hit):
                return OptOut("opt-out request (its words in any order)", hit.words, hit.language)
    return None


# Typing slips are read in a short reply's first characters only: bounded on hostile bodies.
_SPELL_CHARS = 2000
_KEYWORD_LETTERS = re.compile(r"[^\W\d_]{8,}")
_SLIP_LETTERS = re.compile(r"[^\W\d_]{7,}")  # a keyword of 8 with a letter left out


def _variants(word: str) -> set[str]:
    """The word and the word with one letter left out."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


@cache
def _keywords() -> dict[str, frozenset[str]]:
    """The long literal words of the tables' opt-out phrases ("unsubscribe", "abbestellen",
    "désinscrire"), indexed by every one-letter-short variant: a slip of the keyboard shares a
    variant with its keyword (a swap, a letter left out, added or mistyped), found by lookup."""
    found: set[str] = set()
    for table in LANGUAGES.values():
        for phrase in map(_bare, (*table.optout, *table.optout_alone)):
            literal = re.sub(r"\[(\w)[^]]*\]", r"\1", re.sub(r"\\.", " ", phrase))
            found.update(_KEYWORD_LETTERS.findall(literal.lower()))  # "d[ée]sabonne[zr]" too
    index: dict[str, set[str]] = {}
    for word in found:
        for variant in _variants(word):
            index.setdefault(variant, set()).add(word)
    return {variant: frozenset(words) for variant, words in index.items()}


@cache
def _lookalikes() -> frozenset[str]:
    return frozenset(_words("lookalikes"))


@cache
def _stems() -> tuple[str, ...]:
    """The tables' opt-out stems that take an ending ("désinscri(re|vez)", "unsuscri\\w*"):
    a slip inside the stem of an inflected word ("désincrivez") is read by the stem."""
    found: set[str] = set()
    for table in LANGUAGES.values():
        for phrase in map(_bare, table.optout):
            literal = re.sub(r"\\[bBsSdDW]", " ", phrase.lower())
            found.update(re.findall(r"([^\W\d_]{8,})(?=\(|\\w)", literal))
    return tuple(sorted(found))


@cache
def _known() -> frozenset[str]:
    return frozenset({k for words in _keywords().values() for k in words} | set(_stems()))


def _stem_meant(lower: str) -> str | None:
    """The word with a slipped stem put right ("désincrivez" → "désinscrivez"); never a form
    of another keyword ("unsubscribed" is no slip of "unsuscri")."""
    if any(lower.startswith(known) for known in _known()):
        return None
    for stem in _stems():
        if lower[:2] != stem[:2] or lower.startswith(stem) or len(lower) <= len(stem):
            continue
        for cut in (len(stem) - 1, len(stem), len(stem) + 1):
            if _slips(lower[:cut], stem) == 1:
                return stem + lower[cut:]
    return None


def _slips(word: str, keyword: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from `word` to `keyword`."""
    previous2: list[int] = []
    previous = list(range(len(keyword) + 1))
    for i, a in enumerate(word, 1):
        row = [i]
        for j, b in enumerate(keyword, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == keyword[j - 2] and word[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def _meant(word: str) -> str | None:
    """The keyword a misspelt word stands for ("unsusbcribe", "unsubcribe"): one slip from it,
    or two in a word of ten letters or more, ending as it does; never another form of the
    same word ("unsubscribed", "kontakta" for "kontakte") nor a real word of its own
    ("anmelden"). The last two letters may be swapped ("abmeldne")."""
    lower = word.lower()
    if lower in _lookalikes() or lower in _known():
        return None  # a real word, or a keyword itself ("cancellami" next to "cancellarmi")
    index = _keywords()
    near = {k for variant in _variants(lower) for k in index.get(variant, ())}
    for keyword in sorted(near):
        if lower.startswith(keyword) or keyword.startswith(lower):
            continue  # the keyword itself, or an inflection of it ("unsubscribed")
        dropped = len(lower) == len(keyword) - 1 and lower[-1] == keyword[-1]  # "abmeldn"
        ending = lower[-2:] in (keyword[-2:], keyword[-1:-3:-1])
        if lower[0] != keyword[0] or not (ending or dropped):
            continue  # another word ("mailing", not "emailing"), or form ("contatti", "contatto")
        if _slips(lower, keyword) <= (1 if len(lower) < 10 else 2):
            return keyword
    return _stem_meant(lower)


# Short words' swaps are read only in replies this short: there a near-keyword is the request,
# in longer text it is more often a real word ("form", "sing") than a slip.
_SHORT_REPLY_WORDS = 8
_SHORT_LETTERS = re.compile(r"(?<!\w)[^\W\d_]{4,8}(?!\w)")


@cache
def _short_keywords() -> frozenset[str]:
    """The tables' short opt-out words ("stop", "remove", "avmeld"): too short for the slip
    rule's edits, they are read only through a swap of two neighbouring letters, a doubled
    letter or (six letters and more) one left out, in a short reply."""
    found: set[str] = set()
    for table in LANGUAGES.values():
        for phrase in map(_bare, (*table.optout, *table.optout_alone)):
            literal = re.sub(r"\[(\w)[^]]*\]", r"\1", re.sub(r"\\.", " ", phrase))
            found.update(re.findall(r"(?<![^\W\d_])[^\W\d_]{4,7}(?![^\W\d_])", literal.lower()))
    return frozenset(found)


def _short_slips(word: str) -> Iterator[str]:
    """What a short word may have been: two neighbouring letters swapped ("stpo"), a letter
    typed twice ("removee"), or one left out ("remve"); never at its first letter."""
    for i in range(1, len(word)):
        if i < len(word) - 1:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if word[i] == word[i - 1]:
            yield word[:i] + word[i + 1 :]
    for i in range(2, len(word) + 1):
        yield from (word[:i] + c + word[i:] for c in _LETTERS)


_LETTERS = "etaoinsrhldcumfpgwybvkxjqz"  # the commoner first: "remov" is "remove"


def _swapped(word: str) -> str | None:
    """The short keyword a word is one slip from ("stpo", "remvoe", "Avemld", "remve",
    "removee"): a letter left out only from a keyword of six letters or more ("case" is no
    slip of "cease"); never a keyword itself or a real word of the tables' lookalikes ("form"
    is no slip of "from")."""
    lower = word.lower()
    keywords = _short_keywords()
    if lower in keywords or lower in _lookalikes():
        return None
    for meant in _short_slips(lower):
        if meant in keywords and (len(meant) <= len(lower) or len(meant) >= 6):
            return meant
    return None


def _spelled(text: str) -> str:
    """The reply with slips of the opt-out keywords put right."""
    head = text[:_SPELL_CHARS]
    fixed = _SLIP_LETTERS.sub(lambda m: _meant(m.group(0)) or m.group(0), head)
    if len(fixed.split()) <= _SHORT_REPLY_WORDS:  # a mobile one-liner ("stpo emailing me")
        fixed = _SHORT_LETTERS.sub(lambda m: _swapped(m.group(0)) or m.group(0), fixed)
    return fixed + text[_SPELL_CHARS:]


def opt_out(own_text: str, subject: str = "") -> OptOut | None:
    """The opt-out request in the lead's own words (or, with no words, in the subject); slips of
    its keywords ("unsusbcribe") read as the keyword. Read without accents, as the tables'
    words are."""
    own_text, subject = _spelled(_bare(own_text)), _bare(subject)
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
    return _framed_request(own_text)
