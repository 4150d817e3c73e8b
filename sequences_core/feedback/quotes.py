"""The lead's own new words: the reply without the quoted original, signature and legal footer.

Opt-out and absence rules read only this text, because the quoted original carries our own
unsubscribe wording and a footer says "if you no longer wish to receive" to every reader.
mail-parser-reply knows many clients' quote headers and signatures; before it runs, lines the
languages' tables name (quote openers, Outlook's un-prefixed "From:/Sent:" block and its
translations) and ">"-quoted lines cut the text, and after it the tables' footers do.
"""

from __future__ import annotations

import re
from functools import cache

from sequences_core.feedback.languages import LANGUAGES
from sequences_core.feedback.patterns import plain

# Where HTML replies put the quoted original (Gmail, Outlook, Apple Mail, Thunderbird).
_HTML_QUOTE = re.compile(
    r"<blockquote|<div[^>]*(gmail_quote|divRplyFwdMsg|appendonsend|moz-cite-prefix"
    r"|OutlookMessageHeader|yahoo_quoted)|<hr[^>]*id=\"?stopSpelling",
    re.IGNORECASE,
)


def html_before_quote(html: str) -> str:
    """The HTML up to the first quoted-original block (all of it when there is none)."""
    found = _HTML_QUOTE.search(html)
    return html[: found.start()] if found else html


# In any language, a line naming an address in angle brackets and ending in a colon is the
# attribution line above a quote ("po 9. 11. 2026 v 15:00 odesílatel Dana <d@x> napsal:").
_ATTRIBUTION = r".{0,200}<[^<>\s]+@[^<>\s]+>\)?.{0,120}:"


# How much of a body is looked at for quotes, and how much of the reply above them is read.
_READ_CHARS = 100_000
_OWN_CHARS = 4_000


@cache
def _opener() -> re.Pattern[str]:
    """A line that opens quoted history in any of the languages."""
    lines = [plain(p) for table in LANGUAGES.values() for p in table.quote_lines]
    lines.append(_ATTRIBUTION)
    return re.compile(rf"(?:{'|'.join(lines)})$", re.IGNORECASE)


@cache
def _header_label() -> re.Pattern[str]:
    """An Outlook header line: "From:", "Von:", "De :", "Envoyé :", with optional bold stars."""
    labels = {plain(t.from_label) for t in LANGUAGES.values() if t.from_label}
    labels |= {plain(s) for t in LANGUAGES.values() for s in t.sent_labels}
    alternatives = "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
    return re.compile(rf"\**\s?(?P<label>{alternatives})\s?\**\s?:", re.IGNORECASE)


@cache
def _from_labels() -> frozenset[str]:
    return frozenset(plain(t.from_label).lower() for t in LANGUAGES.values() if t.from_label)


@cache
def _mobile() -> re.Pattern[str]:
    phrases = [plain(p) for table in LANGUAGES.values() for p in table.mobile_signatures]
    return re.compile(f"(?:{'|'.join(phrases)})", re.IGNORECASE)


@cache
def _footer() -> re.Pattern[str]:
    phrases = [plain(p) for table in LANGUAGES.values() for p in table.footers]
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


def _outlook_block(lines: list[str], index: int) -> bool:
    """A "From:" line followed within three lines by another header label opens a quote."""
    found = _header_label().match(plain(lines[index].strip()))
    if found is None or found.group("label").lower() not in _from_labels():
        return False
    return any(_header_label().match(plain(line.strip())) for line in lines[index + 1 : index + 4])


def _cut_quotes(body: str) -> str:
    """The text above the first quoted line, quote opener, mobile signature or Outlook block."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        stripped = plain(line.strip())  # every table's words are matched without accents
        if (
            stripped.startswith(">")
            or line.rstrip() == "--"  # the signature delimiter ("-- ")
            or _opener().match(stripped)
            or _mobile().match(stripped)
            or _outlook_block(lines, index)
        ):
            return "\n".join(lines[:index])
    return body


def _cut_footer(text: str) -> str:
    """The text above the paragraph line where a legal footer or list boilerplate starts."""
    found = _footer().search(plain(text))
    if found is None or "\n\n" not in text[: found.start()].strip():
        return text  # a footer follows the reply's own first paragraph
    return text[: text.rfind("\n", 0, found.start()) + 1]


@cache
def _closing() -> re.Pattern[str]:
    phrases = [plain(p) for table in LANGUAGES.values() for p in table.closings]
    return re.compile(rf"\s*(?:{'|'.join(phrases)})\s*[,.!]*\s*$", re.IGNORECASE)


def _cut_signature(text: str) -> str:
    """The text above a closing line ("Mit freundlichen Grüßen"), if it is not the first line."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index and line.strip() and len(line) <= 40 and _closing().match(plain(line)):
            return "\n".join(lines[:index])
    return text


