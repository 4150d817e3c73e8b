"""The classifier judged over the whole mail corpus, with the figures issue 20 asks for.

The corpus (tests/fixtures/mail/, `expected.json` the one truth) was written blind to the
classifier, so these figures say how it does on mail it was not built around: the share of
messages put in the right kind, the plainly stated return dates found, the opt-outs missed and the
bounces taken for human replies. A per-kind confusion matrix is printed (`pytest -s`) and written
to tests/artifacts/mail_confusion.txt so a miss can be read without rerunning.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from sequences_core.feedback import patterns
from sequences_core.feedback.classify import Kind, classify

CORPUS = Path(__file__).parent / "fixtures" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text())
ARTIFACT = Path(__file__).parent / "artifacts" / "mail_confusion.txt"
KINDS = [k.value for k in Kind]
LANGUAGES = {
    "english",
    "german",
    "french",
    "spanish",
    "portuguese",
    "italian",
    "dutch",
    "polish",
    "swedish",
    "danish",
    "norwegian",
    "finnish",
    "czech",
}
BOUNCES = {Kind.BOUNCE_HARD.value, Kind.BOUNCE_SOFT.value}


@dataclass(frozen=True)
class Judged:
    """One fixture: what a person says it is, and what the classifier said."""

    name: str
    expected: dict[str, object]
    kind: str
    return_date: str | None
    reason: str
    left_company: bool = False


@pytest.fixture(scope="module")
def judged() -> list[Judged]:
    """Classifies every fixture once; prints and stores the confusion matrix."""
    rows = []
    for name, expected in sorted(EXPECTED.items()):
        result = classify((CORPUS / name).read_bytes())
        got_date = result.return_date.isoformat() if result.return_date else None
        judged = Judged(name, expected, result.kind.value, got_date, result.reason)
        rows.append(replace(judged, left_company=result.left_company))
    report = render(rows)
    print("\n" + report)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(report)
    return rows


def confusion(rows: list[Judged]) -> str:
    """Expected kind down the side, the classifier's kind across the top."""
    counts = Counter((str(r.expected["kind"]), r.kind) for r in rows)
    width = max(map(len, KINDS)) + 2
    lines = ["expected \\ got".ljust(width) + "".join(k[:11].rjust(13) for k in KINDS) + "  right"]
    for want in KINDS:
        total = sum(counts[want, got] for got in KINDS)
        cells = "".join(str(counts[want, got]).rjust(13) for got in KINDS)
        lines.append(want.ljust(width) + cells + f"  {counts[want, want]}/{total}")
    return "\n".join(lines)


def by_language(rows: list[Judged]) -> str:
    """Right kind per language, so a language the classifier does not know stands out."""
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for r in rows:
        language = str(r.expected.get("language", "unlabelled"))
        totals[language] += 1
        right[language] += r.kind == r.expected["kind"]
    return "  ".join(f"{lang} {right[lang]}/{totals[lang]}" for lang in sorted(totals))


def stated_dates(rows: list[Judged]) -> list[Judged]:
    return [r for r in rows if r.expected.get("return_date")]


def date_misses(rows: list[Judged]) -> list[Judged]:
    return [r for r in stated_dates(rows) if r.return_date != r.expected["return_date"]]


def departure_misses(rows: list[Judged]) -> list[Judged]:
    """Where `left_company` (the lead has left: stop, don't wait) is not what a person reads."""
    return [r for r in rows if r.left_company != bool(r.expected.get("left_company", False))]


def kind_misses(rows: list[Judged]) -> list[Judged]:
    return [r for r in rows if r.kind != r.expected["kind"]]


def optouts_missed(rows: list[Judged]) -> list[Judged]:
    want = Kind.UNSUBSCRIBE_REQUEST.value
    return [r for r in rows if r.expected["kind"] == want and r.kind != want]


def bounces_as_replies(rows: list[Judged]) -> list[Judged]:
    human = Kind.HUMAN_REPLY.value
    return [r for r in rows if r.expected["kind"] in BOUNCES and r.kind == human]


def right_share(rows: list[Judged]) -> float:
    return 1 - len(kind_misses(rows)) / len(rows)


def render(rows: list[Judged]) -> str:
    stated = stated_dates(rows)
    lines = [
        f"mail corpus: {len(rows)} messages",
        confusion(rows),
        "",
        f"right kind: {len(rows) - len(kind_misses(rows))}/{len(rows)} ({right_share(rows):.1%})",
        f"stated return dates right: {len(stated) - len(date_misses(rows))}/{len(stated)}",
        f"opt-outs missed: {len(optouts_missed(rows))}",
        f"bounces read as replies: {len(bounces_as_replies(rows))}",
        f"left_company wrong: {len(departure_misses(rows))}",
        "by language: " + by_language(rows),
        "",
        "kind misses:",
        *(
            f"  {r.name}: want {r.expected['kind']}, got {r.kind} ({r.reason})"
            for r in kind_misses(rows)
        ),
        "return-date misses:",
        *(
            f"  {r.name}: want {r.expected['return_date']}, got {r.return_date} ({r.reason})"
            for r in date_misses(rows)
        ),
    ]
    return "\n".join(lines) + "\n"


def listing(rows: list[Judged]) -> str:
    return "; ".join(f"{r.name} -> {r.kind} {r.return_date or ''} ({r.reason})" for r in rows)


def test_corpus_is_big_varied_and_fully_labelled():
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED), (
        "every .eml has one expected.json entry and no entry lacks its file"
    )
    assert len(files) >= 150
    assert {str(e["kind"]) for e in EXPECTED.values()} == set(KINDS)
    assert {str(e.get("language")) for e in EXPECTED.values()} >= LANGUAGES
    mtas = {str(e["mta"]) for e in EXPECTED.values() if "mta" in e and e["kind"] in BOUNCES}
    sources = {e["source"] for e in EXPECTED.values() if "source" in e}
    assert len(mtas) >= 8 and sources, (mtas, len(sources))


