"""What the classifier knows about each language: one table per language, nothing else.

Adding a language is adding a table here (and its code to ``LANGUAGES``); the rules in
absence.py, optout.py, return_dates.py and quotes.py read only these tables. Phrases are
regular-expression fragments matched case-insensitively on text whose whitespace is collapsed
to single spaces; month and weekday names come from Babel's CLDR data by ``locale``, so a table
lists only the words CLDR does not have.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One language's words, grouped by the rule that reads them."""

    code: str
    locale: str  # Babel/CLDR locale for month names
    # Subject prefixes that mail systems put on automatic replies.
    auto_subjects: tuple[str, ...] = ()
    # Statements that the writer is away (out of office, on leave, travelling).
    absence: tuple[str, ...] = ()
    # Wording that only automatic absence notices use (limited access, urgent matters ...):
    # with an absence statement it makes a body an out-of-office even without automatic headers.
    notice: tuple[str, ...] = ()
    # Words that put the return day right after them ("back on X", "de retour le X").
    back: tuple[str, ...] = ()
    # Words that put the last day away right after them ("until X"): the return is X + 1 day.
    until: tuple[str, ...] = ()
    # Words that put the last day away right before them (Finnish "X asti").
    until_after: tuple[str, ...] = ()
    # What ticket systems and shared mailboxes answer with ("we have received your message").
    acknowledgement: tuple[str, ...] = ()
    # Requests to stop mailing, however phrased, in the writer's own words.
    optout: tuple[str, ...] = ()
    # Opt-outs however phrased: word classes that, all in one sentence and in any order, make
    # one ("refrain" + "emailing" + "me"; "slette" + "mailliste" + "mig"). Each is an
    # alternation of word stems; a word matches a class when it starts with one of them.
    optout_frames: tuple[tuple[str, ...], ...] = ()
    # Words that put off rather than refuse ("don't send me anything until Q2", "for now").
    deferrals: tuple[str, ...] = ()
    # Words that open a contrasting clause after a comma ("…, but …"): a frame stays inside one.
    contrasts: tuple[str, ...] = ()
    # Whole replies that are an opt-out by themselves ("STOP").
    optout_alone: tuple[str, ...] = ()
    # The person has left the company / the mailbox is no longer read.
    left_company: tuple[str, ...] = ()
    # Lines that open quoted history ("On … wrote:") beyond what mail-parser-reply knows.
    quote_lines: tuple[str, ...] = ()
    # Outlook's un-prefixed header block: its "From" label and the labels that follow it.
    from_label: str = ""
    sent_labels: tuple[str, ...] = ()
    # "Tomorrow" as a return day ("back tomorrow").
    tomorrow: tuple[str, ...] = ()
    # Mobile clients' signature lines ("Sent from my iPhone"): the reply ends above them.
    mobile_signatures: tuple[str, ...] = ()
    # Words right before an opt-out phrase that turn it round ("please don't remove me").
    negations: tuple[str, ...] = ()
    # A question opened by a modal, "you" and a negation asks politely, and the negation does
    # not turn it round ("Vil I ikke afmelde mig?", "Könnten Sie mich nicht austragen?").
    polite_asks: tuple[str, ...] = ()
    # First-person words: a question about opting out is a request only with one of them
    # ("can you take me off?"), not "does it stop if someone unsubscribes?".
    self_words: tuple[str, ...] = ()
    # Closing lines ("Best regards"): the signature below them (event dates, addresses) is not
    # the writer's message.
    closings: tuple[str, ...] = ()
    # Legal footers and list boilerplate (addressed to the reader, never the writer's request).
    footers: tuple[str, ...] = ()
    # Words between a day and its month or year ("3 de noviembre de 2026", "3rd of November").
    date_joiners: tuple[str, ...] = ()
    # Words that may stand between an "until" word and its date besides weekday names (Babel's):
    # "bis zum", "hasta el", "do dnia". Any other word there ("do biura", "to the office")
    # means the "until" word was a preposition of something else.
    articles: tuple[str, ...] = ()
    extra_months: tuple[tuple[str, int], ...] = ()
    # "DMY" or "MDY" for numeric dates; "" when the language is written both ways (left out
    # when ambiguous).
    date_order: str = "DMY"
    # A reply that engages whatever it says about being away: the writer asks to be sent
    # something or proposes to talk ("send me the deck", "hablemos el martes"). It makes a
    # header-less note that mentions leave a person's reply, not an out-of-office.
    engagement: tuple[str, ...] = ()
    # Plain words of a delivery report that make it temporary when no status code says
    # otherwise: the mailbox is full or over its size, the failure is temporary, the MTA tries
    # again later.
    bounce_soft: tuple[str, ...] = ()
    # Plain words of a delivery report that make it permanent (the address is unknown, does
    # not exist, was closed), read in every language alongside the status codes.
    bounce_hard: tuple[str, ...] = ()
    # A departure as two word classes in one clause, either order: the tie (company, post,
    # employment, collaboration) and its ending (left, ended, terminated), or the tie and
    # "no longer" ("nie jestem już pracownikiem firmy").
    departure_frames: tuple[tuple[str, str], ...] = ()
    # Third persons before an opt-out word make it about them ("whether she should unsubscribe").
    others: tuple[str, ...] = ()
    # Words that say a state holds again ("checking email again on", "tavoitettavissa taas"):
    # before a date they name the return in a notice, but not in a person's "thanks again for
    # the call on Tuesday", so they count only where the message is otherwise a notice.
    again: tuple[str, ...] = ()
    # Verbs and nouns of returning and resuming as stems that take any ending ("regres" for
    # regreso, regresaré, regresamos; "wr[óo]c" for wrócę, wrócimy): a date close after (or,
    # but for availability, before) one names the return, in any person or tense. Like
    # `again`, they count only where the message is otherwise a notice, so a person's "I'll
    # return the contract by Friday" is no absence. Adding a language is adding its stems.
    returning: tuple[str, ...] = ()
    # Being reachable or available as stems ("erreichbar", "joignable", "k dispozici",
    # "tavoitettav"): "available from X", "erreichbar ab X" name the return the same way.
    available: tuple[str, ...] = ()
    # Words that put a day of the month alone after them ("el día 15", "am 15."): a return cue
    # before them makes it the return day, the next such day after the message's date.
    day_words: tuple[str, ...] = ()
    # Words right after a return word that give it an object ("return the contract", "get
    # back to you", "je reviens vers vous"): it then names no return of the writer.
    return_objects: tuple[str, ...] = ()
    # Words that address the reader ("you", "Ihnen", "vous", "dig"): a terse note that names a
    # day and addresses the reader promises contact ("ich rufe Sie am 15.11. zurück"), it is no
    # absence notice. Words that are another word in another table ("je", "le", "vi", "er")
    # are left out: every table's words are read in every message.
    addressee: tuple[str, ...] = ()
    # "Am/is/will not be" in one word or two where the tables' negations do not say it
    # ("nejsem", "en ole"): before an availability stem they make an absence ("nejsem v
    # kanceláři"), as a negation does ("nicht erreichbar", "not available").
    negated_copulas: tuple[str, ...] = ()
    # Real words one slip from an opt-out keyword that mean something else (German "anmelden",
    # to register, next to "abmelden"): never read as a slip of it.
    lookalikes: tuple[str, ...] = ()
    # mail-parser-reply's code when it knows the language's quote headers.
    reply_parser: str = ""


ENGLISH = Language(
    code="en",
    addressee=(
        r"you",
        r"your",
        r"yours",
    ),
    return_objects=(
        r"the|a|an|your|his|her|their|this|that|these|those|it|them|him",
        r"(to )?you",
    ),
    returning=(
        r"re-?open",
        r"return",
        r"resum",
        r"re-?join",
        r"(be|get|come|coming|getting) back",
    ),
    available=(
        r"availab",
        r"reachab",
        r"contactab",
        r"(in|at) (the|my) (office|desk)",
    ),
    locale="en",
    again=(r"again",),
    bounce_hard=(
        r"user unknown",
        r"unknown (user|recipient)",
    ),
    departure_frames=(
        (r"compan\w*|firm|organi[sz]ation|employ\w*|staff|work\w*", r"no longer"),
        (
            r"compan\w*|firm|organi[sz]ation|employ\w*|role|position|job|team",
            r"left|ended|terminated|finished|moved on",
        ),
    ),
    others=(
        r"he",
        r"she",
        r"they",
        r"someone",
        r"somebody",
        r"whether",
    ),
    engagement=(
        r"(give|drop) me a (call|ring)",
        r"(call|ring|phone) me\b",
        r"(send|forward|e-?mail|mail) (it|them|this|that|the \w+|over )?\s?(to )?me\b(?! at)",
        r"let'?s (talk|chat|speak|meet|catch up|set up|book|schedule|find)",
        r"happy to (chat|talk|take a look|look)",
    ),
    bounce_soft=(
        r"temporar\w*",
        r"try again later",
        r"storage (limit|quota|space)",
        r"exceed\w* .{0,30}(storage|size|limit)",
        r"over (its |the )?(size|storage|quota)",
    ),
    auto_subjects=(
        r"(not )?read ?:",
        r"delivered ?:",
        r"automatic reply",
        r"auto(matic)?[ -]?(reply|response)",
        r"autoreply",
        r"out of (the )?office",
        r"ooo\b",
        r"away from (the )?office",
        r"on (vacation|holiday|leave)\b",
        r"absence( notice)?:",
    ),
    absence=(
        r"(office|offices|shop|store|plant|warehouse|premises)\b.{0,40}\b(closed|shut)\b",
        r"\bon sick leave\b",
        r"\bout sick\b",
        r"out of (the )?office",
        r"\booo\b",
        r"away from (the |my )?(office|desk|e-?mail)",
        r"on (annual |parental |maternity |paternity |sick |medical |study |extended )?leave",
        r"on (vacation|holiday|holidays|a business trip|business travel|pto|sabbatical)",
        r"(i am|i'm|i will be|i'll be|currently) (currently )?(away|out|off|travell?ing)\b",
        r"(i am|i'm) (currently )?(on|in) (vacation|holiday)",
        r"off (work|sick)",
        r"(at|attending) (an?|our|the) (\w+ ){0,2}(conference|trade ?show|fair|training|offsite"
        r"|off-site|event|summit|retreat)",
        r"on (an?|my|our) (\w+ ){0,2}(trip|holiday|vacation|training course|course|retreat"
        r"|offsite)",
        r"taking (a break|time off|some time off)",
        r"(office|offices|we) (is|are|will be) (closed|shut)",
    ),
    notice=(
        r"after the (long |bank )?(weekend|holidays?|break|festive season)",
        r"in my absence",
        r"my (deputy|stand-?in)\b",
        r"(is|will be) covering for me",
        r"(only )?(intermittently|occasionally|sporadically|rarely)"
        r" (reachable|available|contactable|online)",
        r"(limited|no|without|intermittent|restricted) access to (my )?e-?mails?",
        r"(reply|respond|answer|get back to you|attend to)\b.{0,60}\b(upon|on|after) my return",
        r"(upon|on|after) my return",
        r"when i (return|am back|get back)",
        r"(for|with|regarding) (any )?(urgent|immediate|pressing) (matters|issues|requests|"
        r"enquiries|inquiries|questions|assistance|needs)",
        r"(if|in case)( it| this|your (matter|message|request|enquiry|inquiry))? is urgent",
        r"in (an )?urgent cases?",
        r"(please )?(contact|reach out to|email|e-mail) my (colleague|team|assistant|manager)",
        r"(will|shall) not be (checking|reading|monitoring) (my )?e-?mails?",
        r"(not|n't) (be )?(checking|reading|monitoring) (my )?(e-?mails?|mail|messages|inbox)",
        r"(limited|patchy|spotty|intermittent|poor|no) (e-?mail |internet |wi-?fi |cell |phone )?"
        r"(access|connectivity|connection|signal|coverage|reception)",
        r"(checking|reading) (my )?(e-?mails?|mail|messages) (only )?(occasionally|sporadically"
        r"|intermittently|rarely|infrequently)",
        r"(if|in case) (it'?s|it is|this is) urgent",
        r"\b(i'?ll|i will) be offline\b",
        r"(won'?t|will not|cannot|can'?t) (be able to )?(read|check|reply|respond)",
        r"(e-?mail|message)s? will (not )?be (read|forwarded|answered|responded)",
    ),
    back=(
        r"when i'?m (back|in)",
        r"(respond|repl|answer)\w* (to (e-?mails?|messages|mail) )?(again )?from",
        r"(be )?reached again",
        r"reachable again",
        r"back",
        r"return(ing|s)?",
        r"(in|into|at) the office",
        r"(to|in|into|at) the office",
        r"(reachable|available) again",
        r"resum(e|ing)",
    ),
    until=(
        r"and",  # "between the 2nd and the 9th": the last day of the range
        r"to",
        r"until",
        r"till",
        r"til",
        r"through",
        r"thru",
        r"up to and including",
    ),
    acknowledgement=(
        r"thank(s| you) for contacting",
        r"this (inbox|mailbox) is (only )?(checked|monitored|read)",
        r"only (\w+ ){0,2}(check\w*|glanc\w*|read\w*|look\w*|monitor\w*)( at| on)? (my )?"
        r"(e-?mails?|inbox|messages)",
        r"we('ll| will) (answer|reply|respond|get back to you) as soon as (we can|possible)",
        r"we('ve| have) received your (message|e-?mail|request|enquiry|inquiry)",
        r"(one of our team|a member of (our|the) team|our team|someone|an agent) will "
        r"(get back to you|be in touch|respond|reply|contact you)",
        r"your (request|ticket|case|enquiry|inquiry) (has been (received|created|logged)|"
        r"number|#|id\b)",
        r"(please )?do not reply to this (automated )?(e-?mail|message)",
        r"this (is an automated|mailbox is not monitored|address is not monitored)",
    ),
    optout=(
        r"\bunsub(?!scribed)\w{0,8}\b(?! (link|button|page|url|option|footer))",
        r"\bunsuscri\w*",
        r"\bno more of (these|this|them|your)\b",
        r"\b(don'?t|do not|never) (put|add|include|sign) (me|us) (on|to|up)",
        r"\b(please|pls|kindly) stop\b(?!\s+by)",
        r"\b(remove|delete|drop|take) (off|from) (the |your |this |ur )?(\w+ )?list"
        r"(?=\s*([.!,;]|please|pls|thanks|thx|$))",
        r"\b(delete|erase|remove)\b"
        r".{0,30}\bmy (personal )?(data|details|information|e-?mail address|contact details)",
        r"\bunsubscribe\b(?! (link|button|page|url|option|footer))",
        r"\bremove me\b",
        r"\b(take|remove|delete|drop|erase|strike|get) (me|my (e-?mail|address|name|details|"
        r"data|contact( details)?|information)) (off|from|out of)\b",
        r"\b(take|remove|delete|erase) (me|us|my (e-?mail( address)?|address|name|details|data|"
        r"personal data|contact details|information))\b(?! know| through)",
        r"off (your|the|all|any) (mailing |e-?mail |distribution |contact |marketing )?"
        r"(list|lists|database|distribution)",
        r"\bstop (e-?mailing|contacting|sending|writing|messaging|spamming|mailing|emailing)\b",
        r"\b(please )?stop (all )?(these |the |your )?(e-?mails|emails|messages|mails)\b",
        r"(don'?t|do not|never) (e-?mail|contact|write to|message|send me|mail) (me|us)?",
        r"\bno (more|further) (e-?mails|emails|messages|mails|contact)\b",
        r"\bopt(-| )?(me )?out\b",
        r"\bi object to (the |any )?(further )?(processing|use) of my",
        r"\b(don'?t|do not|no longer) (want|wish) to (receive|hear|be contacted|get)",
        r"\b(cease|stop) (all )?(communication|contact|correspondence)",
        r"\bleave me alone\b",
        r"\b(pls|please|kindly|plz) (remove|unsubscribe|delete)\b"
        r"(?!\s+(the|this|that|these|those|a|an|our)\s(?![^.!?\n]{0,40}\b(list|e-?mails?|mails?"
        r"|messages?|newsletters?|database|contacts?|data|details|address(es)?|mailings?|me|us)\b))",
    ),
    optout_alone=(
        r"no,? stop( it| now| please)?",
        r"stop( (the )?(e-?mails|spam|marketing))?( please| pls| thanks| thank you)*",
        r"unsub",
        r"unsub\w{0,8}( me)?( pls| please)?",
        r"stop",
        r"unsubscribe( me)?",
        r"(pls|please|plz) (remove|unsubscribe)( me)?",
        r"remove (pls|please|plz)",
        r"remove",
        r"remove me",
        r"opt out",
        r"stop please",
        r"please stop",
        r"stop it",
    ),
    left_company=(
        r"(have )?changed (jobs|employers?)",
        r"moved to (a new|another) (company|employer)",
        r"joined (a new|another) (company|employer)",
        r"my (employment (with|at)|time at)\b.{0,40}\b(has )?(ended|come to an end|finished)",
        r"(have|has|I\'ve) (now |just )?retired",
        r"(i am|i'm) (now )?retired",
        r"stepped down from",
        r"no longer (with|at|work(s|ing)? (for|at|with)|employed|part of)",
        r"my last (working )?day (at|with|in)\b",
        r"(has|have) left (the company|the organi[sz]ation|the firm|the business|\w+\b)",
        r"this (e-?mail )?(address|mailbox|inbox|account) is no longer (monitored|active|"
        r"in use|valid|being monitored)",
        r"no longer (being )?monitored",
    ),
    quote_lines=(r"on .{0,200}wrote:", r"-{2,} ?(original|forwarded) message ?-{2,}"),
    from_label="from",
    sent_labels=("sent", "date", "to", "subject"),
    footers=(
        r"(don'?t|do not) want to receive these( e-?mails)?\?",
        r"you can unsubscribe",
        r"if you (no longer|do not|don'?t) (wish|want) to receive",
        r"(click|reply|visit|follow|use|tap) .{0,40}to (unsubscribe|opt out|stop receiving)",
        r"unsubscribe (here|link|below|at any time)",
        r"(click|unsubscribe) here",
        r"this (e-?mail|message)( and any attachments?)?( is| are| may (be|contain))"
        r" (confidential|privileged|intended)",
        r"if you (are not the intended recipient|have received this (e-?mail|message) in error)",
        r"you are receiving this (e-?mail|message)",
    ),
    date_joiners=("of",),
    extra_months=(("sept", 9),),
    date_order="",
    reply_parser="en",
    articles=("next", "coming", "the", "on", "and", "including"),
    mobile_signatures=(r"sent from my", r"get outlook for"),
    negations=(
        r"don'?t",
        r"do not",
        r"dont",
        r"no need to",
        r"not",
        r"tried to",
        r"trying to",
        r"didn'?t",
        r"did not",
        r"haven'?t",
        r"have not",
        r"hasn'?t",
    ),
    self_words=("i", "me", "my", "us", "our", "we"),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|ccpa|article (17|21)|art\. ?(17|21)",
            r"eras\w*|delet\w*|object\w*|remov\w*",
            r"me|my|mine|i",
        ),
        (
            r"remov\w*|delet\w*|take(?! (me|us) through)|drop(?! (me|us) an? )|eras\w*|bin",
            r"contacts|address book|crm",
            r"me|my|us|our",
        ),
        (
            r"stop(?! by| in| over)|cease|refrain|quit|halt|don'?t|do not|dont"
            r"|never (again )?(?=e-?mail|contact|write|message|call)"
            r"|no (more|further)|no longer",
            r"e-?mail\w*|mail\w*|contact\w*|writ\w*|messag\w*|follow(ing)?[- ]up"
            r"|reach\w* out|communicat\w*|spam\w*|call\w*",
            r"me|us|these|this address|again|any ?more|further|going forward|in (the )?future",
        ),
        (
            r"(don'?t|do not|no longer|never|rather not|not) (want|wish|like)?( to)?"
            r"|rather not|not interested in",
            r"receiv\w*|get(ting)? (these|your|any|more)|hear\w* from",
        ),
        (
            r"removal|deletion|erasure|remov\w*|delet\w*|take(?! (me|us) through)"
            r"|drop(?! (me|us) an? )|eras\w*|strike|unsubscrib\w*"
            r"|exclude|bin|purge",
            r"list\w*|database|distribution|mailing\w*|records|crm|system|sequence|campaign"
            r"|newsletter|details|data",
            r"me|us|my|our|this (e-?mail )?address",
        ),
        (
            r"object\w*|withdraw\w*|revok\w*",
            r"processing|consent|marketing",
        ),
    ),
    contrasts=("but", "though", "however"),
    closings=(
        r"(best|kind|warm) regards",
        r"regards",
        r"best wishes",
        r"cheers",
        r"sincerely",
        r"yours sincerely",
        r"best",
    ),
    tomorrow=("tomorrow",),
    deferrals=(
        r"until (?!further notice)",
        r"before",
        r"for now",
        r"right now",
        r"this (week|month|quarter|year)",
        r"next (week|month|quarter|year)",
        r"in q[1-4]",
    ),
)

