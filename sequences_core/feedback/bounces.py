"""Is this a delivery failure, for whom, and is it permanent?

A message is a bounce when it is a delivery report (multipart/report, message/delivery-status),
names failed recipients (X-Failed-Recipients), or comes from a mailer daemon with a bounce
subject. Who failed, and whether permanently, comes from the DSN's blocks and from flufl.bounce
(GNU Mailman's detectors for Exim, qmail, Postfix, Exchange, Domino-era and other MTAs);
the status from the DSN or the first enhanced code in the text.

Hard or soft, in order: a full mailbox or exceeded quota (x.2.2, "quota exceeded") is soft
even when the report calls it permanent — the address exists; a delay warning ("will retry",
Action: delayed, Exim's "has not yet been delivered") is soft unless a DSN block failed with
5.x.x; then a failed 5.x.x DSN block is hard; the text's first enhanced code decides next
(5.x.x hard; 4.x.x soft unless the words say permanent, as "retry timeout exceeded" does);
then flufl.bounce's permanent set, then the words ("user unknown", "no mailbox here",
"not listed in Domino Directory"); then the language tables' temporary words (a full mailbox,
"temporarily", "will try again later" in each language); a temporary sign is soft; a bounce
with no sign either way is hard, as a report that a message could not be delivered is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parseaddr

from sequences_core.feedback import patterns

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]\d)")
_SMTP_CODE = re.compile(r"(?<![\d.])([45])\d\d(?=[ -])")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs|odp|r|fw|fwd|wg|tr|rv|enc)\s*:", re.I)
_DAEMON = re.compile(
    r"\b(mailer-daemon|postmaster|mail-daemon|mail delivery (system|subsystem)|mailerdaemon"
    r"|mail router|mail administrator|mdaemon|microsoftexchange[0-9a-f]*"
    r"|groupwise internet agent)\b",
    re.I,
)
_SUBJECT = re.compile(
    r"(undeliver|not delivered|delivery warning|delivery (status notification|has failed"
    r"|failure|failed"
    r"|delayed|notification)|returned mail|mail delivery (failed|failure|system)|failure notice"
    r"|delivery failure|warning: (message|could not send)|delayed mail|non ?delivery"
    r"|could not send message|message (not delivered|delivery failed)|unzustellbar"
    r"|nicht zustellbar|non remis|non distribu|no entregado|no se puede entregar|não entregue"
    r"|não foi possível entregar|onbestelbaar|niet bezorgd|mancato recapito|non recapitabile"
    r"|niedostarczalne|nie można dostarczyć|kan inte levereras|olevererbart|kunne ikke leveres"
    r"|ikke leveret|ei voitu toimittaa|nedoručitelné|nelze doručit)",
    re.I,
)
_QUOTA = re.compile(
    r"\b[45]\.2\.2\b|quota|mailbox (is )?full|mailbox full|over ?quota|exceeded storage"
    r"|insufficient (storage|disk space)|mail ?folder is full|mailbox size limit|too many messages"
    r"|postfach (ist )?voll|speicherplatz|boîte (aux lettres )?pleine|buzón lleno"
    r"|caixa (postal )?(cheia|lotada)|casella (piena|postale piena)|brevlådan är full"
    r"|postkassen er fuld|skrzynka (pocztowa )?(jest )?pełna"
    r"|(mailbox|postfach|schránka|skrzynka|buzón|caixa|casella|brevlåda|postkasse|boîte|"
    r"postilaatikko|postboks)\b.{0,40}\b(full|voll|plná|pełna|przepełniona|lleno|llena|cheia|"
    r"lotada|piena|vol|fuld|pleine|täynnä|saturée?|satura|saturado|saturada|esaurito)\b",
    re.I,
)
_DELAY = re.compile(
    r"will (retry|continue (trying|to try)|keep trying|try again)|still (trying|being retried)"
    r"|delivery attempts will continue|has not (yet )?been delivered|not yet been delivered"
    r"|this is a warning only|warning message only|do not need to resend|delayed"
    r"|delivery (is )?delayed|temporarily (deferred|unavailable)|zustellung verzögert"
    r"|wird (erneut|weiterhin) versucht|retardé|retrasad|atrasad|vertraagd|ritardat"
    r"|nouvel(le)? (essai|tentative)|sera (retenté|réessayé)|riprover\w*|nuovi tentativi"
    r"|riprovare|ancora (stato )?consegnat\w*|continuer\w* a (riprovare|tentare)"
    r"|zatím nepodařilo doručit|budeme opakovat|ainda não foi entregue|novas tentativas"
    r"|inte levererats ännu|försöker igen|noch nicht zugestellt|erneut versucht"
    r"|nog niet (afgeleverd|bezorgd)|opnieuw (proberen|geprobeerd)|endnu ikke leveret"
    r"|prøver igen|ennå ikke levert|prøver igjen|ei ole vielä toimitettu|yritetään uudelleen"
    r"|jeszcze nie (został[oa]? )?dostarczon\w*|ponowi\w* prób\w*|aún no (se ha )?entregad\w*"
    r"|volveremos a intentar|pas encore été (remis|distribué|livré)"
    r"|se reintentar\w*|nuevos intentos|ser(á|a) reenviad|tentar(á|emos) novamente",
    re.I,
)
_PERMANENT = re.compile(
    r"user unknown|unknown user|no such (user|mailbox|recipient|address)|does not exist"
    r"|doesn't exist|permanent (error|failure)|i've given up|not listed in (the )?(domino )?"
    r"(public )?(name and address book|directory)|no mailbox here|invalid (recipient|mailbox|"
    r"address)|recipient (address )?rejected|address rejected|mailbox unavailable"
    r"|account (has been )?(disabled|deleted|closed)|unrouteable|unknown (local part|recipient)"
    r"|retry timeout exceeded|benutzer unbekannt|unbekannter empfänger|existiert nicht"
    r"|utilisateur inconnu|destinataire inconnu|n'existe pas|usuario desconocido|no existe"
    r"|usuário desconhecido|não existe|gebruiker onbekend|bestaat niet|utente sconosciuto"
    r"|non esiste|nie istnieje|finns inte|findes ikke|finnes ikke|ei ole olemassa|neexistuje",
    re.I,
)


@dataclass(frozen=True)
class Bounce:
    """A delivery failure: hard or soft, why, for whom, and the original's Message-IDs."""

    hard: bool
    status: str
    rule: str
    words: str
    recipients: tuple[str, ...]
    original_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Report:
    """What the DSN blocks say."""

    failed: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    diagnostic: str = ""
    original_ids: list[str] = field(default_factory=list)
    delivered: int = 0  # blocks saying delivered, relayed or expanded (a success report)


