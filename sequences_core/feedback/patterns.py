"""Words that mark out-of-office replies, opt-outs and departures, in seven languages,
and the date expressions an out-of-office names its return with.

Patterns are matched on normalised text (lower case, single spaces). They are
data: add a language by adding its phrases here, not by touching the rules.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# Subject prefixes that mail systems put on automatic replies.
AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[ -]?reply|autoreply|auto response|out of (the )?office"
    r"|ooo\b|away from (the )?office|abwesenheitsnotiz|automatische antwort|abwesend"
    r"|réponse automatique|reponse automatique|absence du bureau|absent\b"
    r"|respuesta automática|respuesta automatica|fuera de la oficina"
    r"|resposta automática|resposta automatica|ausência|ausente do escritório"
    r"|automatisch antwoord|afwezig|niet aanwezig|risposta automatica|fuori ufficio|assente)",
    re.IGNORECASE,
)

OUT_OF_OFFICE = re.compile(
    r"out of (the )?office|away from (the )?office|on (annual |parental |sick )?leave|on vacation"
    r"|on holiday|currently away|limited access to (my )?e-?mail|i am away|i'm away|i will be away"
    r"|i am out|i'm out|bin (derzeit |zurzeit )?(nicht im büro|abwesend|im urlaub)"
    r"|außer haus|ausser haus|abwesenheit|im urlaub"
    r"|absent(e)? du bureau|en congés?|en vacances|je suis absent"
    r"|fuera de la oficina|de vacaciones|estoy ausente|ausente de la oficina"
    r"|fora do escritório|de férias|estou ausente|ausente do escritório"
    r"|afwezig|met vakantie|niet op kantoor|ben niet aanwezig"
    r"|fuori ufficio|in ferie|sono assente|in vacanza",
    re.IGNORECASE,
)

LEFT_COMPANY = re.compile(
    r"no longer (with|at|work(s|ing)? (for|at)|employed)|(has|have) left (the company|\w+)"
    r"|this (e-?mail )?(address|mailbox|inbox) is no longer (monitored|active|in use)"
    r"|no longer monitored|nicht mehr (im unternehmen|bei|für|tätig)|hat das unternehmen verlassen"
    r"|postfach wird nicht mehr|ne fait plus partie|n'est plus (chez|au sein)|a quitté"
    r"|ya no (trabaja|forma parte|está en)|ha dejado la empresa|não (trabalha|faz parte) mais"
    r"|deixou a empresa|niet meer (werkzaam|in dienst)|heeft .{0,30} verlaten"
    r"|non (lavora|fa) più|ha lasciato l'azienda",
    re.IGNORECASE,
)

UNSUBSCRIBE = re.compile(
    r"\bunsubscribe\b|remove me|take me off|stop (e-?mailing|contacting|sending|writing)"
    r"|don'?t (e-?mail|contact|write to) me|do not (e-?mail|contact|write to) me"
    r"|not interested,? (please )?(remove|stop)|opt(-| )?out|no more e-?mails"
    r"|abmelden|austragen|keine (weiteren )?(e-?mails|nachrichten)|nicht mehr (kontaktieren|anschreiben|schreiben)"
    r"|désinscri|desinscri|retirez-moi|ne plus (me )?(contacter|écrire|recevoir)|arrêtez de m'écrire"
    r"|darme de baja|dar de baja|no me (escriba|contacte)s?|elimíneme|quitadme|dejen de (escribir|enviar)"
    r"|descadastr|remova-me|me remova|não me (envie|contate|escreva)|parem de (enviar|escrever)"
    r"|afmelden|uitschrijven|verwijder mij|geen e-?mails meer|stop met mailen"
    r"|disiscri|cancellatemi|rimuovetemi|non (scrivetemi|contattatemi)|non voglio (più )?ricevere",
    re.IGNORECASE,
)

# Where quoted history starts in a reply ("On … wrote:" and its translations, Outlook blocks).
QUOTE_HEADER = re.compile(
    r"^(on .{0,200}wrote:|am .{0,200}schrieb .{0,100}:|le .{0,200}a écrit ?:|el .{0,200}escribió ?:"
    r"|em .{0,200}escreveu ?:|op .{0,200}schreef .{0,100}:|il .{0,200}ha scritto ?:"
    r"|-{2,} ?(original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|mensagem original|oorspronkelijk bericht|messaggio originale) ?-{2,}"
    r"|_{10,}|from: .+|von: .+|de ?: .+|da: .+|van: .+)$",
    re.IGNORECASE,
)

MONTHS: dict[str, int] = {}
for number, names in enumerate(
    [
        "january jan januar janvier enero janeiro januari gennaio gen ene",
        "february feb februar février fevrier febrero fevereiro februari febbraio fev",
        "march mar märz maerz mars marzo março marco maart",
        "april apr avril abril aprile",
        "may mai mayo maio mei maggio mag",
        "june jun juni juin junio junho giugno giu",
        "july jul juli juillet julio julho luglio lug",
        "august aug august août aout agosto augustus ago",
        "september sep sept septembre septiembre setembro settembre set",
        "october oct oktober octobre octubre outubro ottobre okt out ott",
        "november nov novembre noviembre novembro",
        "december dec dezember décembre decembre diciembre dezembro dicembre dez dic",
    ],
    start=1,
):
    for name in names.split():
        MONTHS[name] = number

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# Phrases that introduce the return (or last absent) day.
_RETURN_CUE = (
    r"(back|return(ing)?|returns|in the office|reachable|available)( on| by| from)?|until|till|through"
    r"|zurück( am| ab)?|wieder (im büro |erreichbar )?(am|ab)|ab dem|bis( zum| einschließlich)?"
    r"|de retour( le)?|retour( le)?|jusqu'au|à partir du|a partir du"
    r"|de vuelta( el)?|regreso( el)?|volveré( el)?|hasta( el)?|a partir del"
    r"|de volta( em| a| no dia)?|retorno( em| a)?|volto( em| a| no dia)?|até( o dia| dia)?"
    r"|terug( op| vanaf)?|vanaf|tot( en met)?"
    r"|rientro( il| dal)?|di ritorno( il)?|fino al|dal"
)
_DATE = (
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+|of\s+)?(?P<m1>{_MONTH})\.?(?:\s+(?:de\s+)?(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    r"|(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})"
    r"|(?P<d4>\d{1,2})[./-](?P<m4>\d{1,2})(?:[./-](?P<y4>\d{2,4}))?\.?"
)
RETURN_DATE = re.compile(
    rf"(?:{_RETURN_CUE})[\s:,]+(?:(?:the|le|el|il|den|dem|o|op)\s+)?(?:{_DATE})", re.IGNORECASE
)


def _year(raw: str | None, month: int, day: int, sent: date) -> date | None:
    if raw:
        year = int(raw)
        year += 2000 if year < 100 else 0
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for year in (sent.year, sent.year + 1):  # the next such day on or after the message
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= sent - timedelta(days=1):
            return candidate
    return None


def find_return_date(text: str, sent: date, *, month_first: bool = False) -> date | None:
    """The day an out-of-office names as its return, if any (within a year of `sent`)."""
    for match in RETURN_DATE.finditer(text):
        g = match.groupdict()
        if g["m1"]:
            day, month, year = int(g["d1"]), MONTHS[g["m1"].lower()], g["y1"]
        elif g["m2"]:
            day, month, year = int(g["d2"]), MONTHS[g["m2"].lower()], g["y2"]
        elif g["y3"]:
            day, month, year = int(g["d3"]), int(g["m3"]), g["y3"]
        else:
            first, second, year = int(g["d4"]), int(g["m4"]), g["y4"]
            day, month = (second, first) if month_first and first <= 12 else (first, second)
            if month > 12 and day <= 12:
                day, month = month, day
        if not 1 <= month <= 12:
            continue
        found = _year(year, month, day, sent)
        if found is not None and sent - timedelta(days=1) <= found <= sent + timedelta(days=366):
            return found
    return None