GERMAN = Language(
    lookalikes=("anmelden", "anmeldung", "angemeldet"),
    code="de",
    addressee=(
        r"ihnen",
        r"dich",
        r"dir",
        r"euch",
        r"sie",
    ),
    day_words=(
        r"am",
        r"zum",
        r"dem",
    ),
    returning=(
        r"wiedereröffn",
        r"zurück",
        r"rückkehr",
        r"wiederkehr",
        r"wiederaufnahm",
    ),
    available=(
        r"erreichbar",
        r"verfügbar",
        r"ansprechbar",
        r"anwesend",
        r"im (büro|haus|dienst)",
        r"für sie da",
    ),
    locale="de",
    bounce_hard=(
        r"unbekannt",
        r"existiert nicht",
        r"deaktiviert|gelöscht|aufgelöst",
    ),
    departure_frames=(
        (
            r"unternehmen\w*|firma|mitarbeiter\w*|beschäftigt|tätig|angestellt|arbeite\w*",
            r"nicht mehr|nicht länger",
        ),
        (
            r"unternehmen|firma|arbeitsverhältnis|tätigkeit|zusammenarbeit|haus",
            r"verlassen|beendet|ausgeschieden|geendet",
        ),
    ),
    others=(
        r"er",
        r"jemand",
        r"ob",
    ),
    engagement=(
        r"ruf(en sie|t)? mich",
        r"rufen sie mich",
        r"(schick|send)(en sie|e|t)? (mir|uns)",
        r"lass(en sie)? uns",
        r"gerne? (zu|an) mir",
    ),
    bounce_soft=(
        r"vorübergehend",
        r"temporär",
        r"\bvoll\b",
        r"überschritten",
        r"kontingent",
        r"speicher(platz|grenze)",
        r"später (erneut|nochmals)",
    ),
    auto_subjects=(
        r"(un)?gelesen ?:",
        r"abwesenheitsnotiz",
        r"automatische antwort",
        r"abwesend",
        r"autom\. antwort",
        r"außer haus",
        r"nicht im büro",
        r"urlaub",
    ),
    absence=(
        r"\bim \w*urlaub\b",
        r"\b(bin|ist) (\w+ )?krank\b",
        r"(büro|geschäft|betrieb|praxis|kanzlei|firma|unternehmen|laden|werk"
        r"|lager)\w*\b.{0,40}\bgeschlossen",
        r"betriebs(ferien|urlaub)",
        r"\bkrankgeschrieben\b",
        r"\bhabe \w*(urlaub|ferien)\b",
        r"\bin den \w*ferien\b",
        r"\b(im|in den|in) \w*urlaub\b",
        r"nicht im (büro|haus|office)",
        r"au(ß|ss)er haus",
        r"abwesend",
        r"abwesenheit",
        r"im urlaub",
        r"in (den |meinen )?urlaub",
        r"urlaubsbedingt",
        r"in elternzeit",
        r"im mutterschutz",
        r"auf (einer )?(dienstreise|geschäftsreise)",
        r"krankheitsbedingt",
        r"(büro|firma|unternehmen|praxis|kanzlei) (ist|bleibt) .{0,40}geschlossen",
        r"betriebsferien|betriebsurlaub",
        r"nicht erreichbar",
    ),
    notice=(
        r"nach (dem (langen |verlängerten )?wochenende|den feiertagen|ostern|weihnachten"
        r"|pfingsten|meinem urlaub)",
        r"(meine|meiner|die) vertretung",
        r"vertreten (durch|von)",
        r"(in|während) meiner abwesenheit",
        r"(eingeschränkt|begrenzt)(em|en)? (zugriff|zugang|erreichbar)",
        r"(keinen|kein) (zugriff|zugang) (auf|zu) (meine[nm]? )?e-?mails?",
        r"in dringenden fällen",
        r"(lese|lesen) (meine |keine )?e-?mails? (nicht|erst)",
        r"(lese|lese ich|lesen) (derzeit |momentan |zurzeit )?keine (e-?)?mails",
        r"bei dringenden (anliegen|fragen|angelegenheiten)",
        r"ihre (nachricht|e-?mail|mail) wird nicht weitergeleitet",
        r"nach meiner rückkehr",
        r"wenden sie sich (bitte )?an",
        r"(kann|werde) ich (ihre |deine )?(nachricht|nachrichten|e-?mails?|mails?) (leider )?"
        r"nicht (beantworten|lesen)",
    ),
    back=(
        r"wieder",
        r"zurück",
        r"wieder",
        r"rückkehr",
    ),
    until=(r"bis und mit", r"bis( zum| einschließlich| einschl\.| inkl\.)?", r"einschließlich"),
    acknowledgement=(
        r"(wir haben|haben wir) ihre (nachricht|anfrage|e-?mail) erhalten",
        r"ihre anfrage (wurde|ist) (unter|mit) der (ticketnummer|nummer)",
        r"bitte antworten sie nicht auf diese",
    ),
    optout=(
        r"\blassen sie mich\b.{0,40}\bin ruhe\b",
        r"\babbestellen\b",
        r"\baus (der|ihrer|eurer|deiner) (liste|kartei|datenbank|mailingliste)",
        r"\bstreichen sie mich\b",
        r"\b(lösch|entfern)\w*\b.{0,40}\bmeine?\w* (daten|kontaktdaten|adresse|e-?mail)",
        r"\bmeine?\w* (daten|kontaktdaten|adresse|e-?mail-?adresse)\b.{0,40}\b(löschen|entfernen)",
        r"\babmelden\b",
        r"\bmelden sie mich ab\b",
        r"\baustragen\b",
        r"\btragen sie mich\b.{0,40}\baus\b",
        r"\bkeine (weiteren |mehr )(e-?mails|mails|nachrichten|werbung|zusendungen)\b",
        r"\bkeine (e-?mails|mails|nachrichten|werbung|zusendungen) mehr\b",
        r"\bkeine (e-?mails|mails|nachrichten|werbung|zusendungen),? (bitte|danke)\b",
        r"\bnicht mehr (kontaktieren|anschreiben|schreiben|anrufen|mailen)\b",
        r"\b(löschen|entfernen) sie (mich|meine (daten|adresse|e-?mail-?adresse))\b",
        r"\b(mich|meine (daten|adresse|e-?mail-?adresse))\b.{0,40}\b(löschen|entfernen)\b",
        r"\bwiderspreche\b.{0,60}\b(verarbeitung|nutzung|verwendung)\b",
        r"\bwiderspruch gegen die (verarbeitung|nutzung)\b",
        r"\bkein interesse\b.{0,30}\b(entfernen|löschen|austragen|abmelden)\b",
        r"\baus (dem|ihrem|eurem|deinem|ihren) (e-?mail-?)?"
        r"(verteiler|newsletter|adressbuch|datenbank)",
        r"\b(löschen|entfernen) sie (bitte )?meine (daten|kontaktdaten|adresse|e-?mail)",
        r"\bschreiben sie mich nicht mehr an\b",
        r"\bbitte keine (e-?mails|mails|nachrichten) mehr\b",
    ),
    optout_alone=(
        r"stopp?( bitte| danke)*",
        r"abbestellen( bitte)?",
        r"stop",
        r"stopp",
        r"abmelden",
        r"austragen",
    ),
    left_company=(
        r"(den |meinen )?arbeitgeber gewechselt",
        r"(zu|bei) einem (neuen|anderen) arbeitgeber",
        r"mein (arbeitsverhältnis|beschäftigungsverhältnis|dienstverhältnis|arbeitsvertrag)\b"
        r".{0,60}\b(beendet|geendet|ausgelaufen)",
        r"in den ruhestand",
        r"im ruhestand",
        r"nicht mehr .{0,30}(tätig|beschäftigt)",
        r"(ist|sind) nicht mehr (in unserem|im|bei|für)",
        r"nicht mehr (im unternehmen|bei|für|tätig|beschäftigt)",
        r"(hat|habe) das unternehmen verlassen",
        r"postfach wird nicht mehr",
        r"(adresse|postfach) (ist|wird) nicht mehr (aktiv|gelesen|abgerufen)",
    ),
    quote_lines=(r"am .{0,200}schrieb .{0,100}:", r"-{2,} ?ursprüngliche nachricht ?-{2,}"),
    from_label="von",
    sent_labels=("gesendet", "datum", "an", "betreff"),
    footers=(
        r"möchten sie (diese|keine) .{0,30}(mehr )?(erhalten|empfangen)",
        r"können sie sich .{0,30}abmelden",
        r"diese (e-?mail|nachricht) (enthält|ist) vertraulich",
        r"wenn sie (diese|keine) .{0,40}(nicht mehr )?(erhalten|empfangen) (möchten|wollen)",
        r"zum abmelden",
        r"falls sie nicht der (richtige|beabsichtigte) empfänger",
    ),
    reply_parser="de",
    articles=("nächsten", "kommenden", "zum", "dem", "den", "am", "einschließlich"),
    mobile_signatures=(r"von meinem .{0,40}gesendet", r"gesendet von meinem"),
    polite_asks=(r"(können|könnten|würden|wollen|würdet|könnt) (sie|ihr|du) (\w+ )?nicht",),
    negations=(r"nicht", r"kein"),
    self_words=("ich", "mich", "mir", "mein", "meine", "meinen", "uns", "wir"),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"dsgvo|gdpr|art\. ?(17|21)|artikel (17|21)",
            r"lösch\w*|widersprech\w*|widerspruch|entfern\w*",
            r"mich|mir|mein\w*|ich",
        ),
        (
            r"lösch\w*|entfern\w*|streich\w*|nehmen",
            r"kontakte\w*|adressbuch|crm",
            r"mich|mein\w*",
        ),
        (
            r"hör\w* .{0,20}auf|aufhören|aufzuhören|unterlass\w*|abseh\w*|abzuseh\w*|nicht mehr"
            r"|seh\w* .{0,40}\bab(?=\W|$)"
            r"|keine (weiteren|mehr)|einstell\w*|stopp?"
            r"|keine (weiteren )?(\w*mails?|werbe\w*|nachrichten|newsletter\w*|anrufe)",
            r"schreib\w*|kontakt\w*|anschreib\w*|mail\w*|e-mail\w*|\w*mails?|werbe\w*"
            r"|nachricht\w*|zusendung\w*|anruf\w*|werbung|\w*spam\w*",
            r"mich|mir|uns|weitere\w*|mehr|künftig|zukünftig|zukunft",
        ),
        (
            r"(möchte|will|wünsche) .{0,30}(keine|nicht mehr)|kein interesse an",
            r"erhalten|bekommen|empfangen|zusendung\w*|e-?mails|nachrichten|angeschrieben"
            r"|kontaktiert"
            r"|angerufen|angemailt|belästigt",
        ),
        (
            r"löschung|entfernung|austragung|streichung|lösch\w*|entfern\w*|streich\w*"
            r"|austrag\w*|nehmen",
            r"liste|verteiler|datenbank|kartei|adressbuch|newsletter|mailing\w*|crm"
            r"|\w*liste|\w*verteiler|\w*datenbank|\w*kartei",
            r"mich|mein\w*|uns",
        ),
        (
            r"widersprech\w*|widerspruch|widerruf\w*",
            r"verarbeitung|einwilligung|werbung|nutzung|verwendung|werbe\w*|marketing",
        ),
        (  # "meine Adresse raus"
            r"raus|heraus",
            r"adresse|e-?mail-?adresse|kontaktdaten",
            r"mein\w*",
        ),
    ),
    contrasts=("aber", "doch", "sondern", "jedoch", "trotzdem"),
    closings=(
        r"mit freundlichen grüßen",
        r"mit freundlichen grüssen",
        r"freundliche grü(ß|ss)e",
        r"viele grü(ß|ss)e",
        r"beste grü(ß|ss)e",
        r"liebe grü(ß|ss)e",
        r"gruß",
        r"mfg",
    ),
    tomorrow=("morgen",),
    deferrals=(
        r"bis (?!auf weiteres)",
        r"vorerst",
        r"im moment",
        r"diese[nr]? (woche|monat|jahr)",
        r"nächste[nr]? (woche|monat|jahr)",
    ),
)