_MSGID = re.compile(r"(?im)^message-id:\s*(<[^>]+>)")


def _read_blocks(part: Message, report: _Report) -> None:
    blocks = part.get_payload() if part.is_multipart() else []
    for block in blocks:
        if not isinstance(block, Message):
            continue
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ")[0]
        if action not in ("failed", "delayed") and status[:1] not in ("4", "5"):
            report.delivered += action in ("delivered", "relayed", "expanded")
            continue
        rcpt = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        address = rcpt.split(";")[-1].strip().strip("<>").lower()
        target = report.delayed if action == "delayed" else report.failed
        target.append(address)
        report.statuses.append(status or ("4.0.0" if action == "delayed" else "5.0.0"))
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        report.diagnostic = report.diagnostic or diagnostic


def _read_report(message: Message) -> _Report:
    report = _Report()
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            _read_blocks(part, report)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                report.original_ids += re.findall(
                    r"<[^<>\s]+>", str(inner[0].get("Message-ID", ""))
                )
            elif isinstance(inner, str):
                report.original_ids += _MSGID.findall(inner)
    return report


def _is_report(message: Message) -> bool:
    """A delivery report (not a read receipt, which is multipart/report too)."""
    if message.get_content_type() != "multipart/report":
        return False
    return str(message.get_param("report-type", "delivery-status")).lower() == "delivery-status"


