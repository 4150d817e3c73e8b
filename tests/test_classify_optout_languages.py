"""Opt-outs as people write them in each of the 13 languages, beside ordinary replies.

A probe written apart from the tables (several verbs per language, inflected as each language
inflects them: Finnish cases and possessive suffixes, Nordic postposed possessives, Czech
and Polish imperatives, polite questions). A missed opt-out is a compliance failure, so each
sentence must be read as one; the ordinary replies, some with removal words in another sense,
must not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sequences_core.feedback.classify import Kind, classify
from tests.test_feedback_e2e import reply

OPT_OUTS = {
    "english": [
        "Please take me off your mailing list.",
        "Unsubscribe me from these emails, thanks.",
        "I'd like to opt out of further emails.",
        "Kindly remove my address from your database.",
        "Stop sending me these messages please.",
        "No more emails from you, please.",
        "Delete my contact details, I never asked for this.",
        "Please don't contact me again.",
        "Remove me.",
        "I object to you processing my personal data for marketing - please erase it.",
    ],
    "german": [
        "Bitte nehmen Sie mich aus Ihrem Verteiler.",
        "Bitte tragen Sie mich aus Ihrer Liste aus.",
        "Ich möchte keine weiteren E-Mails von Ihnen erhalten.",
        "Löschen Sie bitte meine Daten.",
        "Bitte entfernen Sie meine E-Mail-Adresse aus Ihrer Datenbank.",
        "Hören Sie bitte auf, mir zu schreiben.",
        "Abmelden bitte.",
        "Bitte keine Mails mehr.",
        "Ich widerspreche der Nutzung meiner Daten zu Werbezwecken.",
        "Bitte streichen Sie mich von Ihrer Liste.",
    ],
    "french": [
        "Merci de me retirer de votre liste de diffusion.",
        "Veuillez me désinscrire.",
        "Je ne souhaite plus recevoir vos emails.",
        "Supprimez mon adresse de votre fichier, svp.",
        "Arrêtez de m'envoyer ces messages.",
        "Plus de mails s'il vous plaît.",
        "Je m'oppose au traitement de mes données, merci de les effacer.",
        "Désabonnez-moi.",
        "Ne me contactez plus.",
        "Retirez-moi de vos envois svp.",
    ],
    "spanish": [
        "Por favor, denme de baja de su lista.",
        "No quiero recibir más correos.",
        "Eliminen mi dirección de su base de datos.",
        "Dejen de enviarme estos mensajes.",
        "Quiero darme de baja.",
        "Bórrenme de la lista, gracias.",
        "No me escriban más.",
        "Me opongo al tratamiento de mis datos.",
        "Por favor quítenme de sus envíos.",
        "Baja, por favor.",
    ],
    "portuguese": [
        "Por favor, removam-me da vossa lista.",
        "Não quero receber mais emails.",
        "Eliminem o meu endereço da base de dados.",
        "Parem de me enviar estas mensagens.",
        "Quero cancelar a subscrição.",
        "Por favor me descadastre.",
        "Não me contactem mais.",
        "Retirem o meu contacto da lista de envio.",
        "Apaguem os meus dados, por favor.",
        "Tirem-me da mailing list.",
    ],
    "italian": [
        "Per favore, cancellatemi dalla vostra lista.",
        "Non desidero ricevere altre email.",
        "Rimuovete il mio indirizzo dal vostro database.",
        "Smettete di inviarmi questi messaggi.",
        "Vorrei disiscrivermi.",
        "Toglietemi dalla mailing list.",
        "Non contattatemi più.",
        "Cancellate i miei dati, grazie.",
        "Mi oppongo al trattamento dei miei dati.",
        "Basta email, grazie.",
    ],
    "dutch": [
        "Graag afmelden voor deze mails.",
        "Haal mij van uw mailinglijst.",
        "Ik wil geen e-mails meer ontvangen.",
        "Verwijder mijn gegevens uit uw bestand.",
        "Stop met het sturen van deze berichten.",
        "Schrijf mij uit alstublieft.",
        "Neem geen contact meer met mij op.",
        "Verwijder mij uit uw verzendlijst.",
        "Ik maak bezwaar tegen het gebruik van mijn gegevens.",
        "Geen mails meer aub.",
    ],
    "polish": [
        "Proszę usunąć mnie z listy mailingowej.",
        "Nie chcę otrzymywać więcej wiadomości.",
        "Proszę wypisać mnie z newslettera.",
        "Usuńcie mój adres z bazy danych.",
        "Proszę przestać wysyłać mi te maile.",
        "Proszę o wypisanie z listy.",
        "Nie kontaktujcie się ze mną więcej.",
        "Proszę usunąć moje dane.",
        "Sprzeciwiam się przetwarzaniu moich danych.",
        "Wypisz mnie.",
    ],
    "swedish": [
        "Ta bort mig från er sändlista.",
        "Jag vill inte ha fler mejl.",
        "Avregistrera mig, tack.",
        "Radera mina uppgifter.",
        "Sluta skicka mig dessa mejl.",
        "Avsluta min prenumeration.",
        "Kontakta mig inte igen.",
        "Stryk mig från listan.",
        "Jag vill avanmäla mig från era utskick.",
        "Inga fler mejl tack.",
    ],
    "danish": [
        "Fjern mig fra jeres mailliste.",
        "Jeg ønsker ikke at modtage flere mails.",
        "Afmeld mig venligst.",
        "Slet mine oplysninger.",
        "Stop med at sende mig disse mails.",
        "Vil I ikke lige afmelde mig fra jeres udsendelser?",
        "Kontakt mig ikke igen.",
        "Jeg vil gerne framelde mig jeres nyhedsbrev.",
        "Tag mig af listen.",
        "Ikke flere mails tak.",
    ],
    "norwegian": [
        "Fjern meg fra e-postlisten deres.",
        "Jeg ønsker ikke å motta flere e-poster.",
        "Vennligst avregistrer meg fra disse e-postene.",
        "Meld meg av nyhetsbrevet.",
        "Slett opplysningene mine.",
        "Slutt å sende meg disse e-postene.",
        "Ikke kontakt meg igjen.",
        "Ta meg av listen.",
        "Avmeld meg, takk.",
        "Ingen flere e-poster takk.",
    ],
    "finnish": [
        "Poistakaa minut postituslistalta.",
        "En halua enää sähköposteja teiltä.",
        "Voisitteko poistaa osoitteeni jakelustanne?",
        "Lopettakaa viestien lähettäminen.",
        "Peruutan tilauksen.",
        "Poistakaa tietoni rekisteristänne.",
        "Älkää ottako minuun enää yhteyttä.",
        "Haluan pois listalta.",
        "En halua näitä viestejä.",
        "Kiitos, ei enää postia.",
    ],
    "czech": [
        "Prosím, odhlaste mě z vašeho seznamu.",
        "Nepřeji si dostávat další e-maily.",
        "Vymažte prosím mou adresu z databáze.",
        "Přestaňte mi posílat tyto zprávy.",
        "Odhlásit.",
        "Nezasílejte mi prosím další nabídky.",
        "Už mě nekontaktujte.",
        "Smažte prosím moje údaje.",
        "Vyřaďte mě z rozesílání.",
        "Žádné další maily, děkuji.",
    ],
}
REPLIES = {
    "english": [
        "Thanks, can you send me the pricing?",
        "I'm not the right person, try our ops lead.",
        "Please remove the typo in the quote and resend it.",
        "Can you stop by our booth at the fair?",
    ],
    "german": [
        "Danke, schicken Sie mir bitte die Preise.",
        "Ich bin nicht zuständig, bitte an Herrn Maier wenden.",
        "Bitte entfernen Sie den Rabatt aus dem Angebot und schicken Sie es neu.",
    ],
    "french": [
        "Merci, pouvez-vous m'envoyer vos tarifs ?",
        "Je ne suis pas la bonne personne.",
        "Pouvez-vous retirer la remise du devis et me le renvoyer ?",
    ],
    "spanish": [
        "Gracias, ¿me envía los precios?",
        "No soy la persona indicada.",
        "¿Puede quitar el descuento de la oferta y reenviarla?",
    ],
    "portuguese": ["Obrigado, pode enviar os preços?", "Não sou a pessoa certa."],
    "italian": ["Grazie, mi può mandare i prezzi?", "Non sono la persona giusta."],
    "dutch": ["Bedankt, kunt u de prijzen sturen?", "Ik ben niet de juiste persoon."],
    "polish": ["Dziękuję, proszę przesłać cennik.", "Nie jestem właściwą osobą."],
    "swedish": ["Tack, kan du skicka priserna?", "Jag är fel person."],
    "danish": ["Tak, kan du sende priserne?", "Jeg er ikke den rette person."],
    "norwegian": ["Takk, kan du sende prisene?", "Jeg er ikke rett person."],
    "finnish": ["Kiitos, voitteko lähettää hinnat?", "En ole oikea henkilö."],
    "czech": ["Díky, můžete poslat ceník?", "Nejsem správná osoba."],
}
ORIGINAL = "<7a327688d75beab6aebf989e8a54e3bf@sender.example>"
SENT = datetime(2027, 5, 5, 8, tzinfo=UTC)
QUOTED = (
    "\r\n\r\nOn Tue, 4 May 2027 at 09:00, Dana Whitfield <dana@sender.example> wrote:\r\n"
    "> Would a short call next week make sense?\r\n> Dana\r\n"
)


def _reply(text: str) -> bytes:
    return reply(ORIGINAL, "Lead <lead@client.example>", "Re: Quick question", text + QUOTED, SENT)


@pytest.mark.parametrize(
    ("language", "text"), [(lang, t) for lang, texts in OPT_OUTS.items() for t in texts]
)
def test_every_opt_out_is_read_as_one(language: str, text: str) -> None:
    result = classify(_reply(text))
    assert result.kind == Kind.UNSUBSCRIBE_REQUEST, (language, result.reason)


@pytest.mark.parametrize(
    ("language", "text"), [(lang, t) for lang, texts in REPLIES.items() for t in texts]
)
def test_an_ordinary_reply_is_not(language: str, text: str) -> None:
    result = classify(_reply(text))
    assert result.kind == Kind.HUMAN_REPLY, (language, result.reason)