FRENCH = Language(
    code="fr",
    addressee=(
        r"vous",
        r"toi",
        r"te",
    ),
    return_objects=(
        r"vers (vous|toi)",
        r"(à|a) (vous|toi)",
    ),
    day_words=(r"le",),
    returning=(
        r"rouvr",
        r"r[ée]ouv",
        r"retour",
        r"revien",
        r"reviendr",
        r"revenir",
        r"rentr",
        r"repren",
        r"reprendr",
        r"reprise",
        r"réintégr",
    ),
    available=(
        r"joignable",
        r"disponible",
        r"présente?",
        r"au bureau",
        r"contactable",
    ),
    locale="fr",
    again=(
        r"à nouveau",
        r"de nouveau",
        r"disponibles? (dès|à partir d[ue])",
    ),
    bounce_hard=(
        r"inconnu\w*",
        r"n'existe (pas|plus)",
        r"désactivée?|supprimée?|fermée?",
    ),
    departure_frames=(
        (
            r"société|entreprise|effectifs|collaborat\w*|salarié\w*|travaill\w*",
            r"ne \w+ plus|n'\w+ plus|ne \w+ \w+ plus",
        ),
        (
            r"société|entreprise|groupe|fonctions|poste|collaboration",
            r"quitté|terminée?|pris fin|achevée?",
        ),
    ),
    others=(
        r"il",
        r"elle",
        r"ils",
        r"elles",
        r"quelqu'un",
    ),
    engagement=(
        r"appel(le[zr]?|ez)[- ]moi",
        r"envoyez[- ]moi",
        r"envoie[- ]moi",
        r"appelons[- ]nous",
        r"parlons[- ]en",
        r"(on peut|nous pouvons|on pourrait) (en )?(parler|échanger|s'appeler)",
    ),
    bounce_soft=(
        r"temporair\w*",
        r"\bpleine\b",
        r"saturée?",
        r"dépass\w*",
        r"ultérieurement",
        r"plus tard",
        r"nouvel essai",
    ),
    auto_subjects=(
        r"(non )?lu ?:",
        r"réponse automatique",
        r"reponse automatique",
        r"absence du bureau",
        r"absent(e)?\b",
        r"absence\b",
    ),
    absence=(
        r"\b(suis|est) (\w+ )?malade\b",
        r"(bureaux?|agence|magasin|entreprise|société|atelier|boutique|cabinet|usine"
        r"|entrepôt)s?\b.{0,40}\bferm[ée]e?s?\b",
        r"fermeture (estivale|exceptionnelle|pour)",
        r"\ben arrêt (maladie|de travail)",
        r"\babsente? (pour|jusqu|du|cette|cet)",
        r"absent(e)? du bureau",
        r"(je suis|je serai|actuellement) absent(e)?",
        r"\ben congés?\b",
        r"\ben vacances\b",
        r"\ben déplacement\b",
        r"\bhors du bureau\b",
        r"\ben congé (maternité|paternité|parental|maladie)\b",
        r"\bpas au bureau\b",
        r"\b(bureau|cabinet|société) (est|sera) (fermé|exceptionnellement fermé)",
        r"\bfermeture annuelle\b",
    ),
    notice=(
        r"après (le (long )?week-end|les fêtes|le pont|les congés|les vacances)",
        r"(dès|à) notre retour",
        r"(en|pendant|durant) mon absence",
        r"(mon|ma) (remplaçante?|suppléante?)",
        r"accès (limité|restreint) (à|aux) (mes )?(e-?mails?|courriels?|messagerie)",
        r"(pas|aucun) accès (à|aux) (mes )?(e-?mails?|courriels?|messagerie)",
        r"(en|pour toute) (cas d')?urgence",
        r"pour (toute )?(demande|question)s? urgente",
        r"(dès|à) mon retour",
        r"je ne (lis|lirai|consulte|consulterai|relève|relèverai) pas mes (e-?mails|courriels"
        r"|messages)",
        r"votre (message|courriel|e-?mail) ne sera pas transféré",
    ),
    back=(
        r"reprendrai",
        r"reprends",
        r"reprise",
        r"de retour",
        r"retour",
        r"rentre",
        r"reviens",
        r"(à nouveau|de nouveau) joignable",
    ),
    until=(r"jusqu'(au|à)", r"jusque", r"au"),
    acknowledgement=(
        r"nous avons (bien )?reçu votre (message|demande|e-?mail|courriel)",
        r"merci de ne pas répondre à ce",
    ),
    optout=(
        r"\bd[ée]sabonne[zr](-moi)?\b",
        r"\bne plus m'(envoyer|écrire|solliciter)",
        r"\b(cesse[rz]|arrête[rz]) de m'(écrire|envoyer|contacter|solliciter)",
        r"\bcesse[rz] de me (contacter|solliciter|relancer)",
        r"\b(supprimer|effacer|supprimez|effacez)\b"
        r".{0,30}\b(mes (données|coordonnées)|mon adresse)",
        r"\bdésinscri(re|vez|s|ption)",
        r"\bdesinscri(re|vez|s|ption)",
        r"\bretirez[- ]moi\b",
        r"\b(me )?retirer de (votre|vos|la|cette) (liste|fichier|base)",
        r"\bsupprimez[- ](moi|mes (données|coordonnées)|mon adresse)\b",
        r"\b(ne plus|plus jamais) (me )?(contacter|écrire|recevoir|envoyer)",
        r"\barrêtez (de m'écrire|de m'envoyer|de me contacter|vos (e-?mails|messages|envois))",
        r"\bne m'(écrivez|envoyez|contactez) plus\b",
        r"\bje m'oppose (au|à (la|tout))? ?traitement",
        r"\bplus d'(e-?mails|emails|messages|envois)\b",
        r"\bstop\b.{0,20}\b(e-?mails|messages|envois)\b",
        r"\bne (souhaite|veux|désire) plus (recevoir|être contacté|être sollicité)",
        r"\b(me )?retirer de (votre|vos) (liste|fichier|base)",
    ),
    optout_alone=(
        r"stop( (la )?pub(licité)?| (les )?mails?| (les )?e-?mails?)?( merci| svp| stp)*",
        r"stop",
        r"arrêt",
        r"désinscription",
        r"désinscrire",
    ),
    left_company=(
        r"changé d'(employeur|entreprise|société)",
        r"rejoint une autre (entreprise|société)",
        r"mon contrat de travail\b.{0,50}\b(a pris fin|est terminé|s'est terminé|s'est achevé)",
        r"partie? (\w+ )?à la retraite",
        r"je suis (\w+ )?(\w+ )?(à la|en) retraite",
        r"ne (fai[st]|faisons) plus partie",
        r"n'est plus (chez|au sein|dans)",
        r"a quitté",
        r"ne travaille plus",
    ),
    quote_lines=(r"le .{0,200}a écrit ?:", r"-{2,} ?message d'origine ?-{2,}"),
    from_label="de",
    sent_labels=("envoyé", "date", "à", "objet"),
    footers=(
        r"ce (message|courriel|e-?mail)( et (ses|toutes les) pièces jointes)? (est|sont) "
        r"(confidentiel|strictement)",
        r"si vous ne souhaitez plus recevoir",
        r"pour vous désinscrire",
    ),
    date_joiners=("le",),
    reply_parser="fr",
    articles=("prochain", "le", "du", "au"),
    mobile_signatures=(r"envoyé de mon", r"envoyé depuis mon"),
    negations=(r"ne pas", r"pas besoin de", r"pas", r"ne", r"n'"),
    self_words=("je", "me", "moi", "mon", "mes", "m", "nous"),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"rgpd|gdpr|article (17|21)|art\. ?(17|21)",
            r"supprim\w*|suppression|effac\w*|oppos\w*|retir\w*",
            r"me|m'\w*|moi|mes|mon|ma|je|j'\w*",
        ),
        (
            r"retir\w*|supprim\w*|enlev\w*|effac\w*",
            r"contacts|carnet d'adresses|crm",
            r"me|m'\w*|moi|mes|mon",
        ),
        (
            r"arrêt\w*|arret\w*|cess\w*|stop|ne .{0,15}plus|plus jamais|évit\w*",
            r"écri\w*|ecri\w*|contact\w*|envoy\w*|envoi\w*|solliciter|sollicitation\w*"
            r"|relanc\w*|mails?|e-mails?|courriels?|messages?|spam\w*",
            r"me|m'\w*|moi|nous|mes|plus",
        ),
        (
            r"(ne|n') .{0,25}(souhaite|veux|désire|desire) (plus|pas)|plus de",
            r"recevoir|mails?|e-?mails|courriels|messages|envois|sollicitations",
        ),
        (
            r"suppression|retrait|radiation|effacement|retir\w*|supprim\w*|enlev\w*|effac\w*"
            r"|désinscri\w*|desinscri\w*|radi\w*",
            r"liste\w*|fichier\w*|base\w*|envois|mailing\w*|diffusion|newsletter",
            r"me|m'\w*|moi|mon|mes|nous",
        ),
        (
            r"oppos\w*|retir\w* .{0,20}consentement",
            r"traitement|prospection|consentement|marketing",
        ),
    ),
    contrasts=("mais", "cependant"),
    closings=(r"cordialement", r"bien (à vous|cordialement)", r"salutations", r"bonne journée"),
    tomorrow=("demain",),
    deferrals=(
        r"jusqu",
        r"pour le moment",
        r"pour l'instant",
        r"cette (semaine|année)",
        r"ce mois",
    ),
)