def looks_like_bounce(message: Message) -> bool:
    """A delivery report, a message naming failed recipients, or a mailer daemon's message."""
    if _is_report(message) or message.get("X-Failed-Recipients"):
        return True
    if _DAEMON.search(str(message.get("From", ""))):
        return True  # a mailer daemon never writes a reply
    subject = str(message.get("Subject", ""))
    if _REPLY_PREFIX.match(subject) or not _SUBJECT.search(subject):
        return False
    empty_path = str(message.get("Return-Path", "")).strip() in ("<>", "")
    return empty_path or any(
        p.get_content_type() == "message/delivery-status" for p in message.walk()
    )


def _library_failures(message: Message) -> tuple[set[str], set[str]]:
    """flufl.bounce's (temporary, permanent) recipients; nothing if a detector trips."""
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector on malformed input: the other evidence still decides
        return set(), set()

    def decode(found: frozenset[bytes]) -> set[str]:
        return {a.decode("ascii", "replace").strip("<>").lower() for a in found if a}

    return decode(temporary), decode(permanent)


Decision = tuple[bool, str, str]  # (hard, rule, the words that decided)


def _soft_first(report: _Report, text: str, evidence: str) -> Decision | None:
    """A full mailbox, or a delay the MTA will retry: soft whatever else the report says."""
    quota = _QUOTA.search(evidence)
    if quota:
        return False, "mailbox full or over quota (soft even if called permanent)", quota.group(0)
    if any(s.startswith("5") for s in report.statuses):
        return None
    if report.delayed:
        return False, "delivery delayed (DSN Action: delayed)", "Action: delayed"
    delay = _DELAY.search(text)
    if delay:
        return False, "delay warning (the MTA will retry)", delay.group(0)
    return None


def _permanent_words(evidence: str) -> str | None:
    """The words that say the failure is permanent: the fixed ones, then the language tables'
    ("uživatel je neznámý", "casella disattivata")."""
    said = _PERMANENT.search(evidence)
    if said is not None:
        return said.group(0)
    table = patterns.first("bounce_hard", evidence)
    return table.words if table is not None else None


def _permanence(
    report: _Report, evidence: str, temporary: set[str], permanent: set[str]
) -> Decision:
    """Hard on the first permanent sign, in order of authority; soft on a temporary one."""
    hard_block = next((s for s in report.statuses if s.startswith("5")), None)
    if hard_block:
        return True, "permanent failure (DSN)", f"Status: {hard_block}"
    code = _STATUS.search(evidence)
    said = _permanent_words(evidence)
    if code:
        if code.group(1) == "5" or said:
            words = code.group(0) + (f" {said}" if said else "")
            return True, "permanent failure (enhanced status code)", words
        return False, "temporary failure (enhanced status code)", code.group(0)
    if permanent:
        return True, "permanent failure (flufl.bounce)", ", ".join(sorted(permanent))
    if said:
        return True, "permanent failure (the report's words)", said
    soft = patterns.first("bounce_soft", evidence)
    if soft is not None:  # "schránka je zaplněná", "later opnieuw", "nova tentativa"
        return False, f"temporary failure (the report's words, {soft.language})", soft.words
    if temporary or report.statuses:
        return False, "temporary failure", ", ".join(sorted(temporary)) or report.statuses[0]
    basic = _SMTP_CODE.search(evidence)
    if basic and basic.group(1) == "4":
        return False, "temporary failure (SMTP code)", basic.group(0)
    return True, "undeliverable (no sign the failure is temporary)", basic.group(0) if basic else ""


def _decide(report: _Report, text: str, temporary: set[str], permanent: set[str]) -> Decision:
    text = " ".join(text.split())  # a report's lines are wrapped anywhere ("wird erneut\nversucht")
    evidence = " ".join([report.diagnostic, text])
    return _soft_first(report, text, evidence) or _permanence(
        report, evidence, temporary, permanent
    )


def _status(report: _Report, text: str, hard: bool) -> str:
    if report.statuses:
        wanted = "5" if hard else "4"
        return next((s for s in report.statuses if s.startswith(wanted)), report.statuses[0])
    code = _STATUS.search(text)
    if code and code.group(1) in "45":
        return code.group(0)
    basic = _SMTP_CODE.search(text)
    if basic:
        return f"{basic.group(1)}.0.0"
    return "5.0.0" if hard else "4.0.0"


