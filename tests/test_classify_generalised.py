"""The rules that read meaning rather than listed phrases (pure functions, no DB).

Each case here is a rule, not a corpus message: a slip of an opt-out keyword reads as the keyword
but another form of a word does not; a person on leave who asks for something is replying; a
departure is the tie and its ending in one clause; a text-only bounce is temporary or permanent
from each language's words, a status code deciding first. Every language of the tables must carry
the word classes these rules read, so adding a language is a data change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import Message

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sequences_core.feedback import absence, bounces, optout, patterns
from sequences_core.feedback.classify import Kind, _company, classify
from sequences_core.feedback.languages import LANGUAGES
from sequences_core.feedback.return_dates import return_date
from tests.test_feedback_e2e import reply

_SENT = date(2027, 11, 8)  # a Monday: dates without a year fall after it


@pytest.mark.parametrize(
    ("slip", "meant"),
    [
        ("unsusbcribe", "unsubscribe"),
        ("unsubscirbe", "unsubscribe"),
        ("abmelen", "abmelden"),
        ("abmeldne", "abmelden"),  # the last two letters swapped
    ],
)
def test_a_slip_of_an_opt_out_keyword_reads_as_the_keyword(slip, meant):
    assert optout._meant(slip) == meant
    assert optout.opt_out(f"please {slip} me") is not None


@pytest.mark.parametrize(
    "word",
    ["unsubscribed", "subscribe", "mailing", "contatti", "kontakta", "rimuovere", "anmelden"],
)
def test_another_word_or_form_is_not_a_slip(word):
    assert optout._meant(word) is None


@pytest.mark.parametrize(
    ("slip", "meant"), [("désincrivez", "désinscrivez"), ("decsadastrar", "descadastrar")]
)
def test_a_slip_inside_an_inflected_stem_reads_as_the_stem(slip, meant):
    assert optout._meant(patterns.plain(slip)) == patterns.plain(meant)  # read without accents
    assert optout.opt_out(f"{slip}-moi svp" if slip[0] == "d" else slip) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Could you remove my intern Alex from your mailing list? I'll keep reading.",
        "Bitte streichen Sie Frau Kühn aus dem Verteiler.",
    ],
)
def test_naming_another_person_is_not_the_writer_s_opt_out(text):
    assert optout.opt_out(text) is None


def test_a_title_and_name_after_the_verb_is_someone_else_but_a_polite_address_is_not():
    assert optout.opt_out("Please unsubscribe Mrs Okafor, she has retired.") is None
    assert optout.opt_out("Proszę pana usunąć mnie z listy.") is not None


def test_registering_is_not_unsubscribing():
    assert optout.opt_out("Ich möchte mich gerne für das Webinar anmelden.") is None


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=80))
def test_spelling_keeps_the_words_and_is_idempotent(text):
    once = optout._spelled(text)
    assert len(once.split()) == len(text.split())
    assert optout._spelled(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "I didn't unsubscribe, just busy.",
        "She asked whether she should unsubscribe; I said no.",
        "Mi compañero se dio de baja, yo no.",
    ],
)
def test_a_mentioned_opt_out_is_not_a_request(text):
    assert optout.opt_out(text) is None


def test_send_is_not_the_italian_se():
    assert optout.opt_out("Send meg ikke mer reklame.") is not None


@pytest.mark.parametrize(
    "text",
    [
        "On holiday this week, but can you send me the pricing?",
        "Ik ben tot 20 november op vakantie, stuur me gerust een uitnodiging.",
        "Estoy de vacaciones hasta el lunes; hablemos el martes.",
    ],
)
def test_a_person_on_leave_who_engages_is_replying(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_the_same_leave_without_engagement_is_an_absence():
    found = absence.out_of_office(
        "Ik ben tot 20 november op vakantie.", "Re: x", False, _SENT, "DMY"
    )
    assert found is not None and found.returns is not None
    assert found.returns.day.isoformat() == "2027-11-21"


@pytest.mark.parametrize(
    "text",
    [
        "La mia collaborazione con Ferri S.p.A. è terminata.",
        "Můj pracovní poměr ve společnosti skončil.",
        "A Joana saiu da empresa em outubro.",
        "Olen lopettanut työt yrityksessä.",
    ],
)
def test_a_departure_is_a_tie_and_its_ending(text):
    assert absence.left_company(text, automatic=True) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Nie jestem już zatrudniony w tej spółce.",
        "Ich bin nicht mehr im Unternehmen.",
        "Non sono più dipendente dell'azienda.",
        "Dejé la compañía en octubre.",
        "I am no longer employed by Client Ltd.",
        "En ole enää yhtiön palveluksessa.",
        "Ik werk niet langer bij Client BV.",
        "I have moved on from Acme Ltd.",
    ],
)
def test_a_departure_is_also_a_tie_no_longer_held(text):
    assert absence.left_company(text, automatic=True) is not None


def test_no_longer_without_the_tie_is_no_departure():
    assert absence.left_company("Ya no tenemos ese problema, gracias.", automatic=True) is None
    assert absence.left_company("Das Angebot gilt nicht mehr.", True) is None
    assert absence.left_company("Ab Montag ist mein Urlaub beendet.", True) is None


@pytest.mark.parametrize(
    ("text", "code", "back"),
    [
        ("Jag läser inte e-post förrän tisdag 16 november.", "sv", date(2027, 11, 16)),
        ("Jeg svarer ikke på mail før mandag 22. november.", "no", date(2027, 11, 22)),
        ("Jeg er retur fredag den 19. november.", "da", date(2027, 11, 19)),
        ("I'll be responding to emails from Monday 15 November.", "en", date(2027, 11, 15)),
        ("Jeg svarer på e-post igjen fra tirsdag 16. november.", "no", date(2027, 11, 16)),
    ],
)
def test_not_before_and_answering_from_name_the_return_day(text, code, back):
    found = return_date(text, {code}, _SENT)
    assert found is not None and found.day == back


@pytest.mark.parametrize(
    ("text", "subject", "back"),
    [
        ("Until Friday 19 November I'm in workshops all day.", "Automatic reply: x", 20),
        ("Jusqu'au mardi 16 novembre, je ne lirai pas mes messages.", "Réponse automatique", 17),
        ("Do pátku 12. 11. nebudu číst poštu.", "Automatická odpověď: x", 13),
    ],
)
def test_a_dated_until_in_an_automatic_message_is_an_absence(text, subject, back):
    found = absence.out_of_office(text, subject, True, _SENT)
    assert found is not None and found.returns is not None
    assert found.returns.day == date(2027, 11, back)


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin bis Mittwoch im Urlaub, rufen Sie mich am Donnerstag an.",
        "Jeg har ferie til onsdag, ring meg gjerne torsdag.",
        "Sono in ferie fino a mercoledì, chiamami giovedì.",
        "Je suis en congés jusqu'à mardi, appelez-moi mercredi.",
    ],
)
def test_a_person_on_leave_who_asks_for_a_call_is_replying(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_a_receipt_that_names_a_validity_date_is_no_absence():
    text = "Thank you for contacting us. Prices are valid until 30 November."
    assert absence.out_of_office(text, "Re: x", True, _SENT) is None


def test_a_person_s_ending_tie_is_no_departure_without_automatic_markers():
    assert absence.left_company("Our company moved on from the old CRM.") is None
    assert absence.left_company("Our company moved on from the old CRM.", True) is not None


@pytest.mark.parametrize(
    "text",
    ["Our company picnic. The call ended early.", "Die Firma wächst, das Projekt läuft weiter."],
)
def test_an_ending_in_another_clause_or_no_ending_is_no_departure(text):
    assert absence.left_company(text, automatic=True) is None


def _bounce(body: str) -> Message:
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\nReturn-Path: <>\n"
        "Subject: Undelivered Mail Returned to Sender\n\n"
        f"Message to <a@client.example> could not be delivered.\n{body}\n"
    )
    return message_from_bytes(raw.encode())


@pytest.mark.parametrize(
    ("body", "hard"),
    [
        ("Schránka příjemce je zaplněná.", False),
        ("Het postvak heeft de maximale grootte bereikt.", False),
        ("Das Postfach hat sein Kontingent erreicht.", False),
        ("Uživatel je neznámý. Zkuste to později.", True),
        ("La casella del destinatario è stata disattivata.", True),
        ("Erro temporário. 550 5.1.1", True),
    ],
)
def test_a_text_only_bounce_is_read_from_each_language_s_words(body, hard):
    found = bounces.read_bounce(_bounce(body))
    assert found is not None and found.hard is hard, found


@pytest.mark.parametrize(
    "text", ["Thanks again for the call on Tuesday 16 November.", "Gracias de nuevo por el 10/11."]
)
def test_again_in_a_person_s_note_names_no_return(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_an_urgent_case_offer_does_not_overrule_the_notice():
    text = "Out of the office until 15 November. If it's urgent, send me a text on 07700 900123."
    assert absence.out_of_office(text, "Re: x", False, _SENT) is not None


def test_again_names_the_return():
    found = return_date("Olen tavoitettavissa taas maanantaina 15.11.", frozenset({"fi"}), _SENT)
    assert found is not None and found.day.isoformat() == "2027-11-15"


def test_every_language_carries_the_generalised_word_classes():
    for table in LANGUAGES.values():
        assert table.engagement and table.bounce_soft and table.bounce_hard, table.code
        assert table.departure_frames and table.others, table.code


@pytest.mark.parametrize(("slip", "text"), [("stop", "stpo emailing me"), ("remove", "Remvoe me")])
def test_a_swap_in_a_short_keyword_of_a_short_reply_reads_as_the_keyword(slip, text):
    assert slip in optout._spelled(text).lower()
    assert optout.opt_out(text) is not None


def test_a_swap_in_a_short_word_of_a_long_reply_is_left_as_written():
    text = "Could you send the form again? I stpo at the office on my way home, after the call."
    assert optout._spelled(text) == text


def test_a_possessive_and_role_inside_a_framed_request_is_someone_else():
    text = "Bitte nehmen Sie meine Kollegin Frau Schulz aus dem Verteiler."
    assert optout.opt_out(text) is None
    assert optout.opt_out("Bitte nehmen Sie mich aus dem Verteiler.") is not None


@pytest.mark.parametrize(
    "text", ["Me he jubilado.", "Per 1 november ben ik uit dienst getreden.", "I have retired."]
)
def test_retirement_and_leaving_service_are_departures(text):
    assert absence.left_company(text, automatic=True) is not None


@pytest.mark.parametrize(
    ("text", "code", "back"),
    [
        ("Estoy de vacaciones. Regresamos el 15 de noviembre.", "es", "2027-11-15"),
        ("Je suis en congé. Je rentrerai le 15 novembre.", "fr", "2027-11-15"),
        ("Estou de férias. Voltarei ao escritório em 15 de novembro.", "pt", "2027-11-15"),
        ("Jestem na urlopie. Wrócimy 15 listopada.", "pl", "2027-11-15"),
        ("Jsem na dovolené. Do práce nastoupím 15. listopadu.", "cs", "2027-11-15"),
        ("Olen lomalla. Palaamme 15.11.", "fi", "2027-11-15"),
        ("Sono assente. Riprenderò servizio lunedì 15 novembre.", "it", "2027-11-15"),
        ("Nicht im Haus. Erreichbar ab 15. November.", "de", "2027-11-15"),
        ("Out of the office. Available from 15 November.", "en", "2027-11-15"),
        ("Jsem mimo kancelář. K dispozici budu od 15. listopadu.", "cs", "2027-11-15"),
        ("Jag är inte på kontoret. Nås från 15 november.", "sv", "2027-11-15"),
        ("Estoy fuera. Me incorporo de nuevo el día 15.", "es", "2027-11-15"),
        ("Ich bin im Urlaub und ab dem 15. wieder da.", "de", "2027-11-15"),
        ("Ich bin bis 15.11. nicht erreichbar.", "de", "2027-11-16"),
        ("I will not be available until 15 November.", "en", "2027-11-15"),
    ],
)
def test_any_form_of_a_returning_or_availability_stem_names_the_return(text, code, back):
    found = return_date(text, frozenset({code}), _SENT)
    assert found is not None and found.day.isoformat() == back


@pytest.mark.parametrize(
    "text",
    ["Thanks, I will be available on Tuesday 16 November for a call.", "Volvemos a hablar el 15."],
)
def test_a_returning_or_availability_stem_in_a_person_s_note_is_no_absence(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_every_language_carries_returning_and_availability_stems():
    for table in LANGUAGES.values():
        assert table.returning and table.available, table.code


def test_the_sender_s_company_named_as_its_domain_is_a_departure_tie():
    assert absence.left_company("Ik heb Client verlaten.", True, "client") is not None
    assert absence.left_company("Ik heb Client verlaten.", True) is None
    assert absence.left_company("Ik heb Client verlaten.", False, "client") is None


@pytest.mark.parametrize(
    ("address", "company"),
    [("a@client.example", "client"), ("a@mail.client.co.uk", "client"), ("a@x", "")],
)
def test_the_company_is_the_mail_domain_s_name(address, company):
    from sequences_core.feedback.classify import _company

    assert _company(address) == company


def test_an_ending_whose_words_hold_the_tie_is_a_departure():
    assert absence.left_company("Nie pracuję już w Client.", automatic=True) is not None
    assert absence.left_company("Nie mam już urlopu.", automatic=True) is None


def test_weekday_names_and_articles_do_not_count_between_a_cue_and_its_date():
    text = "I'll be back at my desk on Tuesday the 7th of December."
    found = return_date(text, frozenset({"en"}), date(2027, 11, 30))
    assert found is not None and found.day.isoformat() == "2027-12-07"
    later = "Back in the office, we will then write up the notes of 7 December."
    assert return_date(later, frozenset({"en"}), _SENT) is None


def test_a_business_reopening_is_its_return():
    text = "Our offices are closed from Friday 24 December and reopen on Monday 3 January."
    found = return_date(text, frozenset({"en"}), date(2027, 12, 20))
    assert found is not None and found.day.isoformat() == "2028-01-03"


@pytest.mark.parametrize(
    "text",
    [
        "Gemäß Art. 17 DSGVO fordere ich Sie auf, meine Daten zu löschen.",
        "I object under GDPR to any use of my address.",
        "Nehmen Sie meine Adresse sofort raus.",
        "KEINE Werbemails mehr!",
        "Ikke mer markedsføring til meg, takk.",
        "Stryk meg fra lista deres.",
    ],
)
def test_gdpr_objections_compound_mail_nouns_and_removal_verbs_are_opt_outs(text):
    assert optout.opt_out(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Before we proceed: is your tool GDPR compliant?",
        "Vielen Dank im Voraus, meine Adresse für die Rechnung ist Hauptstr. 5.",
    ],
)
def test_the_law_named_or_an_address_given_is_no_opt_out(text):
    assert optout.opt_out(text) is None


def test_an_adverb_inside_a_retirement_phrase_is_still_a_departure():
    assert absence.left_company("Je suis désormais à la retraite.") is not None
    assert absence.left_company("I'm now retired.") is not None


def test_limited_reading_at_a_named_event_is_a_header_less_absence():
    text = (
        "I'm at a trade fair this week and only glancing at email in the evenings. "
        "I'll be back at my desk on Tuesday the 7th of December."
    )
    found = absence.out_of_office(text, "Re: x", False, date(2027, 11, 30))
    assert found is not None and found.returns is not None


@pytest.mark.parametrize(
    "text",
    ["nao quero receber mais emails vossos", "desabonez moi svp", "Sluta spamma mig!"],
)
def test_an_opt_out_is_read_without_accents_and_spam_is_mail(text):
    assert optout.opt_out(text) is not None


def test_a_negation_without_its_accent_still_turns_an_opt_out_round():
    assert optout.opt_out("Nao me removam da lista, por favor.") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "In verband met Hemelvaart is ons kantoor gesloten. Na het lange weekend reageren wij.",
            "nl",
        ),
        ("Ich befinde mich in Elternzeit. Meine Vertretung übernimmt Frau Weiß.", "de"),
        ("Nos bureaux sont fermés pour le pont. Réouverture le lundi 10 mai.", "fr"),
    ],
)
def test_a_closed_office_a_deputy_or_an_answer_after_the_break_is_a_notice(text, code):
    found = absence.out_of_office(text, "Re: x", False, _SENT)
    assert found is not None and code in found.languages


def test_an_employment_that_ended_is_a_departure_in_a_person_s_words():
    text = "il mio rapporto di lavoro con Cartiera Valsesia si è concluso a fine aprile"
    assert absence.left_company(text) is not None
    assert absence.left_company("Il mio rapporto sulla flotta è concluso, grazie.") is None
    assert absence.left_company("My contract with our vendor has ended, so we're looking.") is None


@pytest.mark.parametrize(
    "text",
    [
        "Please remove Sarah Jones from your list, she left last year.",
        "Please take John off the list, he has left the company.",
        "Por favor den de baja a Laura, ya no trabaja aquí.",
        "Sarah asked me to tell you to remove her from your list.",
        "Please remove the info@ address from your list, nobody reads it.",
        "Usuńcie proszę pana Nowaka z listy.",
    ],
)
def test_a_request_about_a_named_or_third_person_is_not_the_writer_s(text):
    assert optout.opt_out(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Please unsubscribe me, Mrs Whitfield.",
        "Take Me Off The List",
        "Remove from list. Regards, John Smith",
        "Abbestellen bitte.\n\nM. Schulz",
    ],
)
def test_a_name_that_addresses_or_signs_keeps_the_writer_s_opt_out(text):
    assert optout.opt_out(text) is not None


@pytest.mark.parametrize(("text", "meant"), [("remve me", "remove"), ("removee me", "remove")])
def test_a_letter_left_out_or_doubled_in_a_short_reply_reads_as_the_keyword(text, meant):
    assert meant in optout._spelled(text)
    assert optout.opt_out(text) is not None


def test_a_short_real_word_is_no_slip_of_a_five_letter_keyword():
    assert optout._spelled("In that case, email me the deck") == "In that case, email me the deck"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks Dana, I'll return the signed contract by Friday 10 December.",
        "I'll get back to you on Monday 13 December.",
        "Je reviens vers vous le 13 décembre.",
    ],
)
def test_a_return_word_with_an_object_names_no_return(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_a_return_word_with_the_writer_s_duties_still_names_the_return():
    found = return_date("I will resume my duties on Monday 15 November.", {"en"}, _SENT)
    assert found is not None and found.day.isoformat() == "2027-11-15"


def test_a_colleague_s_departure_is_not_the_writer_s():
    text = "Mi compañero Luis ya no trabaja aquí, escríbanme a mí a partir de ahora."
    assert absence.left_company(text) is None
    assert absence.left_company("Ya no trabajo aquí.") is not None


def test_a_letter_left_out_before_the_last_is_a_slip_and_the_company_is_spelt_with_spaces():
    assert optout._meant("abmeldn") == "abmelden" and optout._meant("kontakt") is None
    text = "Per 1 december heb ik Van Dijk Logistiek verlaten."
    assert absence.left_company(text, True, "vandijk-logistiek") is not None


def test_hard_wrapped_lines_are_read_as_one_sentence_and_names_stay_apart():
    from sequences_core.feedback.quotes import new_text

    wrapped = (
        "Tak for din mail. Jeg holder ferie og er retur på kontoret onsdag den\n"
        "17. november.\nMette\n"
    )
    assert "den 17. november." in new_text(wrapped)
    assert new_text("Hi Dana\nI'm out today\nJohn") == "Hi Dana\nI'm out today\nJohn"
    found = return_date(new_text(wrapped), frozenset({"da"}), _SENT)
    assert found is not None and found.day.isoformat() == "2027-11-17"


def test_a_wrapped_delay_notice_is_still_a_delay():
    text = "Zustellung an <kai@client.example> verzögert. Die Zustellung wird erneut\nversucht."
    found = bounces.read_bounce(_bounce(text))
    assert found is not None and not found.hard


@pytest.mark.parametrize(
    "text",
    [
        "Ich rufe Sie am 15.11. zurück.",
        "Jeg vender tilbage til dig den 15. november.",
        "Wrócę do Pana 15 listopada z odpowiedzią.",
        "I'll be back to you with numbers on 15 November.",
    ],
)
def test_a_terse_note_that_addresses_the_reader_is_a_promise_not_an_absence(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


@pytest.mark.parametrize(
    "text",
    [
        "Zpět v kanceláři od 15. 11.",
        "Vi er tilbage 15. november.",
        "Jestem u klienta, wracam 15.11.",
    ],
)
def test_a_terse_note_naming_the_writer_s_return_is_still_an_absence(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Jsem v pracovní neschopnosti a e-maily nečtu.",
        "Estou de baixa médica e sem acesso ao e-mail.",
        "Jeg er sykmeldt og leser ikke e-post.",
    ],
)
def test_sick_leave_is_absence_wording_in_the_tables_that_lacked_it(text):
    assert absence.out_of_office(text, "Re: x", True, _SENT) is not None


def test_a_changed_employer_is_a_departure():
    assert absence.left_company("Olen vaihtanut työpaikkaa, eikä tätä sähköpostia lueta.")
    assert absence.left_company("I have changed jobs; please write to info@client.example.")


def _from(name: str, body: str) -> bytes:
    return (
        f"From: {name} <t.bakke@bakke-transport.example>\nSubject: SV: x\n"
        "Date: Mon, 08 Nov 2027 09:12:00 +0100\n\n" + body
    ).encode()


def test_a_header_less_notice_about_its_own_sender_reads_departures_as_an_automatic_one():
    body = "Tone Bakke har avsluttet sitt arbeidsforhold i Bakke Transport AS."
    assert classify(_from("Tone Bakke", body)).left_company
    assert not classify(_from("Kari Nordmann", body)).left_company  # someone else's words
    here = "Tone Bakke here, our company moved on from the old CRM last year."
    assert not classify(_from("Tone Bakke", here)).left_company


@pytest.mark.parametrize(
    "text",
    [
        "Dobrý den, momentálně nejsem v kanceláři. Na Váš e-mail odpovím po návratu.",
        "Ich bin derzeit nicht erreichbar und lese keine E-Mails.",
        "Jeg holder påskeferie og læser ikke mails. Haster det, så ring.",
        "Ik heb herfstvakantie en ben maandag 15 november weer op kantoor.",
    ],
)
def test_not_being_present_and_not_reading_mail_make_a_header_less_notice(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is not None


@pytest.mark.parametrize(
    "text",
    ["I'm not available on Tuesday, how about Wednesday?", "Not available this week, sorry."],
)
def test_a_person_not_available_on_a_day_is_replying(text):
    assert absence.out_of_office(text, "Re: x", False, _SENT) is None


def test_available_and_again_side_by_side_name_the_writer_s_return():
    text = "Ik ben weer bereikbaar op maandag 15 november."
    assert absence.out_of_office(text, "Re: x", False, _SENT) is not None
    person = "Thanks again, I'm available on Tuesday 16 November for a call."
    assert absence.out_of_office(person, "Re: x", False, _SENT) is None


def test_not_reading_mail_is_no_request_to_stop_mail():
    assert optout.opt_out("Ich lese derzeit keine E-Mails.") is None
    assert optout.opt_out("Keine E-Mails mehr!") is not None


def test_ss_for_sz_and_no_umlauts_still_read_as_the_table_s_words():
    text = "bin bis einschliesslich 2. Januar nicht im buro. danach bin ich zuruck."
    found = return_date(text, frozenset({"de"}), date(2027, 12, 23))
    assert found is not None and found.day.isoformat() == "2028-01-03"


@pytest.mark.parametrize(
    "text",
    [
        "Bitte streichen Sie meine Adresse aus Ihrer Kontaktliste und sehen Sie von weiteren "
        "Werbe-Mails ab.",
        "Solicito a remoção do meu contacto da vossa base de dados.",
        "Não me voltem a enviar e-mails.",
    ],
)
def test_a_removal_said_as_a_noun_a_compound_list_or_a_separable_verb_is_an_opt_out(text):
    assert optout.opt_out(text) is not None


def test_a_removal_noun_about_something_else_is_no_opt_out():
    assert optout.opt_out("Please confirm the removal of the old invoice from your system.") is None


def test_already_gone_with_words_between_is_a_departure():
    assert absence.left_company("Paní Svobodová již v naší společnosti nepůsobí.", True)


def test_in_a_reply_typed_in_lower_case_a_title_still_names_someone_else():
    assert optout.opt_out("please unsubscribe mr smith, he left") is None
    assert optout.opt_out("nehmen sie bitte herrn maier aus dem verteiler") is None
    assert optout.opt_out("please unsubscribe me") is not None


@pytest.mark.parametrize("mark", ["\u2019", "\u2018", "\u00b4", "\u02bc"])
def test_any_apostrophe_a_keyboard_types_reads_as_one(mark):
    raw = (
        "From: a@client.example\nSubject: Re: x\nMIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        f"Please don{mark}t email me again.\n"
    )
    assert classify(raw.encode()).kind.value == "unsubscribe_request"


@pytest.mark.parametrize(
    "text",
    ["Could you take me through the rollout on Monday?", "Drop me a line with the details."],
)
def test_take_me_through_and_drop_me_a_line_are_no_opt_outs(text):
    assert optout.opt_out(text) is None
    assert optout.opt_out("Take me off your list.") is not None


def test_a_bottom_posted_or_inline_reply_is_read_below_the_quote():
    from sequences_core.feedback.quotes import new_text

    quoted = (
        "Dana Whitfield wrote:\n> Would a call next week make sense?\n"
        '> If you\'d prefer not to hear from me, reply "unsubscribe".\n\n'
    )
    assert new_text(quoted + "Not interested, stop emailing me.") == (
        "Not interested, stop emailing me."
    )
    assert optout.opt_out(new_text(quoted + "Sounds good, send me the deck.")) is None
    assert new_text("Thanks, see below:\n> A call?\nYes, Tuesday.") == "Yes, Tuesday."


def _plain_reply(text: str) -> bytes:
    """A reply typed by hand or by a client that marks nothing automatic."""
    when = datetime(2027, 5, 5, 8, tzinfo=UTC)
    return reply(
        "<pitch@sender.example>", "Lead <lead@client.example>", "Re: Your message", text, when
    )


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm currently on parental leave. Please contact hello@greenfield.example. Hannah",
        "Buongiorno, sono assente per malattia. Per urgenze: segreteria@studio.example",
        "I'm away and not checking mail. I'll get back to you when I'm back. Leo",
        "Hola, estaré fuera durante la Semana Santa y contestaré los correos a la vuelta.",
        "Takk for e-posten. Jeg er ikke på kontoret og svarer så snart jeg er tilbake.",
        "Ciao, in questi giorni non leggo la posta. Ti rispondo al rientro. Sara",
    ],
)
def test_a_header_less_notice_redirecting_or_promising_a_reply_on_return_is_an_absence(text):
    assert classify(_plain_reply(text)).kind == Kind.OUT_OF_OFFICE


@pytest.mark.parametrize(
    "text",
    [
        "Back to you after the holidays with an answer.",
        "I'm away next week, but send me the proposal and I'll read it when I'm back.",
        "Estoy de vacaciones, pero me interesa. Hablamos a la vuelta.",
        "Jeg er på ferie, men send gerne materialet, så kigger jeg på det når jeg er tilbage.",
        "I am on holiday next week, talk after that.\r\n\r\nBest,\r\nTom (tom@acme.example)",
    ],
)
def test_a_person_away_who_answers_is_still_a_person(text):
    assert classify(_plain_reply(text)).kind == Kind.HUMAN_REPLY


@pytest.mark.parametrize(
    ("address", "company"),
    [
        ("a@mail.client.co.uk", "client"),
        ("a@client.com.br", "client"),
        ("a@mail.ibm.com", "ibm"),
        ("a@eu.sap.com", "sap"),
        ("a@client.example", "client"),
    ],
)
def test_the_senders_company_is_its_domains_own_label(address, company):
    assert _company(address) == company