SPANISH = Language(
    code="es",
    addressee=(
        r"usted",
        r"ustedes",
        r"te",
        r"ti",
    ),
    return_objects=(r"a (escribir|llamar|contactar|enviar|escribirle|llamarle)\w*",),
    day_words=(
        r"el d[ií]a",
        r"d[ií]a",
    ),
    returning=(
        r"reabr",
        r"reapert",
        r"regres",
        r"vuelv",
        r"volv",
        r"reincorpor",
        r"incorpor",
        r"retorn",
        r"retom",
        r"vuelta",
    ),
    available=(
        r"disponible",
        r"localizable",
        r"contactable",
        r"en (la|mi) oficina",
        r"operativ",
    ),
    locale="es",
    again=(
        r"otra vez",
        r"de nuevo",
        r"nuevamente",
    ),
    bounce_hard=(
        r"desconocid\w*",
        r"no existe",
        r"desactivad\w*|eliminad\w*|cerrad\w*",
    ),
    departure_frames=(
        (r"empresa|compañía|plantilla|emplead\w*|trabaj\w*", r"ya no"),
        (
            r"empresa|compañía|puesto|relación laboral|colaboración",
            r"dejé|dejó|dejado|terminad\w*|finalizad\w*|salido|salió|salí",
        ),
    ),
    others=(
        r"él",
        r"ella",
        r"ellos",
        r"alguien",
    ),
    engagement=(
        r"ll[áa]m(ame|eme|adme)",
        r"hablemos",
        r"(envíe|envie|mande|envía|envia|manda|mánde|mándeme|mándame|envíame|enviame)(me)?\b",
        r"(te|le) (llamo|escribo)",
        r"quedamos",
    ),
    bounce_soft=(
        r"temporal\w*",
        r"\blleno\b|\bllena\b|complet[oa]",
        r"(intentará|reintentará)",
        r"(excedid|superad)\w* .{0,30}(cuota|límite|espacio)",
        r"más tarde",
    ),
    auto_subjects=(
        r"(no )?leído ?:",
        r"respuesta automática",
        r"respuesta automatica",
        r"fuera de la oficina",
        r"ausente\b",
        r"fuera de oficina",
    ),
    absence=(
        r"\b(estoy|está) (\w+ )?enferm[oa]\b",
        r"(oficinas?|empresa|tienda|almacén|fábrica|despacho)\b.{0,40}\bcerrad[oa]s?\b",
        r"\bde baja (médica|medica|por \w+|laboral)",
        r"\bde (permiso|licencia)\b",
        r"fuera de (la )?oficina",
        r"\bde vacaciones\b",
        r"(estoy|estaré|me encuentro) (ausente|fuera)",
        r"ausente de la oficina",
        r"\bde (baja|permiso) (por|de) ",
        r"\bde viaje\b",
        r"\bno (me encuentro|estoy|estaré|estare) en la oficina",
        r"\b(oficina|empresa) (está|estará|permanecerá) cerrada",
        r"\bcerrado por vacaciones\b",
    ),
    notice=(
        r"no (leo|leeré|revisaré|reviso|consulto|consultaré) (el |mi |los )?"
        r"(correo|e-?mails?|mails?)",
        r"(después|tras) (del (puente|fin de semana)|las (fiestas|vacaciones))",
        r"a nuestra (vuelta|regreso)",
        r"(en|durante) mi ausencia",
        r"mi (sustitut[oa]|suplente)",
        r"acceso (limitado|restringido) (a|al) (mi )?(correo|e-?mail)",
        r"sin acceso (a|al) (mi )?(correo|e-?mail)",
        r"(para|en) (asuntos|casos|temas) urgentes",
        r"(a|tras) mi (regreso|vuelta)",
        r"no (leo|consulto|revisaré|podré (leer|responder))",
        r"no (estoy|estaré) (leyendo|consultando|revisando) (el |mi |los )?"
        r"(correo|e-?mails?|mails?)",
    ),
    back=(
        r"reincorpor\w*",
        r"disponible de nuevo",
        r"de nuevo",
        r"de vuelta",
        r"a (la|mi) vuelta",
        r"regreso",
        r"regresaré",
        r"volveré",
        r"vuelvo",
        r"(de nuevo|otra vez) disponible",
        r"me reincorporo",
        r"reincorporaré",
    ),
    until=(r"hasta", r"al"),
    acknowledgement=(
        r"hemos recibido su (mensaje|solicitud|correo|consulta)",
        r"por favor,? no responda a este",
    ),
    optout=(
        r"\bdesinscrib\w*",
        r"\bdesuscrib\w*",
        r"\b(sáquenme|saquenme|sacadme|sácame)\b",
        r"\bsac(ar|ad|en)(me)? de (su|vuestra|la) lista",
        r"\b(eliminar|borrar|suprimir|eliminen|borren)\b"
        r".{0,30}\b(mis datos|mi (correo|dirección|email))",
        r"\bdar(me|nos)? de baja\b",
        r"\bden(me)? de baja\b",
        r"\b(da|dad|den)(me|nos) de baja\b",
        r"\bbaja de (la|su|vuestra) lista\b",
        r"\b(elimínenme|eliminenme|elimíneme|eliminadme|bórrenme|borradme|quítenme|quitadme)\b",
        r"\b(eliminen|borren|quiten|saquen) (mi|mis) (correo|dirección|datos|email)",
        r"\bno me (escriba|contacte|envíe|envie|manden|envíen)n?( más)?\b",
        r"\bdej(en|e|ad) de (escribir|enviar|contactar|mandar)",
        r"\bno (quiero|deseo) recibir\b",
        r"\bno más (correos|e-?mails|mensajes)\b",
        r"\bme opongo al tratamiento\b",
        r"\bsupresión de (mis|sus) datos",
        r"\bno (vuelvan|vuelva|volváis) a (contactarme|escribirme|enviarme)",
    ),
    optout_alone=(
        r"(stop|alto|basta)( por favor| gracias)*",
        r"(de )?baja( por favor| gracias)*",
        r"stop",
        r"alto",
        r"darme de baja",
    ),
    left_company=(
        r"cambiado de (empresa|trabajo|empleo)",
        r"(ahora )?trabajo en otra empresa",
        r"mi (relación laboral|contrato (laboral|de trabajo))\b.{0,50}"
        r"\b(ha finalizado|finalizó|ha terminado|terminó|concluyó|ha concluido)",
        r"me he jubilado",
        r"me jubilé",
        r"estoy (\w+ )?jubilad[oa]",
        r"ya no (trabaj\w+|form\w+ parte|est\w+ en|pertene\w+)",
        r"ha dejado la empresa",
        r"dejó la empresa",
    ),
    quote_lines=(r"el .{0,200}escribió ?:", r"-{2,} ?mensaje original ?-{2,}"),
    from_label="de",
    sent_labels=("enviado", "fecha", "para", "asunto"),
    footers=(
        r"este (mensaje|correo)( y sus anexos)? (es|son|contiene) (confidencial|privado)",
        r"si no desea recibir",
    ),
    date_joiners=("de", "del", "el"),
    reply_parser="es",
    articles=("próximo", "proximo", "el", "día", "del"),
    mobile_signatures=(r"enviado desde mi",),
    negations=(r"no",),
    self_words=("me", "mi", "mis", "yo", "nos", "nuestro"),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"rgpd|lopd\w*|gdpr|art[íi]culo (17|21)|art\. ?(17|21)",
            r"suprim\w*|supresión|borr\w*|opon\w*|oposición|elimin\w*",
            r"me|mis?|yo",
        ),
        (
            r"elimin\w*|borr\w*|bórr\w*|quit\w*|quít\w*|sac\w*|sác\w*",
            r"contactos|agenda|crm",
            r"me|mi|mis|\w+me",
        ),
        (
            r"dej\w* de|no .{0,10}(vuelvan|vuelva|más)|par\w* de|no me",
            r"escrib\w*|contact\w*|envi\w*|mand\w*|correos?|e-?mails?|mensajes?|llam\w*|spam\w*",
            r"me|mí|nos|más|nunca|mis",
        ),
        (
            r"no (quiero|deseo|me interesa) .{0,10}(recibir|seguir)|no (quiero|deseo) más",
            r"recibi\w*|correos|e-?mails|mensajes|comunicaciones",
        ),
        (
            r"eliminación|supresión|exclusión|retirada|elimin\w*|borr\w*|bórr\w*|quit\w*"
            r"|quít\w*|sac\w*|sác\w*|baja|retir\w*|excl\w*"
            r"|supr\w*",
            r"lista\w*|base\w*|registro\w*|fichero\w*|envíos|envios|mailing\w*|newsletter",
            r"me|mi|mis|nos|\w+(me|nos)",
        ),
        (
            r"opong\w*|oposición|retir\w* .{0,20}consentimiento",
            r"tratamiento|consentimiento|publicidad|marketing",
        ),
    ),
    contrasts=("pero", "sino", "aunque"),
    closings=(r"(un )?saludo(s)?( cordiales)?", r"atentamente", r"cordialmente", r"un abrazo"),
    tomorrow=("mañana",),
    deferrals=(
        r"hasta (?!nuevo aviso)",
        r"por ahora",
        r"de momento",
        r"este (mes|año)",
        r"esta semana",
    ),
)

PORTUGUESE = Language(
    code="pt",
    addressee=(
        r"você",
        r"vocês",
        r"o senhor",
        r"a senhora",
        r"lhe",
    ),
    return_objects=(r"a (escrever|ligar|contactar|contatar|enviar)\w*", r"o (contacto|contato)"),
    day_words=(r"(n?o )?dia",),
    returning=(
        r"reabr",
        r"reabert",
        r"volt",
        r"regress",
        r"retorn",
        r"retom",
        r"reintegr",
        r"de volta",
    ),
    available=(
        r"dispon[ií]ve",
        r"contact[aá]ve",
        r"no escrit[óo]rio",
        r"operacional",
    ),
    locale="pt",
    again=(
        r"novamente",
        r"de novo",
    ),
    bounce_hard=(
        r"desconhecid\w*",
        r"não existe",
        r"desativad\w*|excluíd\w*|encerrad\w*",
    ),
    departure_frames=(
        (
            r"empresa|companhia|quadro|funcionári\w*|colaborador\w*|trabalh\w*",
            r"já não|não \w+ mais|não \w+ \w+ mais",
        ),
        (
            r"empresa|companhia|organização|colaboração|contrato|vínculo",
            r"saiu|saí|deixou|deixei|terminou|termin\w*|encerr\w*|cessou",
        ),
    ),
    others=(
        r"ele",
        r"ela",
        r"eles",
        r"alguém",
    ),
    engagement=(
        r"me lig(a|ue)",
        r"lig(a|ue)[- ]me",
        r"(envie|mande|manda|envia)[- ]me",
        r"vamos (conversar|falar|marcar)",
    ),
    bounce_soft=(
        r"temporári\w*|temporariamente",
        r"excedeu|excedid\w*|ultrapass\w*",
        r"novas? tentativas?",
        r"mais tarde",
        r"\bcheia\b|\blotada\b",
    ),
    auto_subjects=(
        r"resposta automática",
        r"resposta automatica",
        r"ausência",
        r"ausente",
        r"fora do escritório",
    ),
    absence=(
        r"\b(de )?baixa( médica)?\b",
        r"\blicença (médica|de saúde)\b",
        r"\b(estou|está) (\w+ )?doente\b",
        r"(escritórios?|empresa|loja|armazém|fábrica)\b.{0,40}\b(fechad|encerrad)[oa]s?\b",
        r"fora do escritório",
        r"\bde férias\b",
        r"(estou|estarei|encontro-me) (ausente|fora)",
        r"ausente do escritório",
        r"\bem viagem\b",
        r"\bde licença\b",
    ),
    notice=(
        r"não (leio|lerei|consulto|consultarei|vou ler) (o |os )?(meu |meus )?(correio|e-?mails?)",
        r"(depois|após) (do (feriado|fim de semana)|as (férias|festas))",
        r"(na|durante a) minha ausência",
        r"(o meu|a minha|meu|minha) substitut[oa]",
        r"acesso (limitado|restrito) (ao|a) (meu )?(e-?mail|correio)",
        r"sem acesso (ao|a) (meu )?(e-?mail|correio)",
        r"não (terei|tenho|vou ter) acesso (ao|a) (meu )?(e-?mail|correio)",
        r"(para|em) (assuntos|casos) urgentes",
        r"(no|após o) meu regresso",
        r"(quando|assim que) (eu )?retornar",
    ),
    back=(
        r"retomo( as (minhas )?funções)?",
        r"retomarei( as (minhas )?funções)?",
        r"novamente",
        r"disponível",
        r"de volta",
        r"volto",
        r"retorno",
        r"retornarei",
        r"regresso",
        r"regressarei",
        r"novamente disponível",
    ),
    until=(r"até", r"ao"),
    optout=(
        r"\bretir(ar|em|e)\b.{0,30}\b(lista|cadastro|base)",
        r"\b(me )?tir(ar|em|e)(-me)? d(a|e) (lista|base|sua lista)",
        r"\b(eliminar|apagar|excluir|remover|eliminem|apaguem)\b"
        r".{0,30}\b(meus dados|meu e-?mail|o meu e-?mail)",
        r"\bdescadastr(ar|e|em|o)",
        r"\b(me )?remova(m)?(-me)?\b.{0,30}\b(lista|cadastro|base)",
        r"\bremova-me\b",
        r"\bme remova\b",
        r"\bretire(m)?(-me| meu)",
        r"\bnão (me )?(envie|envia|mande|contate|escreva|quero receber)m?( mais)?\b",
        r"\bparem de (enviar|escrever|mandar|me contatar)",
        r"\bexclu(a|am|ir)(-me| meus dados| meu e-?mail)",
        r"\bchega de (e-?mails|mensagens)\b",
        r"\boponho-me ao tratamento\b",
        r"\bcancelar (a )?(minha )?(subscrição|assinatura|inscrição)\b",
    ),
    optout_alone=(r"pare", r"parar", r"descadastrar", r"sair"),
    left_company=(
        r"mud(ei|ou) de (empresa|emprego)",
        r"trabalho (agora )?noutra empresa",
        r"(o )?meu (vínculo|contrato de trabalho)\b.{0,50}\b(terminou|cessou|chegou ao fim)",
        r"a minha colaboração\b.{0,50}\b(terminou|cessou)",
        r"(me )?aposentei",
        r"estou (\w+ )?(aposentad|reformad)[oa]",
        r"reformei-me",
        r"(me )?reformei",
        r"não faz mais parte",
        r"não (trabalha|faz parte) mais",
        r"deixou a empresa",
        r"já não (trabalh\w+|fa(z|ço|zemos) parte)",
        r"não (trabalho|faço parte) mais",
        r"(deixei|saí d)a empresa",
    ),
    quote_lines=(r"em .{0,200}escreveu ?:", r"-{2,} ?mensagem original ?-{2,}"),
    from_label="de",
    sent_labels=("enviado", "enviada", "data", "para", "assunto"),
    footers=(
        r"esta mensagem( e seus anexos)? (é|são|pode conter) (confidencia|privilegiad)",
        r"se não (deseja|quiser) (mais )?receber",
    ),
    date_joiners=("de",),
    articles=("próximo", "próxima", "o", "dia", "a"),
    mobile_signatures=(r"enviado do meu", r"enviado de meu"),
    negations=(r"não",),
    self_words=("eu", "me", "meu", "meus", "minha", "nos"),
    acknowledgement=(
        r"recebemos (a sua|sua) (mensagem|solicitação|e-?mail)",
        r"(número|n\.º) (do |de )?(protocolo|ticket|chamado)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"rgpd|lgpd|gdpr|artigo (17|21)|art\. ?(17|21)",
            r"apag\w*|elimin\w*|oposição|opo\w*|remov\w*",
            r"me|meus?|minhas?|eu",
        ),
        (
            r"par\w* de|deix\w* de|não .{0,15}mais|nunca mais|(não )?(me )?volte\w* a",
            r"envi\w*|mand\w*|escrev\w*|contat\w*|contact\w*|e-?mails?|mensagens?|ligar|spam\w*",
            r"me|mim|nos|mais|meu|meus",
        ),
        (
            r"não (quero|desejo|pretendo|tenho interesse em) .{0,20}(receb\w*|continuar)"
            r"|não (quero|desejo) mais",
            r"receb\w*|e-?mails|mensagens|comunicações",
        ),
        (
            r"remoção|exclusão|eliminação|retirada|apagamento|remov\w*|retir\w*|tir\w*|exclu\w*"
            r"|elimin\w*|apag\w*|descadastr\w*",
            r"lista\w*|base\w*|cadastro\w*|mailing\w*|newsletter|envios",
            r"me|meu|meus|minha|nos",
        ),
        (
            r"oponho|oposição|retir\w* .{0,20}consentimento",
            r"tratamento|consentimento|marketing",
        ),
    ),
    contrasts=("mas", "porém", "contudo"),
    closings=(r"atenciosamente", r"cumprimentos", r"(um )?abraço", r"obrigad[oa]", r"att\.?"),
    tomorrow=("amanhã",),
)