# Where a bounce's text stops describing the failure and starts copying our message back.
_COPY = re.compile(
    r"^\s*(-{2,}.{0,40}(copy of|original message|returned message|message headers|headers of"
    r"|original headers|undelivered message|rfc822)|(received|return-path|message-id"
    r"|dkim-signature|original message headers)\s*:|original message follows"
    r"|below this line is a copy)",
    re.I | re.M,
)


def _texts(part: Message) -> list[str]:
    """The report's own text parts (not those of the returned original message)."""
    if part.get_content_maintype() == "message":
        return []
    if part.is_multipart():
        inner = part.get_payload()
        return [t for sub in inner if isinstance(sub, Message) for t in _texts(sub)]
    if part.get_content_type() not in ("text/plain", "text/html"):
        return []
    payload = part.get_payload(decode=True)
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace") if isinstance(payload, bytes) else ""
    except LookupError:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        from sequences_core.rules.html_text import text_from_html

        text = text_from_html(text)
    return [text]


# A delivery report says what failed in its first lines; the rest is the copy it returns.
_NOTICE_CHARS = 20_000


def notice_text(message: Message) -> str:
    """What the report says about the failure, without the copy of our message it returns."""
    text = "\n".join(_texts(message))[:_NOTICE_CHARS]
    found = _COPY.search(text)
    return text[: found.start()] if found else text


_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _recipients(message: Message, report: _Report, text: str, library: set[str]) -> list[str]:
    """Who failed: the DSN's, flufl.bounce's and X-Failed-Recipients' addresses; failing all of
    them, the addresses the report's text names other than its own sender and receiver."""
    found = [*report.failed, *report.delayed, *sorted(library)]
    header = str(message.get("X-Failed-Recipients", ""))
    found += [a.strip().strip("<>").lower() for a in header.split(",") if "@" in a]
    if found:
        return found
    own = {parseaddr(str(message.get(h, "")))[1].lower() for h in ("From", "To", "Return-Path")}
    return [a.lower() for a in _ADDRESS.findall(text) if a.lower() not in own]


def _ses_notification(text: str) -> Bounce | None:
    """An Amazon SES bounce notification (SNS JSON) mailed as the message's body."""
    start = text.find("{")
    if start < 0 or '"notificationType"' not in text[:2000]:
        return None
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    bounce = data.get("bounce") if isinstance(data, dict) else None
    if data.get("notificationType") != "Bounce" or not isinstance(bounce, dict):
        return None
    failed = [r for r in bounce.get("bouncedRecipients") or [] if isinstance(r, dict)]
    full = bounce.get("bounceSubType") == "MailboxFull"  # soft even if called permanent
    hard = bounce.get("bounceType") == "Permanent" and not full
    status = next((str(r["status"]) for r in failed if r.get("status")), "")
    kind = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}"
    return Bounce(
        hard=hard,
        status=status or ("5.0.0" if hard else "4.0.0"),
        rule="Amazon SES bounce notification",
        words=kind,
        recipients=tuple(str(r.get("emailAddress", "")).lower() for r in failed),
    )


def read_bounce(message: Message) -> Bounce | None:
    """The delivery failure this message reports, or None when it is not a bounce."""
    if not looks_like_bounce(message):
        return _ses_notification("\n".join(_texts(message))[:_NOTICE_CHARS])
    text = notice_text(message)
    report = _read_report(message)
    if report.delivered and not (report.failed or report.delayed):
        return None  # "Delivered:", "Relayed:": a success report, not a failure
    temporary, permanent = _library_failures(message)
    hard, rule, words = _decide(report, text, temporary, permanent)
    recipients = _recipients(message, report, text, temporary | permanent)
    original = report.original_ids or _MSGID.findall("\n".join(_texts(message)))
    return Bounce(
        hard=hard,
        status=_status(report, " ".join([report.diagnostic, text]), hard),
        rule=rule,
        words=" ".join(words.split())[:200],
        recipients=tuple(dict.fromkeys(r for r in recipients if r)),
        original_ids=tuple(original),
    )