def test_at_least_98_percent_in_the_right_kind(judged):
    assert right_share(judged) >= 0.98, listing(kind_misses(judged))


def test_every_plainly_stated_return_date_is_found(judged):
    assert len(stated_dates(judged)) >= 30
    assert not date_misses(judged), listing(date_misses(judged))


def test_no_opt_out_is_missed(judged):
    assert not optouts_missed(judged), listing(optouts_missed(judged))


def test_every_departure_is_flagged_and_no_other(judged):
    assert sum(bool(r.expected.get("left_company")) for r in judged) >= 25
    assert not departure_misses(judged), listing(departure_misses(judged))


def test_no_bounce_is_read_as_a_reply(judged):
    assert not bounces_as_replies(judged), listing(bounces_as_replies(judged))


def _accentless(raw: bytes) -> bytes | None:
    """The message as a phone or an old gateway sends it: its plain-text body without accents
    (None when it has no single plain-text body or no accent to drop)."""
    message = message_from_bytes(raw, policy=policy.default)
    if message.is_multipart() or message.get_content_type() != "text/plain":
        return None
    assert isinstance(message, EmailMessage)
    body = message.get_content()
    if patterns.plain(body) == body:
        return None
    message.set_content(patterns.plain(body), charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=policy.SMTPUTF8)


def _changed_under(judged: list[Judged], change: Callable[[bytes], bytes | None]) -> list[str]:
    """The non-bounce messages whose judgement moves when `change` rewrites them (those it
    leaves out, None, are not counted); at least a hundred must be rewritten."""
    changed, rewritten = [], 0
    for row in judged:
        if row.expected["kind"] in BOUNCES:
            continue
        raw = change((CORPUS / row.name).read_bytes())
        if raw is None:
            continue
        rewritten += 1
        result = classify(raw)
        got = (result.kind.value, result.return_date.isoformat() if result.return_date else None)
        if got != (row.kind, row.return_date) or result.left_company != row.left_company:
            changed.append(f"{row.name}: {got} ({result.reason})")
    assert rewritten >= 100, f"only {rewritten} messages rewritten: the check would be hollow"
    return changed


def test_the_corpus_without_accents_is_judged_as_with_them(judged):
    """Mobile replies drop accents ("nao quero receber", "zpet v kancelari od"): every
    accented plain-text message reads the same without them."""
    changed = _changed_under(judged, _accentless)
    assert not changed, changed


_ATTRIBUTION = "On Mon, 8 Nov 2027 at 08:00, Dana Whitfield <dana@sender.example> wrote:"
_OUR_PITCH = (
    "> Hi,\n> Would a 20-minute call next week make sense?\n>\n"
    '> If you\'d prefer not to hear from me again, reply "unsubscribe".\n\n'
)


def _bottom_posted(raw: bytes) -> bytes | None:
    """The message as a bottom-posting client sends it: our quoted pitch first, the reply
    below (None when it has no single plain-text body, or quotes already)."""
    message = message_from_bytes(raw, policy=policy.default)
    if message.is_multipart() or message.get_content_type() != "text/plain":
        return None
    assert isinstance(message, EmailMessage)
    body = message.get_content()
    if "\n>" in body or body.lstrip().startswith(">"):
        return None
    message.set_content(f"{_ATTRIBUTION}\n{_OUR_PITCH}{body}", charset="utf-8")
    return message.as_bytes(policy=policy.SMTPUTF8)


def test_the_corpus_bottom_posted_under_our_quoted_pitch_is_judged_as_top_posted(judged):
    """The lead's words below the quote are theirs as much as above it ("On … wrote: > … Please
    remove me"); the quoted pitch's own unsubscribe line is never theirs."""
    changed = _changed_under(judged, _bottom_posted)
    assert not changed, changed[:20]


_AUTOMATIC_HEADERS = re.compile(
    rb"^(Auto-Submitted|X-Autoreply|X-Autorespond|X-Autoresponder|X-Auto-Reply|Precedence"
    rb"|X-Auto-Response-Suppress|X-MS-Exchange-Inbox-Rules-Loop|X-Loop|Return-Path):.*\r?\n"
    rb"(?:[ \t].*\r?\n)*",
    re.MULTILINE | re.IGNORECASE,
)
_SUBJECT = re.compile(rb"^Subject:.*$", re.MULTILINE | re.IGNORECASE)


def _headerless(raw: bytes) -> bytes:
    """The notice as a client that marks nothing sends it: no automatic headers, and a plain
    reply subject, so that only the body says it is an absence."""
    return _SUBJECT.sub(b"Subject: Re: Your message", _AUTOMATIC_HEADERS.sub(b"", raw), count=1)


def test_absences_stripped_of_their_headers_and_subject_are_still_absences(judged):
    """The issue's first kind of miss: a notice whose body alone says it. A notice that says
    one thing only ("Merci pour votre message.", "Ich bin derzeit nicht im Büro.") cannot be
    told from a person's line, so the bar is nine in ten, not all."""
    notices = [row for row in judged if row.expected["kind"] == Kind.OUT_OF_OFFICE.value]
    read = [classify(_headerless((CORPUS / row.name).read_bytes())).kind for row in notices]
    share = read.count(Kind.OUT_OF_OFFICE) / len(notices)
    assert share >= 0.9, f"{share:.1%} of {len(notices)} header-less notices read as absences"