ITALIAN = Language(
    code="it",
    addressee=(
        r"ti",
        r"voi",
        r"lei",
    ),
    return_objects=(r"a (scriver|chiamar|contattar|sentir)\w*",),
    day_words=(r"(il )?giorno",),
    returning=(
        r"riapr",
        r"riapert",
        r"rientr",
        r"torn",
        r"ritorn",
        r"riprend",
        r"ripres",
    ),
    available=(
        r"disponibil",
        r"raggiungibil",
        r"reperibil",
        r"contattabil",
        r"in ufficio",
        r"operativ",
    ),
    locale="it",
    again=(
        r"di nuovo",
        r"nuovamente",
    ),
    bounce_hard=(
        r"sconosciut\w*",
        r"inesistente|non esiste",
        r"disattivat\w*|chius\w*|cancellat\w*",
    ),
    departure_frames=(
        (r"azienda|società|organico|dipendent\w*|lavor\w*", r"non \w+ più|non più|non \w+ \w+ più"),
        (
            r"azienda|società|collaborazione|rapporto|incarico",
            r"terminat\w*|conclus\w*|cessat\w*|lasciat\w*|uscit\w*",
        ),
    ),
    others=(
        r"lui",
        r"lei",
        r"qualcuno",
        r"se",
    ),
    engagement=(
        r"chiamami|chiamatemi|mi chiami",
        r"(mandatemi|inviatemi|mandami|inviami|mi (mandi|invii|mandate|inviate))",
        r"sentiamoci",
        r"parliamone",
    ),
    bounce_soft=(
        r"temporane\w*",
        r"\bpiena\b|\bsatura\b|esaurit\w*",
        r"superat\w*",
        r"più tardi",
        r"nuovo tentativo",
    ),
    auto_subjects=(r"risposta automatica", r"fuori ufficio", r"assente\b", r"assenza\b"),
    absence=(
        r"\b(sono|è) (\w+ )?malat[oa]\b",
        r"(uffici|ufficio|azienda|negozio|sede|magazzino|stabilimento)\b.{0,40}\bchius[oiae]\b",
        r"chiusura (aziendale|estiva|per ferie|per le festività)",
        r"fuori (ufficio|sede)",
        r"\bin ferie\b",
        r"(sono|sarò) (assente|in viaggio|fuori)",
        r"\bin vacanza\b",
        r"\bin trasferta\b",
        r"\bin (congedo|maternità|malattia)\b",
        r"\bassente (dall'ufficio|dal lavoro|dalla sede)",
    ),
    notice=(
        r"non (leggo|leggerò|consulto|controllo|controllerò) (la |le )?(mia |mie )?(posta|e-?mail)",
        r"dopo (il (ponte|fine settimana|weekend)|le (feste|ferie|vacanze))",
        r"al nostro rientro",
        r"(in|durante la) mia assenza",
        r"(il mio|la mia) sostitut[oa]",
        r"accesso (limitato|ridotto) (alla|alle) (mia |mie )?(posta|e-?mail)",
        r"senza accesso (alla|alle) (posta|e-?mail)",
        r"non (potrò|posso) (rispondere|leggere) (alle |ai |la |le )?(e-?mail|mail|messaggi|posta)",
        r"per (questioni|casi|richieste|comunicazioni) urgenti",
        r"(al|dopo il) mio rientro",
    ),
    back=(
        r"raggiungibile",
        r"di nuovo",
        r"di nuovo operativ[oa]",
        r"operativ[oa]",
        r"rientro",
        r"rientrerò",
        r"di ritorno",
        r"tornerò",
        r"torno",
        r"di nuovo (disponibile|raggiungibile|in ufficio)",
    ),
    until=(r"fino (al|all'|a)", r"sino al", r"al"),
    optout=(
        r"\b(cancellate|eliminate|rimuovete|togliete)\b.{0,20}"
        r"\b(il mio (contatto|nominativo|indirizzo)|i miei (contatti|dati))",
        r"\btoglietemi\b",
        r"\btogli(ete|ermi)\b.{0,30}\b(lista|mailing|indirizzi)",
        r"\b(cancellare|eliminare|rimuovere|cancellate|eliminate)\b"
        r".{0,30}\b(i miei dati|il mio indirizzo|la mia e-?mail)",
        r"\bdisiscri\w*",
        r"\bcancell(atemi|ate il mio|are il mio|ami)\b",
        r"\brimuov(etemi|ere il mio|ermi|ete il mio)\b",
        r"\bnon (scrivetemi|contattatemi|mi scrivete|mi contattate)",
        r"\bnon (voglio|desidero) (più )?ricevere\b",
        r"\bsmettete(la)? di (scrivermi|inviarmi|contattarmi|mandarmi)",
        r"\bbasta (e-?mail|messaggi)\b",
        r"\bmi oppongo al trattamento\b",
        r"\b(cancellarmi|rimuovermi|togliermi) da",
        r"\brimuovere (i miei dati|il mio (indirizzo|contatto|nominativo))",
        r"\bnon (contattarmi|scrivermi)\b",
        r"\bnon (inviatemi|mandatemi|inviate|mandate)\b",
    ),
    optout_alone=(r"stop", r"basta", r"cancellami", r"rimuovimi"),
    left_company=(
        r"cambiato (lavoro|azienda|datore di lavoro)",
        r"(il )?mio (rapporto di lavoro|contratto di lavoro)\b.{0,60}"
        r"\b(concluso|terminato|cessato|chiuso)",
        r"sono (\w+ )?(andat[oa] )?in pensione",
        r"non è più (in servizio|dipendente|presso|in azienda)",
        r"non (lavor\w+|fa|faccio) più",
        r"non sono più (in servizio|dipendente|presso|in azienda)",
        r"ho lasciato (l'azienda|la società)",
        r"ha lasciato (l'azienda|la società)",
    ),
    quote_lines=(r"il .{0,200}ha scritto ?:", r"-{2,} ?messaggio originale ?-{2,}"),
    from_label="da",
    sent_labels=("inviato", "data", "a", "oggetto"),
    footers=(
        r"questo messaggio( e i suoi allegati)? (è|sono|contiene) (riservat|confidenzial)",
        r"se non desidera (più )?ricevere",
    ),
    date_joiners=(),
    reply_parser="it",
    articles=("prossimo", "il", "lo", "l", "giorno"),
    mobile_signatures=(r"inviato da(l)? mio", r"inviato da iphone"),
    negations=(r"non",),
    self_words=("io", "mi", "me", "mio", "miei", "mia", "ci", "noi"),
    acknowledgement=(
        r"abbiamo ricevuto (il suo|la sua|il tuo|la tua) (messaggio|richiesta|e-?mail)",
        r"(numero|codice) (di )?(ticket|pratica|riferimento)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|articolo (17|21)|art\. ?(17|21)",
            r"cancell\w*|oppo\w*|rimuov\w*|elimin\w*",
            r"mi|miei|mie[io]?|io",
        ),
        (
            r"lev\w*|togli\w*|rimuov\w*|cancell\w*|elimin\w*",
            r"contatti|rubrica|indirizzario",
            r"mi|me|mio|miei|\w+mi",
        ),
        (
            r"smett\w* di|non .{0,15}più|basta|interromp\w*",
            r"scriv\w*|contatt\w*|invi\w*|mand\w*|e-?mail|messaggi|chiam\w*|spam\w*",
            r"mi|me|ci|più|miei",
        ),
        (
            r"non (voglio|desidero|intendo) .{0,15}(ricevere|più)",
            r"ricev\w*|e-?mail|messaggi|comunicazioni",
        ),
        (
            r"rimozione|cancellazione|eliminazione|esclusione|rimuov\w*|cancell\w*|elimin\w*"
            r"|togli\w*|disiscriv\w*|escl\w*",
            r"lista\w*|elenco|database|archivi\w*|mailing\w*|newsletter|indirizzi",
            r"mi|me|mio|miei|mia|ci|\w+mi",
        ),
        (
            r"oppong\w*|opposizione|revoc\w*",
            r"trattamento|consenso|marketing",
        ),
    ),
    contrasts=("ma", "però", "tuttavia"),
    closings=(
        r"cordiali saluti",
        r"distinti saluti",
        r"(un )?saluto",
        r"saluti",
        r"buona giornata",
    ),
    tomorrow=("domani",),
)

DUTCH = Language(
    code="nl",
    addressee=(
        r"jou",
        r"jullie",
        r"uw",
    ),
    day_words=(r"op",),
    returning=(
        r"heropen",
        r"terug",
        r"hervat",
    ),
    available=(
        r"bereikbaar",
        r"beschikbaar",
        r"aanwezig",
        r"op (kantoor|het werk)",
        r"inzetbaar",
    ),
    locale="nl",
    again=(
        r"weer",
        r"opnieuw",
    ),
    bounce_hard=(
        r"onbekend\w*",
        r"bestaat niet",
        r"gedeactiveerd|opgeheven|verwijderd",
    ),
    departure_frames=(
        (r"bedrijf|organisatie|in dienst|werkzaam|medewerker|werk|werkt", r"niet meer|niet langer"),
        (
            r"bedrijf|organisatie|dienstverband|samenwerking|functie",
            r"verlaten|beëindigd|gestopt|vertrokken",
        ),
    ),
    others=(
        r"hij",
        r"zij",
        r"iemand",
        r"of",
    ),
    engagement=(
        r"bel (me|mij)",
        r"stuur (me|mij|ons)",
        r"laten we",
    ),
    bounce_soft=(
        r"tijdelijk\w*",
        r"\bvol\b",
        r"maximale (grootte|omvang)",
        r"later opnieuw",
        r"overschreden",
    ),
    auto_subjects=(r"automatisch antwoord", r"afwezig", r"niet aanwezig", r"out of office"),
    absence=(
        r"\bheb(ben)? (\w+ )?\w*vakantie\b",
        r"\b(met|op) \w*vakantie\b",
        r"(kantoor|kantoren|bedrijf|winkel|magazijn)\b.{0,40}\bgesloten\b",
        r"\bvolg een (cursus|training|opleiding)\b",
        r"\b(ben|is) (momenteel |vandaag |helaas )?ziek\b",
        r"\b(met|op) \w*(vakantie|verlof)\b",
        r"\bafwezig\b",
        r"\bmet (vakantie|verlof)\b",
        r"\bop vakantie\b",
        r"niet (op kantoor|aanwezig)",
        r"\bben (niet )?(aanwezig|afwezig)\b",
        r"\bmet zwangerschapsverlof\b",
        r"\bvrij\b.{0,20}\b(tot|t/m)\b",
        r"\b(kantoor|bedrijf) is .{0,30}gesloten",
    ),
    notice=(
        r"na (het (lange |verlengde )?weekend|de (feestdagen|vakantie)|(mijn|onze) terugkeer"
        r"|hemelvaart|pasen|pinksteren)",
        r"bij (mijn|onze) terugkeer",
        r"(tijdens|bij) mijn afwezigheid",
        r"mijn vervang(er|ster)",
        r"wordt waargenomen door",
        r"lees beperkt (mijn )?(e-?)?mail",
        r"lees (mijn )?(e-?)?mail (niet|beperkt)",
        r"beperkt (toegang tot|bereikbaar|mijn e-?mail)",
        r"geen toegang tot (mijn )?e-?mail",
        r"lees (mijn )?e-?mail (niet|beperkt)",
        r"(voor|in) dringende (zaken|gevallen|vragen)",
        r"(na|bij) (mijn )?terugkomst",
    ),
    back=(
        r"er weer",
        r"weer",
        r"terug",
        r"weer (aanwezig|bereikbaar|op kantoor)",
    ),
    until=(r"tot( en met)?", r"t/m", r"tm"),
    optout=(
        r"\bhou\w* (alsjeblieft |alstublieft |aub |nu )?op met (mailen|e-?mailen|sturen|benaderen)",
        r"\bhaal (mij|me) (van|uit) (de|uw|jullie) (lijst|mailinglijst|bestand)",
        r"\b(mijn|me|mij) (gegevens|e-?mailadres|adres)\b.{0,30}\bverwijderen",
        r"\bmij niet meer (te )?(benaderen|mailen|contacteren)",
        r"\bniet meer te (benaderen|mailen|contacteren)",
        r"\bafmelden\b",
        r"\bmeld (mij|me) af\b",
        r"\buitschrijven\b",
        r"\bschrijf (mij|me) uit\b",
        r"\bverwijder (mij|me|mijn (gegevens|e-?mailadres|adres))\b",
        r"\bgeen (e-?mails|mails|berichten) meer\b",
        r"\bstop (nu )?met (het )?(mailen|e-?mailen|sturen|versturen|benaderen|spammen)\b",
        r"\bniet meer (mailen|benaderen|contacteren)\b",
        r"\bmaak bezwaar tegen\b.{0,40}\bverwerking\b",
    ),
    optout_alone=(r"stop", r"afmelden"),
    left_company=(
        r"(van )?werkgever (veranderd|gewisseld)",
        r"(bij|naar) een andere werkgever",
        r"mijn (dienstverband|arbeidscontract)\b.{0,50}\b(beëindigd|afgelopen|geëindigd)",
        r"uit dienst( getreden| gegaan)?",
        r"met pensioen",
        r"werkt\b.{0,30}\bniet meer (bij|voor)",
        r"werkt (niet meer|hier niet meer) (bij|voor)",
        r"niet meer (werkzaam|in dienst)",
        r"heeft .{0,30} verlaten",
    ),
    quote_lines=(r"op .{0,200}schreef .{0,100}:", r"-{2,} ?oorspronkelijk bericht ?-{2,}"),
    from_label="van",
    sent_labels=("verzonden", "datum", "aan", "onderwerp"),
    footers=(
        r"dit (e-?mail)?bericht( en eventuele bijlagen)? (is|zijn) (vertrouwelijk|uitsluitend)",
        r"als u (deze|geen) .{0,30}(meer )?wilt ontvangen",
    ),
    reply_parser="nl",
    articles=("aanstaande", "volgende", "de", "op"),
    mobile_signatures=(
        r"verstuurd (vanaf|met|van) mijn",
        r"verzonden (vanaf|met|van) mijn",
    ),
    polite_asks=(r"(kunt|kan|wilt|zou|zoudt) (u|je|jij|jullie) (\w+ )?niet",),
    negations=(r"niet",),
    self_words=("ik", "mij", "me", "mijn", "ons", "wij"),
    acknowledgement=(
        r"wij nemen .{0,40}contact met u op",
        r"uw (referentienummer|ticketnummer|klantnummer)",
        r"we hebben uw (bericht|e-?mail|aanvraag) ontvangen",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"avg|gdpr|artikel (17|21)|art\. ?(17|21)",
            r"verwijder\w*|bezwaar|wis\w*",
            r"mij|me|mijn|ik",
        ),
        (
            r"stop\w*|niet meer|nooit meer|geen .{0,20}meer|ophouden|hou\w* .{0,20}op",
            r"mail\w*|e-?mail\w*|\w*mails?|benader\w*|contact\w*|sturen|stuur\w*|schrijv\w*"
            r"|berichten|bellen|spam\w*",
            r"me|mij|mijn|ons|meer|jullie",
        ),
        (
            r"(wil|wens) .{0,20}(niet meer|geen)",
            r"ontvang\w*|krijgen|e-?mails|mails|berichten|gemaild|benaderd|gecontacteerd",
        ),
        (
            r"verwijdering|uitschrijving|verwijder\w*|haal\w*|halen|schrap\w*|afmeld\w*"
            r"|uitschrijv\w*|eraf|er af",
            r"lijst\w*|bestand\w*|database|mailing\w*|nieuwsbrief|af\b|eraf",
            r"me|mij|mijn|ons",
        ),
        (
            r"bezwaar|intrek\w*",
            r"verwerking|toestemming|marketing|gebruik|gegevens",
        ),
    ),
    contrasts=("maar", "echter"),
    closings=(r"met vriendelijke groet(en)?", r"(hartelijke |vriendelijke )?groet(en)?", r"mvg"),
    tomorrow=("morgen",),
)

