"""Replies, opt-outs and out-of-office notices in 13 languages (through classify): pure, no DB.

Opt-outs are read in the lead's own new text only — never in the quoted original (Outlook's
un-prefixed "From:/Sent:" block and its translations included) or a legal footer; absence
notices are found by their body even with no automatic headers and a plain reply subject.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from sequences_core.feedback.classify import Kind, classify, new_text

ORIGINAL = (
    "Hi, teams like yours use Sequences. Would 15 minutes next week work?\n"
    "Not interested? Unsubscribe: https://track.sender.example/u/x — or reply STOP.\n"
    "If you no longer wish to receive these emails, click here."
)


def reply(
    body: str, subject: str = "Re: Quick question", html: bool = False, **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = "lead@corp.example"
    message["To"] = "dana@sender.example"
    message["Subject"] = subject
    message["Date"] = "Mon, 09 Nov 2026 15:00:00 +0100"
    message["In-Reply-To"] = "<orig-1@sender.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, subtype="html" if html else "plain")
    return message.as_bytes()


OPT_OUTS = [
    "Please take me off your distribution list.",
    "Kindly delete me from your database.",
    "pls remove",
    "STOP",
    "No more emails please.",
    "I object to the processing of my personal data for direct marketing.",
    "Bitte keine E-Mails mehr.",
    "Bitte nehmen Sie mich aus Ihrem Verteiler.",
    "Merci de me désinscrire de votre liste.",
    "Je ne souhaite plus recevoir vos messages.",
    "Por favor, darme de baja.",
    "No me envíen más correos.",
    "Por favor, me remova da lista.",
    "Non voglio più ricevere queste email.",
    "Graag uitschrijven.",
    "Proszę usunąć mój adres z listy.",
    "Vänligen ta bort mig från er lista.",
    "Fjern mig venligst fra jeres liste.",
    "Meld meg av, takk.",
    "Poistakaa minut listalta.",
    "Prosím odhlaste mě.",
]


@pytest.mark.parametrize("words", OPT_OUTS)
def test_opt_outs_however_phrased(words):
    result = classify(reply(words))
    assert result.kind == Kind.UNSUBSCRIBE_REQUEST, result.reason
    assert result.evidence and result.rule


QUOTE_BLOCKS = [
    "On Mon, 9 Nov 2026 at 14:00, Dana <dana@sender.example> wrote:\n> {original}",
    "From: Dana Whitfield <dana@sender.example>\nSent: Monday, 9 November 2026 14:00\n"
    "To: Lead\nSubject: Quick question\n\n{original}",
    "Von: Dana Whitfield <dana@sender.example>\nGesendet: Montag, 9. November 2026 14:00\n"
    "An: Lead\nBetreff: Kurze Frage\n\n{original}",
    "De : Dana Whitfield <dana@sender.example>\nEnvoyé : lundi 9 novembre 2026 14:00\n"
    "À : Lead\nObjet : Petite question\n\n{original}",
    "De: Dana Whitfield <dana@sender.example>\nEnviado: lunes, 9 de noviembre de 2026 14:00\n"
    "Para: Lead\nAsunto: Una pregunta\n\n{original}",
    "-----Original Message-----\n{original}",
]


@pytest.mark.parametrize("quote", QUOTE_BLOCKS)
def test_the_quoted_original_never_decides(quote):
    body = "Thanks Dana, Tuesday at 10 works for me.\n\n" + quote.format(original=ORIGINAL)
    result = classify(reply(body))
    assert result.kind == Kind.HUMAN_REPLY, result.reason
    assert "Unsubscribe" not in new_text(body) and "Tuesday" in new_text(body)


def test_a_legal_footer_in_the_signature_is_not_an_opt_out():
    body = (
        "Sounds good, send me the deck.\n\nBest,\nErin\n\n"
        "This e-mail and any attachments are confidential. If you no longer wish to receive "
        "our newsletter, click here to unsubscribe."
    )
    assert classify(reply(body)).kind == Kind.HUMAN_REPLY


@pytest.mark.parametrize(
    "body",
    [
        "Please don't remove me - just busy this month.",
        "Does the sequence stop by itself if someone asks to unsubscribe?",
        "I was on holiday last week, sorry for the late answer. Tuesday works.",
    ],
)
def test_people_writing_about_these_things_are_replies(body):
    assert classify(reply(body)).kind == Kind.HUMAN_REPLY


BODY_ONLY_ABSENCES = [
    ("Re:", "I'm out of the office until Fri 13th Nov with limited access to email.", "2026-11-14"),
    ("AW:", "Ich bin bis einschließlich 13.11. nicht im Büro. In dringenden Fällen wenden Sie "
            "sich an info@x.example.", "2026-11-14"),
    ("RE :", "Je suis absent du bureau jusqu'au 13 novembre inclus, sans accès à mes e-mails.",
     "2026-11-14"),
    ("RE:", "Estoy fuera de la oficina. Estaré de vuelta el 16 de noviembre.", "2026-11-16"),
    ("RES:", "Estou de férias. Estarei de volta em 16 de novembro de 2026.", "2026-11-16"),
    ("R:", "Sono fuori ufficio con accesso limitato alla posta. Rientro il 16 novembre.",
     "2026-11-16"),
    ("Re:", "Ik ben met vakantie tot en met 13 november en lees mijn e-mail niet.",
     "2026-11-14"),
    ("Odp:", "Jestem na urlopie do 13 listopada. W pilnych sprawach proszę o kontakt z biurem.",
     "2026-11-14"),
    ("SV:", "Jag är ledig till och med den 13 november och läser inte min e-post.",
     "2026-11-14"),
    ("SV:", "Jeg er på ferie og er tilbage den 16. november.", "2026-11-16"),
    ("SV:", "Jeg er på ferie til og med 13. november. I hastesaker, ring sentralbordet.",
     "2026-11-14"),
    ("VS:", "Olen lomalla 13.11. asti. Kiireellisissä asioissa ota yhteyttä toimistoon.",
     "2026-11-14"),
    ("Odp:", "Jsem na dovolené do 13. listopadu bez přístupu k e-mailu.", "2026-11-14"),
]  # fmt: skip


@pytest.mark.parametrize(("prefix", "body", "back"), BODY_ONLY_ABSENCES)
def test_absence_notices_by_their_body_alone(prefix, body, back):
    result = classify(reply(body, subject=f"{prefix} Quick question"))
    assert result.kind == Kind.OUT_OF_OFFICE, result.reason
    assert result.return_date is not None and result.return_date.isoformat() == back, result.reason


def test_an_html_only_notice_is_read_as_text_without_its_quote():
    html = (
        "<p>I am out of the office until <b>Friday 13 November</b>.</p>"
        '<div class="gmail_quote">On Mon Dana wrote:<blockquote>Back on 1 December? '
        "Unsubscribe</blockquote></div>"
    )
    result = classify(reply(html, html=True, Auto_Submitted="auto-replied"))
    assert (result.kind, str(result.return_date)) == (Kind.OUT_OF_OFFICE, "2026-11-14")


def test_a_date_in_the_quoted_original_does_not_count():
    body = "I am out of the office.\n\nOn Mon, Dana <dana@sender.example> wrote:\n> back on 20 Nov?"
    result = classify(reply(body, Auto_Submitted="auto-replied"))
    assert result.kind == Kind.OUT_OF_OFFICE and result.return_date is None
    assert "no return date" in result.reason
    assert "delay" not in result.reason  # the template's delay (maybe 0 days) is the service's


def test_a_bilingual_notice_gives_the_return_day_not_the_first_day_away():
    body = (
        "Vom 2. November bis 13. November bin ich nicht im Büro.\n"
        "I am out of the office from 2 November and back on Monday 16 November."
    )
    result = classify(reply(body, Auto_Submitted="auto-replied"))
    assert str(result.return_date) == "2026-11-16", result.reason


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("Dobrý den, zpět v kanceláři od 16. 11. 2026.", Kind.OUT_OF_OFFICE),
        ("Urlop do 13.11.2026 włącznie.", Kind.OUT_OF_OFFICE),
        ("rientrerò in ufficio il giorno 16 novembre.", Kind.OUT_OF_OFFICE),
        # A person's note: a weekday alone, an offer to call, a question.
        ("Ich bin ab Montag wieder im Büro, dann rufe ich Sie gerne an.", Kind.HUMAN_REPLY),
        ("Back on 16 November - could we talk then?", Kind.HUMAN_REPLY),
    ],
)
def test_a_terse_note_naming_a_return_date_is_an_absence(body, kind):
    result = classify(reply(body))
    assert result.kind == kind, result.reason


@pytest.mark.parametrize(
    "body",
    ["I'd like to opt out of these emails, thanks.", "Désabonnez-moi s'il vous plaît."],
)
def test_an_opt_out_in_the_first_paragraph_is_never_taken_for_a_footer(body):
    assert classify(reply(body)).kind == Kind.UNSUBSCRIBE_REQUEST


@pytest.mark.parametrize(
    "body",
    [" " * 50_000 + "x", "word\n" * 100_000, "Hello, a long line of nothing. " * 30_000],
)
def test_huge_or_odd_bodies_are_classified_in_bounded_time(body):
    """A long line of spaces was quadratic before header labels were matched on stripped lines."""
    import time

    started = time.perf_counter()
    assert classify(reply(body)).kind == Kind.HUMAN_REPLY
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "body",
    [
        "I never got your previous email, can you resend it to me?",
        "Please don't send me anything until Q2.",
        "Stop by our booth next week and send me the deck.",
    ],
)
def test_mail_words_near_a_stop_word_are_not_always_an_opt_out(body):
    assert classify(reply(body)).kind == Kind.HUMAN_REPLY