def _library_reply(text: str) -> str:
    """mail-parser-reply's latest reply (above the quote headers it knows)."""
    from mailparser_reply.parser import EmailMessage

    codes = [t.reply_parser for t in LANGUAGES.values() if t.reply_parser]
    message = EmailMessage(text=text, languages=codes, keep_hyphen_lists=True).read()
    # Its quote headers, not its signature list: that cuts at any line starting "Tak" (Danish
    # "thanks"), so "Takk for e-posten. Jeg er på juleferie …" lost the notice.
    return message.replies[0].full_body if message.replies else text


# A line that ends a sentence (a date's "13.08." does not), and a bullet ("17. november" is
# a date, not a numbered item).
_ENDS_SENTENCE = re.compile(r"(?<!\d)[.!?:;]\s*$")
_ITEM = re.compile(r"\s*[-*•]\s")
# Mail clients hard-wrap plain text at 72-78 columns, phones and old gateways narrower: a line
# within a dozen characters of the text's longest line (at least 35 long) ran on.
_WRAPPED_CHARS = 60
_NARROWEST_WRAP = 35
_UNWRAPPED = 100  # a body with longer lines is not hard-wrapped


def _unwrap(text: str, widest: int) -> str:
    """The text with hard-wrapped lines joined ("I'm out of the\noffice until"): a line that
    ends no sentence runs on when the next starts in lower case or a digit, or when it is as
    long as a wrapped line (`widest`: the body's longest line, quote included); a greeting, a
    name or a list item stays on its own line."""
    lines = text.split("\n")
    full = min(_WRAPPED_CHARS, widest - 12) if widest >= _NARROWEST_WRAP else _WRAPPED_CHARS
    out = [lines[0]]
    for line in lines[1:]:
        last = out[-1]
        runs_on = (
            last.strip()
            and line.strip()
            and not _ENDS_SENTENCE.search(last)
            and not _ITEM.match(line)
            and (line.lstrip()[:1].islower() or line.lstrip()[:1].isdigit() or len(last) >= full)
        )
        if runs_on:
            out[-1] = f"{last.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _below_quotes(body: str) -> str:
    """A bottom-posted or inline reply's own lines: those that are not ">"-quoted and not a
    quote's attribution line, up to the signature ("On … wrote:\n> …\n\nPlease remove me")."""
    own: list[str] = []
    lines = body.split("\n")
    for index, line in enumerate(lines):
        stripped = plain(line.strip())
        if line.rstrip() == "--" or _mobile().match(stripped) or _outlook_block(lines, index):
            break  # a signature, or an Outlook block: the original is not ">"-quoted there
        quote_follows = index + 1 < len(lines) and lines[index + 1].lstrip().startswith(">")
        if _opener().match(stripped) and not quote_follows:
            break  # "-----Original Message-----"
        if stripped.endswith(":") and quote_follows:
            continue  # "Dana Whitfield wrote:"
        if not stripped.startswith(">") and not _opener().match(stripped):
            own.append(line)
    return "\n".join(own)


def _without_attribution(top: str) -> str:
    """The text above a quote without its last line when that introduces the quote ("Dana
    Whitfield wrote:", "See below:")."""
    lines = top.rstrip().split("\n")
    return "\n".join(lines[:-1]) if lines[-1].rstrip().endswith(":") else top


# Fewer words than this above the first quote: the reply is below it (or between its lines).
_TOP_POSTED_WORDS = 3


def new_text(body: str) -> str:
    """The lead's own words in a reply body (from its first characters: what decides is at the
    top, and the rules' cost grows with the text); below the quote when nothing is above it."""
    body = body[:_READ_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    text = _cut_quotes(body)
    if len(_without_attribution(text).split()) < _TOP_POSTED_WORDS and "\n>" in f"\n{body}":
        text = _below_quotes(body)
    text = text[:_OWN_CHARS]
    if not text.strip():
        return ""
    own = _cut_signature(_cut_footer(_library_reply(text)))
    widest = max((len(line) for line in body.split("\n")), default=0)
    return _unwrap(own, widest if widest <= _UNWRAPPED else 0).strip()