POLISH = Language(
    code="pl",
    addressee=(
        r"pana",
        r"pani",
        r"panią",
        r"państwa",
        r"ciebie",
        r"cię",
        r"wam",
    ),
    day_words=(r"dnia",),
    returning=(
        r"wr[óo]c",
        r"wraca",
        r"powr[óo]t",
        r"powroc",
        r"powrac",
    ),
    available=(
        r"dostępn",
        r"osiągaln",
        r"do dyspozycji",
        r"w (biurze|pracy)",
        r"obecn",
    ),
    locale="pl",
    again=(
        r"ponownie",
        r"znów",
    ),
    bounce_hard=(
        r"nieznan\w*",
        r"nie istnieje",
        r"dezaktywowan\w*|usunięt\w*|zamknięt\w*",
    ),
    departure_frames=(
        (r"pracownik\w*|firm\w*|spółk\w*|zatrudnion\w*|pracuj\w*", r"nie \w+ już|już nie"),
        (
            r"firm\w*|spółk\w*|współprac\w*|zatrudnieni\w*",
            r"odsz[ełl]\w*|odesz[łl]\w*|opuści[łl]\w*|zakończ\w*|zakończył\w*",
        ),
    ),
    others=(
        r"on",
        r"ona",
        r"ktoś",
        r"czy",
    ),
    engagement=(
        r"zadzwoń do mnie",
        r"proszę (do mnie )?zadzwonić",
        r"(prześlij|wyślij|przyślij|prześlijcie|wyślijcie|proszę przesłać) (mi|nam)",
        r"porozmawiajmy",
        r"umówmy się",
    ),
    bounce_soft=(
        r"tymczasow\w*",
        r"przepełnion\w*|\bpełna\b",
        r"przekroczon\w*",
        r"ponown\w* (próba|próby|spróbujemy)",
        r"później",
    ),
    auto_subjects=(
        r"automatyczna odpowiedź",
        r"odpowiedź automatyczna",
        r"nieobecność",
        r"poza biurem",
    ),
    absence=(
        r"\bna (zwolnieniu lekarskim|l4)\b",
        r"\b(jestem|jest) (\w+ )?chor[ya]\b",
        r"(biuro|firma|sklep|magazyn)\b.{0,40}\b(nieczynn|zamknięt)\w*",
        r"\burlop\b",
        r"\bpoza biurem\b",
        r"\bna urlopie\b",
        r"\b(jestem|będę) nieobecn[ya]",
        r"\bnieobecn(y|a|ość)\b",
        r"\bw delegacji\b",
        r"\bna zwolnieniu\b",
        r"\bprzebywam na\b",
    ),
    notice=(
        r"nie (czytam|będę czytać|sprawdzam|odczytuję) (poczty|e-?maili|maili|wiadomości)",
        r"po (długim )?weekendzie",
        r"po (świętach|urlopie)",
        r"(podczas|w czasie) mojej nieobecności",
        r"w zastępstwie",
        r"zastępuje mnie",
        r"ograniczony dostęp do (poczty|e-?maili)",
        r"bez dostępu do (poczty|e-?maili)",
        r"w (pilnych|nagłych) sprawach",
        r"po (moim )?powrocie",
    ),
    back=(
        r"osiągaln[ya]",
        r"dostępn[ya]",
        r"w biurze będę",
        r"będę w biurze",
        r"wracam",
        r"wrócę",
        r"powrót",
        r"powrocie",
        r"z powrotem",
        r"ponownie",
    ),
    until=(r"do( dnia)?",),
    optout=(
        r"\bwypisać\b",
        r"\b(usunięcie|usunąć|usuńcie)\b.{0,30}\b(moich danych|mojego adresu|moje dane)",
        r"\bwypisz(cie)? mnie\b",
        r"\busuń(cie)? (mnie|mój (adres|e-?mail)|moje dane)\b",
        r"\bproszę (o )?(usunięcie|wypisanie)\b",
        r"\bnie (wysyłajcie|wysyłaj|przysyłajcie|piszcie|kontaktujcie)\b",
        r"\bnie chcę (więcej )?(otrzymywać|dostawać)\b",
        r"\bwięcej (nie pisać|maili)\b",
        r"\bsprzeciw wobec przetwarzania\b",
        r"\bwypisanie z listy\b",
        r"\busunąć (mnie|mój (adres|e-?mail)|moje dane)",
        r"\b(usuń|usuńcie|usunąć|wypisać)\b.{0,40}\bz (listy|bazy|mailingu)",
    ),
    optout_alone=(r"stop", r"wypisz(cie)?( mnie)?", r"rezygnuję"),
    left_company=(
        r"zmieni(łem|łam|ł|ła) (pracę|pracodawcę)",
        r"mój (stosunek pracy|okres zatrudnienia)\b.{0,50}\b(zakończył|wygasł)\w*",
        r"(przeszedłem|przeszłam) na emeryturę",
        r"jestem (\w+ )?na emeryturze",
        r"już nie pracuje",
        r"nie pracuje już",
        r"nie jest już pracownikiem",
        r"odszedł z firmy",
        r"odeszła z firmy",
    ),
    quote_lines=(
        r"dnia .{0,200}(napisał|napisała|napisał\(a\)|nadesłał) ?:",
        r"\d{1,2}.{0,80}(napisał|napisała) ?:",
        r"-{2,} ?oryginalna wiadomość ?-{2,}",
    ),
    from_label="od",
    sent_labels=("wysłano", "data", "do", "temat"),
    footers=(
        r"ta wiadomość( wraz z załącznikami)? (jest|zawiera) (poufn|informacje)",
        r"jeśli nie chcesz (więcej )?otrzymywać",
    ),
    reply_parser="pl",
    articles=("przyszłego", "najbliższego", "dnia", "dn"),
    mobile_signatures=(r"wysłane z",),
    negations=(r"nie",),
    self_words=("mnie", "mi", "mój", "moje", "moich", "ja", "nas"),
    acknowledgement=(
        r"otrzymaliśmy (twoją|pana|pani|państwa)? ?(wiadomość|zgłoszenie)",
        r"numer (zgłoszenia|sprawy)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"rodo|gdpr|art\. ?(17|21)|artyku\w* (17|21)",
            r"usun\w*|usunięci\w*|sprzeciw\w*|wymaz\w*",
            r"mnie|mi|moi\w*|moje\w*|mój|moja",
        ),
        (
            r"nie\b|przesta\w*|więcej nie|prosz\w* nie",
            r"pisa\w*|pisz\w*|wysył\w*|przysył\w*|kontakt\w*|dzwoni\w*|maili|wiadomości|e-?maili"
            r"|spam\w*",
            r"mnie|mi|nam|więcej|już",
        ),
        (
            r"nie (chcę|życzę sobie|wyrażam zgody)",
            r"otrzymyw\w*|dostaw\w*|maili|wiadomości|informacji",
        ),
        (
            r"usunięci\w*|wykreśleni\w*|wypisani\w*|usu\w*|wypis\w*|wykreśl\w*|skreśl\w*",
            r"list\w*|baz\w*|mailing\w*|newsletter\w*|subskrypcj\w*",
            r"mnie|mój|moje|mojego|nas",
        ),
        (
            r"sprzeciw\w*|nie wyrażam zgody|wycofuj\w*",
            r"przetwarzan\w*|zgod\w*|marketing\w*|informacji handlowych|handlow\w*",
        ),
    ),
    contrasts=("ale", "lecz", "jednak"),
    closings=(r"pozdrawiam", r"z poważaniem", r"z wyrazami szacunku"),
    tomorrow=("jutro",),
)

SWEDISH = Language(
    code="sv",
    addressee=(
        r"dig",
        r"du",
    ),
    day_words=(r"den",),
    returning=(
        r"tillbaka",
        r"åter",
    ),
    available=(
        r"anträffbar",
        r"nåbar",
        r"nås",
        r"tillgänglig",
        r"på (kontoret|plats|jobbet)",
        r"i tjänst",
    ),
    locale="sv",
    again=(
        r"igen",
        r"åter",
    ),
    bounce_hard=(
        r"okänd\w*",
        r"finns inte",
        r"avaktiverad|stängd|borttagen",
    ),
    departure_frames=(
        (r"företag\w*|anställd|organisation\w*|jobbar|arbetar", r"inte längre|inte \w+ längre"),
        (r"företag\w*|anställning\w*|tjänst\w*|samarbete\w*", r"lämnat|slutat|upphört|avslutat\w*"),
    ),
    others=(
        r"han",
        r"hon",
        r"någon",
        r"om",
    ),
    engagement=(
        r"ring (mig|gärna)",
        r"skicka (mig|oss|gärna)",
        r"låt oss",
    ),
    bounce_soft=(
        r"tillfällig\w*",
        r"\bfull\b",
        r"(försöker|försök) (igen|på nytt)",
        r"senare",
        r"överskri\w*",
    ),
    auto_subjects=(
        r"autosvar",
        r"automatiskt svar",
        r"frånvaro",
        r"frånvarande",
        r"inte på kontoret",
    ),
    absence=(
        r"\bpå \w*semester\b",
        r"\bhar \w*semester\b",
        r"\b(är|er) (\w+ )?sjuk\b",
        r"(kontor|företag|butik|lager)\w*\b.{0,40}\bstängt\b",
        r"\bsjukskriven\b",
        r"\bhar (semester|\w*ledigt?)\b",
        r"\bfrånvarande\b",
        r"\bpå semester\b",
        r"\b\w*ledig(t|a)?\b",
        r"\binte på kontoret\b",
        r"\bföräldraledig\b",
        r"\btjänsteresa\b",
        r"\bborta\b",
    ),
    notice=(
        r"efter (helgen|semestern|ledigheten|min återkomst)",
        r"när jag (är tillbaka|kommer tillbaka)",
        r"under min frånvaro",
        r"(min|mitt) (ersättare|vikarie)",
        r"begränsad (tillgång till|åtkomst till) (min )?(e-?post|mejl|mail)",
        r"(ingen|utan) (tillgång till|åtkomst till) (min )?(e-?post|mejl|mail)",
        r"i brådskande (ärenden|fall)",
        r"vid brådskande ärenden",
        r"brådskande ärenden",
        r"läser inte (min )?(e-?post|mejl|mail)",
        r"kontakta istället",
        r"(när|efter att) jag (kommer )?(tillbaka|återvänt)",
    ),
    back=(
        r"från och med",
        r"fr\.o\.m\.",
        r"retur",
        r"inte( [\w-]+){0,2} förrän",
        r"svarar( på (e-?post|mejl|mail))? (igen )?från",
        r"nås igen",
        r"igen",
        r"tillbaka",
        r"åter",
        r"på plats igen",
        r"på kontoret igen",
    ),
    until=(r"till och med", r"t\.o\.m\.", r"tom", r"till"),
    optout=(
        r"\b(raderar|radera|tar bort|ta bort)\b"
        r".{0,30}\b(mina (personuppgifter|uppgifter)|min (e-?post|adress))",
        r"\bslutar? (kontakta|skicka|maila|mejla)",
        r"\bavregistrera\b",
        r"\b(avanmäl|avprenumerer)\w* (mig|mej|oss)\b",
        r"\bta bort (mig|min (adress|e-?post|e-?postadress)|mina uppgifter)\b",
        r"\bavsluta (min )?prenumeration",
        r"\bsluta (skicka|maila|mejla|kontakta)\b",
        r"\binga fler (mejl|mail|e-?postmeddelanden|utskick)\b",
        r"\bvill inte (längre )?(ha|få) (fler )?(mejl|mail|e-?post|utskick)",
        r"\bjag invänder mot behandling",
    ),
    optout_alone=(r"stop", r"stopp", r"avregistrera"),
    left_company=(
        r"bytt (jobb|arbetsgivare|arbetsplats)",
        r"min anställning\b.{0,50}\b(upphört|avslutats|tagit slut)",
        r"gått (\w+ )?i pension",
        r"är (\w+ )?pensionerad",
        r"(av)?slutat sin anställning",
        r"slutat sin anställning",
        r"inte längre (anställd|kvar)",
        r"arbetar inte längre",
        r"har slutat (på|hos)",
        r"inte längre anställd",
    ),
    quote_lines=(r".{0,200}skrev .{0,100}:",),
    from_label="från",
    sent_labels=("skickat", "datum", "till", "ämne"),
    footers=(
        r"vill du inte (längre )?(ta emot|få)",
        r"kan du avregistrera dig",
        r"detta (e-?post)?meddelande( och eventuella bilagor)? är (konfidentiellt|avsett)",
        r"om du inte (längre )?vill (ta emot|få)",
    ),
    date_joiners=("den",),
    reply_parser="sv",
    articles=("nästa", "den", "med"),
    mobile_signatures=(r"skickat från min",),
    polite_asks=(r"(kan|kunde|vill|skulle) (ni|du) (\w+ )?(inte|ej)",),
    negations=(r"inte",),
    self_words=("jag", "mig", "mej", "min", "mina", "oss"),
    acknowledgement=(
        r"vi har (tagit emot|mottagit) ditt (meddelande|ärende|mejl)",
        r"ditt ärendenummer",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|dataskyddsförordning\w*|artikel (17|21)|art\. ?(17|21)",
            r"radera\w*|invänd\w*|ta bort|raderas",
            r"mig|mej|mina?|mitt|jag",
        ),
        (
            r"sluta\w*|inte (längre|mer|fler|igen)|inga (fler|mer)|aldrig",
            r"skicka\w*|mejla\w*|maila\w*|kontakta\w*|skriva\w*|\w*mejl|\w*mail|utskick|e-?post"
            r"|ringa|marknadsföring\w*|reklam\w*|nyhetsbrev\w*|spam\w*",
            r"mig|mej|oss|fler|mer|längre",
        ),
        (
            r"vill (inte|ej) .{0,15}(ha|få|ta emot)|undanber",
            r"mejl|mail|utskick|e-?post|meddelanden|fler|mig|reklam|mer",
        ),
        (
            r"borttagning|radering|ta\w* bort|stryk\w*|radera\w*|avregistrera\w*|avsluta\w*"
            r"|avanmäl\w*|avprenumerer\w*",
            r"list\w*|register|utskick\w*|databas\w*|nyhetsbrev\w*|prenumeration",
            r"mig|mej|min|mina|oss",
        ),
        (
            r"invänd\w*|återkall\w*",
            r"behandling|samtycke|marknadsföring",
        ),
    ),
    contrasts=("men", "dock"),
    closings=(r"med vänliga hälsningar", r"vänliga hälsningar", r"hälsningar", r"mvh"),
    tomorrow=("i morgon", "imorgon"),
)

DANISH = Language(
    code="da",
    addressee=(
        r"dig",
        r"jer",
        r"du",
    ),
    day_words=(r"den",),
    returning=(
        r"tilbage",
        r"genoptag",
    ),
    available=(
        r"træffes",
        r"tilgængelig",
        r"kan nås",
        r"på (kontoret|arbejde|job)",
    ),
    locale="da",
    again=(r"igen",),
    bounce_hard=(
        r"ukendt\w*",
        r"findes ikke",
        r"deaktiveret|lukket|slettet",
    ),
    departure_frames=(
        (r"virksomhed\w*|firma\w*|ansat|arbejder", r"ikke længere|ikke \w+ længere"),
        (
            r"virksomhed\w*|firma\w*|ansættelse\w*|stilling\w*|samarbejde\w*",
            r"forladt|stoppet|ophørt|afsluttet|fratrådt",
        ),
    ),
    others=(
        r"han",
        r"hun",
        r"nogen",
        r"om",
    ),
    engagement=(
        r"ring (til mig|mig|gerne)",
        r"send (mig|os|gerne)",
        r"lad os",
    ),
    bounce_soft=(
        r"midlertidig\w*",
        r"\bfuld\b",
        r"overskredet",
        r"senere",
    ),
    auto_subjects=(r"autosvar", r"automatisk svar", r"fraværende", r"ikke på kontoret", r"fravær"),
    absence=(
        r"\bholder \w*ferie\b",
        r"\bpå \w*ferie\b",
        r"\b(er) (\w+ )?syg\b",
        r"(kontor|virksomhed|butik|lager)\w*\b.{0,40}\blukket\b",
        r"\bsygemeldt\b",
        r"\bfraværende\b",
        r"\bpå (\w*ferie|barsel|forretningsrejse)\b",
        r"\bikke på kontoret\b",
        r"\bholder (\w*ferie|fri)\b",
        r"\bhar (\w*ferie|fri)\b",
        r"\bpå kursus\b",
    ),
    notice=(
        r"læser ikke (mine? )?(e-?)?mails?",
        r"haster det\b",
        r"i (akutte|hastende) tilfælde",
        r"efter (weekenden|ferien|helligdagene|min hjemkomst)",
        r"når jeg (er tilbage|kommer tilbage)",
        r"(i|under) mit fravær",
        r"min stedfortræder",
        r"begrænset adgang til (min )?(e-?mail|mail|post)",
        r"ingen adgang til (min )?(e-?mail|mail|post)",
        r"i (akutte|hastende) (tilfælde|sager)",
        r"(når|efter) jeg (er )?(tilbage|kommer tilbage)",
    ),
    back=(
        r"fra og med",
        r"f\.o\.m\.",
        r"retur",
        r"svarer( på (e-?mails?|mails?))? (igen )?fra",
        r"ikke( [\w-]+){0,2} før",
        r"tilbage",
        r"på kontoret igen",
        r"træffes igen",
    ),
    until=(r"til og med", r"t\.o\.m\.", r"til"),
    optout=(
        r"\b(slet|slette|sletter|fjern|fjerne)\b"
        r".{0,30}\b(mine (oplysninger|data|personoplysninger)|min (e-?mail|adresse))",
        r"\bikke (send|skriv til) mig",
        r"\b(kontakt|skriv til|send) (mig|os) ikke\b",
        r"\btag (mig|os) (af|ud af|væk fra) (\w+ )?(liste\w*|mailliste\w*|udsendelse\w*)",
        r"\bafmeld(e|ing)?\b",
        r"\bfjern (mig|min (adresse|e-?mail|mail)|mine oplysninger)\b",
        r"\bslet (mig|min (adresse|e-?mail)|mine oplysninger)\b",
        r"\bstop med at (sende|maile|skrive|kontakte)\b",
        r"\bikke flere (e-?mails|mails|henvendelser)\b",
        r"\bønsker ikke (at modtage|flere)\b",
        r"\bgør indsigelse mod behandling",
    ),
    optout_alone=(r"stop", r"(afmeld|frameld)( mig)?"),
    left_company=(
        r"skiftet (job|arbejdsgiver)",
        r"min ansættelse\b.{0,50}\b(ophørt|stoppet|afsluttet)",
        r"gået (\w+ )?på pension",
        r"er (\w+ )?pensioneret",
        r"arbejder ikke længere",
        r"er ikke længere ansat",
        r"har forladt",
    ),
    quote_lines=(r".{0,200}skrev .{0,100}:", r"-{2,} ?oprindelig meddelelse ?-{2,}"),
    from_label="fra",
    sent_labels=("sendt", "dato", "til", "emne"),
    footers=(
        r"ønsker du ikke (længere )?at modtage",
        r"kan du afmelde dig",
        r"denne e-?mail( og eventuelle vedhæftede filer)? er (fortrolig|kun)",
        r"hvis du ikke (længere )?ønsker at modtage",
    ),
    date_joiners=("den",),
    reply_parser="da",
    articles=(
        "næste",
        "den",
    ),
    mobile_signatures=(r"sendt fra min",),
    polite_asks=(r"(vil|kan|kunne|ville) (i|du|de) (\w+ )?ikke",),
    negations=(r"ikke",),
    self_words=("jeg", "mig", "min", "mine", "os"),
    acknowledgement=(
        r"vi har modtaget din (henvendelse|besked|e-?mail|mail)",
        r"dit (sagsnummer|ticketnummer)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|databeskyttelsesforordning\w*|artikel (17|21)|art\. ?(17|21)",
            r"slet\w*|indsigelse",
            r"mig|mine?|mit|jeg",
        ),
        (
            r"(ønsker|vil) ikke",
            r"(blive )?kontakt\w*|mails?|e-?mails?|henvendelser",
        ),
        (
            r"stop\w*|hold\w* op|ikke (længere|mere|flere)|ingen (flere|mere)|aldrig",
            r"skriv\w*|send\w*|\w*mail\w*|e-?mail\w*|kontakt\w*|henvendelse\w*|ring\w*"
            r"|markedsføring\w*|reklame\w*|nyhedsbrev\w*|spam\w*",
            r"mig|os|flere|mere|længere",
        ),
        (
            r"(ønsker|vil) ikke .{0,15}(modtage|have|flere)",
            r"modtage|mails|e-?mails|henvendelser|nyhedsbreve|flere",
        ),
        (
            r"sletning|fjernelse|slet\w*|fjern\w*|frameld\w*|afmeld\w*|stryg\w*",
            r"list\w*|mailliste\w*|database\w*|register|nyhedsbrev\w*|udsendelse\w*|system\w*",
            r"mig|min|mine|os",
        ),
        (
            r"frameld\w*|afmeld\w*",
            r"mig|os",
        ),
        (
            r"indsigelse|tilbagekald\w*|frabeder",
            r"behandling|samtykke|markedsføring|henvendelser",
        ),
    ),
    contrasts=("men", "dog"),
    closings=(r"(med )?venlig hilsen", r"(de )?bedste hilsner", r"hilsen", r"mvh"),
    tomorrow=("i morgen",),
)

NORWEGIAN = Language(
    code="no",
    addressee=(
        r"deg",
        r"dere",
        r"du",
    ),
    day_words=(r"den",),
    returning=(
        r"tilbake",
        r"gjenoppta",
    ),
    available=(
        r"tilgjengelig",
        r"treffes",
        r"nås",
        r"på (kontoret|jobb)",
    ),
    locale="nb",
    again=(r"igjen",),
    bounce_hard=(
        r"ukjent\w*",
        r"finnes ikke",
        r"deaktivert|stengt|slettet",
    ),
    departure_frames=(
        (r"selskap\w*|firma\w*|ansatt|jobber|arbeider", r"ikke lenger|ikke \w+ lenger"),
        (
            r"selskap\w*|firma\w*|ansettelse\w*|stilling\w*|samarbeid\w*",
            r"forlatt|sluttet|opphørt|avsluttet|fratrådt",
        ),
    ),
    others=(
        r"han",
        r"hun",
        r"noen",
        r"om",
    ),
    engagement=(
        r"ring (meg|gjerne)",
        r"send (meg|oss|gjerne)",
        r"la oss",
    ),
    bounce_soft=(
        r"midlertidig\w*",
        r"\bfull\b",
        r"overskredet",
        r"senere",
    ),
    auto_subjects=(r"autosvar", r"automatisk svar", r"fraværende", r"ikke på kontoret", r"fravær"),
    absence=(
        r"\bpå \w*ferie\b",
        r"\bhar \w*ferie\b",
        r"\bsykm?e?meldt\b",
        r"\ber (\w+ )?syk\b",
        r"(kontor|bedrift|butikk|lager)\w*\b.{0,40}\bstengt\b",
        r"\bsykmeldt\b",
        r"\bfraværende\b",
        r"\bpå (\w*ferie|reise|tjenestereise|kurs)\b",
        r"\bikke på kontoret\b",
        r"\bute av kontoret\b",
        r"\bi (permisjon|foreldrepermisjon)\b",
        r"\bhar (\w*ferie|fri)\b",
    ),
    notice=(
        r"leser ikke (min |mine )?(e-?post|e-?mail|mail)\w*",
        r"haster det\b",
        r"etter (helgen|ferien|helligdagene)",
        r"(i|under) mitt fravær",
        r"min stedfortreder",
        r"begrenset tilgang til (min )?(e-?post|mail)",
        r"ingen tilgang til (min )?(e-?post|mail)",
        r"i (hastesaker|hastende saker|akutte saker)",
        r"(når|etter at) jeg (er )?(tilbake|kommer tilbake)",
        r"automatisk svar",
    ),
    back=(
        r"fra og med",
        r"f\.o\.m\.",
        r"retur",
        r"svarer( på (e-?post|mail))? (igjen )?fra",
        r"ikke( [\w-]+){0,2} før",
        r"tilgjengelig igjen",
        r"igjen",
        r"tilbake",
        r"på kontoret igjen",
        r"treffes igjen",
    ),
    until=(r"til og med", r"t\.o\.m\.", r"tom", r"til"),
    optout=(
        r"\b(slett|slette|sletter|fjern|fjerne)\b"
        r".{0,30}\b(mine (opplysninger|data|personopplysninger)|min (e-?post|adresse))",
        r"\bikke send (meg )?(flere|mer)",
        r"\bikke (kontakt|skriv til) meg",
        r"\bmeld (meg|meg av|meg ut)\b",
        r"\bavmeld(e|ing)?\b",
        r"\bavregistrer\w*\b",
        r"\b(slett|fjern)\w* (opplysningene|dataene|personopplysningene|e-?postadressen|adressen)"
        r" (mine|min)\b",
        r"\bta (meg|oss) (av|ut av|bort fra) (\w+ )?(liste\w*|e-?postliste\w*|utsendelse\w*)",
        r"\b(kontakt|skriv til|send) (meg|oss) ikke\b",
        r"\bfjern (meg|min (adresse|e-?post))\b",
        r"\bslett (meg|mine (data|opplysninger)|min e-?post)\b",
        r"\bslutt å (sende|maile|kontakte)\b",
        r"\bikke flere (e-?poster|mailer|e-?post)\b",
        r"\bønsker ikke (å motta|flere)\b",
        r"\breserverer meg mot behandling",
    ),
    optout_alone=(r"stopp", r"stop", r"avmeld"),
    left_company=(
        r"byttet (jobb|arbeidsgiver)",
        r"mitt arbeidsforhold\b.{0,50}\b(avsluttet|opphørt)",
        r"gått (\w+ )?av med pensjon",
        r"er (\w+ )?pensjonert",
        r"jobber ikke (lenger|her lenger)",
        r"er ikke lenger ansatt",
        r"har sluttet",
    ),
    quote_lines=(r"den .{0,200}skrev .{0,100}:", r"-{2,} ?opprinnelig melding ?-{2,}"),
    from_label="fra",
    sent_labels=("sendt", "dato", "til", "emne"),
    footers=(
        r"ønsker du ikke (lenger )?å motta",
        r"kan du melde deg av",
        r"denne e-?posten( og eventuelle vedlegg)? er (konfidensiell|kun)",
        r"hvis du ikke (lenger )?ønsker å motta",
    ),
    date_joiners=("den",),
    articles=(
        "neste",
        "den",
    ),
    mobile_signatures=(r"sendt fra min",),
    polite_asks=(r"(vil|kan|kunne|ville) (dere|du|de) (\w+ )?ikke",),
    negations=(r"ikke",),
    self_words=("jeg", "meg", "min", "mine", "oss"),
    acknowledgement=(
        r"vi har mottatt (din|henvendelsen din) ?(henvendelse|melding|e-?post)?",
        r"ditt (saksnummer|ticketnummer)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|personvernforordning\w*|artikkel (17|21)|art\. ?(17|21)",
            r"slett\w*|protest\w*|reserver\w*",
            r"meg|mine?|mitt|jeg",
        ),
        (
            r"(ønsker|vil) ikke",
            r"(bli )?kontakt\w*|e-?post\w*|henvendelser",
        ),
        (
            r"slutt\w*|stopp\w*|ikke (lenger|mer|flere)|ingen (flere|mer)|aldri",
            r"skriv\w*|send\w*|\w*mail\w*|e-?post\w*|kontakt\w*|henvendelse\w*|ring\w*"
            r"|markedsføring\w*|reklame\w*|nyhetsbrev\w*|spam\w*",
            r"meg|oss|flere|mer|lenger",
        ),
        (
            r"(ønsker|vil) ikke .{0,15}(motta|ha|flere)",
            r"motta|e-?post\w*|mailer|henvendelser|nyhetsbrev|flere",
        ),
        (
            r"sletting|fjerning|slett\w*|fjern\w*|meld\w* .{0,5}av|avmeld\w*|stryk\w*"
            r"|avregistr\w*",
            r"list\w*|database\w*|register|nyhetsbrev\w*|utsendelse\w*|av\b",
            r"meg|min|mine|oss",
        ),
        (
            r"reserver\w*|tilbakekall\w*|frabe\w*",
            r"markedsføring|behandling|samtykke|henvendelser",
        ),
    ),
    contrasts=("men", "likevel"),
    closings=(r"(med )?vennlig hilsen", r"beste hilsen", r"hilsen", r"mvh"),
    tomorrow=("i morgen",),
)

FINNISH = Language(
    code="fi",
    negated_copulas=(
        r"en ole",
        r"emme ole",
        r"ei ole",
    ),
    return_objects=(r"asiaan|asiaa",),
    addressee=(
        r"sinua",
        r"sinulle",
        r"teille",
        r"teitä",
    ),
    returning=(
        r"avaamme",
        r"avataan",
        r"aukea",
        r"pala(a|an|amme|avat|tessa|ttuani|uu|uun)",
        r"takaisin",
    ),
    available=(
        r"tavoitettav",
        r"käytettävissä",
        r"paikalla",
        r"toimistolla",
        r"töissä",
    ),
    locale="fi",
    again=(
        r"taas",
        r"uudelleen",
    ),
    bounce_hard=(
        r"tuntemato\w*",
        r"ei löydy",
        r"ei ole olemassa",
        r"poistettu|suljettu",
    ),
    departure_frames=(
        (r"yrityks\w*|yhtiö\w*|palvelukse\w*|työntekijä\w*|työskentel\w*", r"enää"),
        (
            r"yritykse\w*|yhtiö\w*|työt|työsuhde|työsuhteeni|palvelukse\w*",
            r"lopettanut|lopetin|lähtenyt|lähdin|päättynyt|päättyi|jättänyt",
        ),
    ),
    others=(
        r"hän",
        r"joku",
        r"jos",
    ),
    engagement=(
        r"soita (minulle|mulle)",
        r"lähetä (minulle|ne|se)|lähettäkää",
        r"sovitaan",
    ),
    bounce_soft=(
        r"tilapäi\w*|väliaikai\w*",
        r"täynnä",
        r"ylittyn\w*|ylitetty",
        r"myöhemmin",
    ),
    auto_subjects=(r"automaattinen vastaus", r"poissa", r"lomalla", r"poissaolo"),
    absence=(
        r"\bsairauslomalla\b",
        r"\bsairaslomalla\b",
        r"\bolen (\w+ )?sairaana\b",
        r"(toimisto|yritys|liike|myymälä)\w*\b.{0,40}\bsuljettu(na)?\b",
        r"\bpoissa (toimistolta|töistä)\b",
        r"\bolen poissa\b",
        r"\b\w*lomalla\b",
        r"\bvuosilomalla\b",
        r"\bmatkoilla\b",
        r"\bpoissaoloni\b",
        r"\bvanhempainvapaalla\b",
    ),
    notice=(
        r"(viikonlopun|loman|pyhien) jälkeen",
        r"poissaoloni aikana",
        r"sijai(seni|senani)",
        r"rajoitetusti (sähköpostini|sähköpostin) (ääressä|käytössä)",
        r"luen sähköpostia(ni)? rajoitetusti",
        r"en lue sähköpostia",
        r"kiireellisissä (asioissa|tapauksissa)",
        r"en (pysty|voi) vastaamaan",
        r"(palattuani|paluuni jälkeen)",
    ),
    back=(
        r"jälleen",
        r"alkaen",
        r"palaan",
        r"paluu",
        r"takaisin",
        r"jälleen tavoitettavissa",
    ),
    until=(),
    until_after=(r"asti", r"saakka"),
    optout=(
        r"\bpoista(maan|kaa|tte)?\b.{0,60}\b(sähköpostiosoitteeni|tietoni|minut)",
        r"\ben halua (enää )?\w*(viestejä|sähköposteja|postia)",
        r"\bpoista(kaa)? (minut|osoitteeni|sähköpostiosoitteeni|tietoni)\b",
        r"\bperu\w* (\w+ )?tilau\w*",
        r"\bpois (teidän |tältä |tästä )?(\w*listalta|jakelu\w*|rekisteri\w*|postitukse\w*)",
        r"\ben halua (enää )?(\w+ )?(viestejä|sähköposte\w*|postia|markkinointi\w*|mainoksia)\b",
        r"\ben halua (enää )?(vastaanottaa|saada) ",
        r"\blopettakaa (viestien )?(lähettäminen|lähettämästä)",
        r"\bei enää (sähköposteja|viestejä)\b",
        r"\bvastustan (tietojeni )?käsittelyä",
        r"\ben halua (enää )?(sähköposteja|viestejä|postia|markkinointia)",
    ),
    optout_alone=(r"stop", r"lopeta", r"poista"),
    left_company=(
        r"vaihta(nut|neet) (työpaikkaa|työnantajaa)",
        r"vaihdoin (työpaikkaa|työnantajaa)",
        r"työsuhteeni\b.{0,50}\b(päättyi|päättynyt|loppui)",
        r"jäänyt eläkkeelle",
        r"jäin eläkkeelle",
        r"ei ole enää\b.{0,40}\bpalveluksessa",
        r"ei (enää )?työskentele",
        r"ei enää (työskentele|ole)",
        r"on lopettanut",
        r"lähtenyt yrityksestä",
        r"(olen )?siirtynyt (toisen|uuden) (yrityksen|työnantajan) palvelukseen",
        r"en (enää )?työskentele",
    ),
    quote_lines=(r".{0,200}kirjoitti.{0,100}:",),
    from_label="lähettäjä",
    sent_labels=("lähetetty", "päivämäärä", "vastaanottaja", "aihe"),
    footers=(
        r"tämä (sähköposti)?viesti( liitteineen)? on luottamuksellinen",
        r"jos et (enää )?halua vastaanottaa",
    ),
    extra_months=(
        ("marrask", 11),
        ("jouluk", 12),
        ("lokak", 10),
        ("syysk", 9),
        ("elok", 8),
        ("heinäk", 7),
        ("kesäk", 6),
        ("toukok", 5),
        ("huhtik", 4),
        ("maalisk", 3),
        ("helmik", 2),
        ("tammik", 1),
    ),
    mobile_signatures=(r"lähetetty .{0,30}(iphonesta|puhelimesta|laitteesta)",),
    negations=(r"älä", r"älkää"),
    self_words=(
        "minä",
        "minut",
        "minulle",
        "minun",
        "meidät",
        "osoitteeni",
        "sähköpostiosoitteeni",
        "tietoni",
        "yhteystietoni",
    ),
    acknowledgement=(
        r"olemme vastaanottaneet viestisi",
        r"(tiketti|tapaus)numero",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|tietosuoja-asetu\w*|artikla\w* (17|21)|art\. ?(17|21)",
            r"poist\w*|vastust\w*|kiell\w*",
            r"minu\w*|\w+ni|pyydän|vaadin",
        ),
        (
            r"lopet\w*|älkää|älä|ei enää|ei .{0,10}enää",
            r"lähet\w*|viest\w*|sähköpost\w*|posti\w*|ottako|yhteyt\w*|soitta\w*|kirjoitta\w*"
            r"|markkinoin\w*"
            r"|spam\w*|roskapost\w*",
            r"minulle|minua|meille|meitä|enää|viestien|lähettäminen",
        ),
        (
            r"en (halua|toivo) .{0,15}(enää|vastaanottaa|saada)",
            r"vastaanott\w*|saada|viestejä|sähköposte\w*|markkinoin\w*",
        ),
        (
            r"poisto\w*|poist\w*",
            r"list\w*|rekister\w*|tietokann\w*|postitus\w*|osoit\w*|tied\w*|jakelu\w*",
            r"minut|minun|osoitteeni|tietoni|meidät",
        ),
        (
            r"kiellän|vastustan|peru\w* suostumu\w*",
            r"markkinoin\w*|käsittel\w*|suostumu\w*|suoramarkkinoin\w*",
        ),
    ),
    contrasts=("mutta", "kuitenkin"),
    closings=(r"ystävällisin terveisin", r"terveisin", r"parhain terveisin"),
    tomorrow=("huomenna",),
)

CZECH = Language(
    code="cs",
    negated_copulas=(
        r"nejsem",
        r"nejsme",
        r"není",
        r"nebudu",
        r"nebudeme",
        r"nebude",
    ),
    addressee=(
        r"vám",
        r"vás",
        r"tebe",
        r"tobě",
    ),
    day_words=(r"dne",),
    returning=(
        r"vr[aá]t",
        r"vrac",
        r"návrat",
        r"nastoup",
        r"zpět",
    ),
    available=(
        r"k dispozici",
        r"k zastižení",
        r"dostupn",
        r"zastihnout",
        r"v (kanceláři|práci)",
    ),
    locale="cs",
    again=(
        r"opět",
        r"znovu",
        r"zase",
    ),
    bounce_hard=(
        r"neznám\w*",
        r"neexistuj\w*",
        r"deaktivován\w*|zrušen\w*",
    ),
    departure_frames=(
        (
            r"společnost\w*|firm\w*|zaměstnan\w*|pracuj\w*",
            r"již ne\w*|už ne\w*|ne\w* již|ne\w* už|(již|už) (\w+ ){1,4}ne\w+",
        ),
        (
            r"společnost\w*|firm\w*|pracovní poměr|spolupráce|zaměstnání",
            r"skončil\w*|ukončen\w*|odešl\w*|odešel|opustil\w*",
        ),
    ),
    others=(
        r"on",
        r"ona",
        r"někdo",
        r"zda",
    ),
    engagement=(
        r"zavolej(te)? mi",
        r"pošl(ete|i) (mi|nám)",
        r"domluvme se",
        r"pojďme",
    ),
    bounce_soft=(
        r"zaplněn\w*|\bplná\b|přeplněn\w*",
        r"dočasn\w*",
        r"(zopakován\w*|opakovat|znovu)",
        r"později",
    ),
    auto_subjects=(r"automatická odpověď", r"nepřítomnost", r"mimo kancelář"),
    absence=(
        r"\bpracovní neschopnost\w*",
        r"\bnemocensk\w*",
        r"\bna neschopence\b",
        r"\bjsem (\w+ )?nemocn[ýá]\b",
        r"(kancelář|firma|provozovna|obchod|sklad)\w*\b.{0,40}\b(zavřen|uzavřen)\w*",
        r"\bmimo kancelář\b",
        r"\b(jsem|budu) (mimo|nepřítomn[ýáa]|na dovolené)\b",
        r"\bnepřítomn(ý|á|a|ost)\b",
        r"\bna dovolené\b",
        r"\bna služební cestě\b",
        r"\bna mateřské\b",
        r"\bčerpám dovolenou\b",
        r"\bdovolen(á|é|ou)\b",
    ),
    notice=(
        r"nečtu (e-?maily|poštu|zprávy)",
        r"(e-?maily|poštu|zprávy) nečtu",
        r"po (prodlouženém )?víkendu",
        r"po (svátcích|dovolené)",
        r"(v|během) (mé|mojí) nepřítomnosti",
        r"zastupuje (mě|mne)",
        r"(můj|moje) zástup\w*",
        r"omezený přístup k (e-?mailu|poště)",
        r"bez přístupu k (e-?mailu|poště)",
        r"v (naléhavých|urgentních) (případech|záležitostech)",
        r"po (mém )?návratu",
        r"nebudu (odpovídat|číst) (na )?(e-?maily|poštu|zprávy)",
    ),
    back=(
        r"zase",
        r"k zastižení",
        r"vracím se",
        r"vrátím se",
        r"zpět",
        r"návrat",
        r"opět",
    ),
    until=(r"do",),
    optout=(
        r"\b(vymazat|smazat|odstranit|výmaz|smažte|vymažte|odstraňte)\b"
        r".{0,30}\b(mých (osobních )?údajů|moje údaje|můj e-?mail)",
        r"\bodhlásit\b",
        r"\bodhlaste mě\b",
        r"\bodstraňte (mě|můj (e-?mail|adresu)|moje údaje)\b",
        r"\bvymažte (mě|moje údaje)\b",
        r"\bnepište mi\b",
        r"\bnezasílejte mi\b",
        r"\bnechci (již |už )?(dostávat|dostat|přijímat)\b",
        r"\bvznáším námitku proti zpracování\b",
        r"\bvymažte (prosím )?(mě|můj e-?mail|moje údaje|můj kontakt)",
        r"\b(už|již) mi nepište\b",
        r"\b(mě|mne|nás) (už |již |prosím |více )*nekontaktujte\b",
        r"\bnekontaktujte (mě|mne|nás)\b",
        r"\bžádné (další )?(e-?maily|maily|zprávy|nabídky)\b",
    ),
    optout_alone=(r"stop", r"odhlásit"),
    left_company=(
        r"změnil(a)? (zaměstnání|zaměstnavatele|práci)",
        r"můj pracovní poměr\b.{0,50}\b(skončil|ukončen)",
        r"(odešel|odešla) jsem do důchodu",
        r"jsem (\w+ )?v důchodu",
        r"(už|již) není (zaměstnanc\w*|v naší)",
        r"(již|už) .{0,40}nepracuje",
        r"již (zde )?nepracuje",
        r"už (zde )?nepracuje",
        r"opustil(a)? společnost",
        r"(odešl[ai]?|odešel) ze? (společnosti|firmy)",
        r"ze? (společnosti|firmy) (odešl[ai]?|odešel)",
    ),
    quote_lines=(r".{0,200}napsal(a|\(a\))? ?:",),
    from_label="od",
    sent_labels=("odesláno", "datum", "komu", "předmět"),
    footers=(
        r"tato (e-?mailová )?zpráva( včetně příloh)? je (důvěrná|určena)",
        r"pokud si nepřejete (dále )?dostávat",
    ),
    reply_parser="cs",
    articles=(
        "příští",
        "dne",
    ),
    mobile_signatures=(r"odesláno z",),
    negations=(r"ne",),
    self_words=("já", "mě", "mi", "můj", "moje", "nás"),
    acknowledgement=(
        r"(vaši|váš) (zprávu|požadavek|e-?mail) jsme (přijali|obdrželi)",
        r"číslo (požadavku|tiketu)",
    ),
    optout_frames=(
        (  # the data protection law or its article, and erasure or objection
            r"gdpr|čl\. ?(17|21)|článk\w* (17|21)",
            r"vymaz\w*|výmaz\w*|námitk\w*|odstran\w*|smaz\w*",
            r"mě|mn[ěe]|mé|mých|moje\w*|můj|moji",
        ),
        (
            r"nepiš\w*|nepos\w*|nezasíl\w*|nekontakt\w*|přesta\w*|už (mi )?ne|již (mi )?ne",
            r"pište|posílejte|zasílejte|kontaktujte|psát|posílat|zasílat|e-?mail\w*|zpráv\w*|nic"
            r"|spam\w*",
            r"mi|mě|nám|nás|už|již|více|další\w*",
        ),
        (
            r"nepřeji si|nechci",
            r"dostáv\w*|dostat|přijím\w*|zasíl\w*|sdělení|e-?mail\w*|zpráv\w*",
        ),
        (
            r"odstranění|vymazání|výmaz\w*|vyřa\w*|odstra\w*|vymaž\w*|smaž\w*|odhlá\w*|vyjm\w*"
            r"|vyškrt\w*|škrt\w*",
            r"seznam\w*|databáz\w*|odběr\w*|evidenc\w*|mailing\w*|newsletter\w*|rozesíl\w*"
            r"|údaj\w*|kontakt\w*",
            r"mě|můj|moje|mé|mou|mojí|mého|nás",
        ),
        (
            r"odhlá\w*",
            r"odběr\w*|zasílání|newsletter\w*|e-?mail\w*",
        ),
        (
            r"námitk\w*|odvolávám",
            r"zpracování|souhlas\w*|marketing\w*|obchodní sdělení",
        ),
    ),
    contrasts=("ale", "však", "avšak"),
    closings=(r"s pozdravem", r"(s )?přátelským pozdravem", r"děkuji"),
    tomorrow=("zítra",),
)

LANGUAGES: dict[str, Language] = {
    table.code: table
    for table in (
        ENGLISH,
        GERMAN,
        FRENCH,
        SPANISH,
        PORTUGUESE,
        ITALIAN,
        DUTCH,
        POLISH,
        SWEDISH,
        DANISH,
        NORWEGIAN,
        FINNISH,
        CZECH,
    )
}
