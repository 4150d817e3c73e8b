"""The built-in sequence library: data, not code.

Each entry is what `POST /templates` and `POST /steps` take (a `TemplateCreate` and step
configs), so `services.template_library` validates it through the same schemas as API input
before anything is stored. The entries follow the seed's advice: emails 3-7 days apart, sent
between 09:00 and 17:00 in the lead's zone, cold outreach never on a Monday or a Friday, an
unsubscribe link in every email, subjects under 50 characters, and personalisation beyond
the first name (company, title), each with a default so no lead is paused for lacking it.
"""

from __future__ import annotations

from typing import Any

_UNSUBSCRIBE = (
    '<p style="font-size:12px;color:#777">Not relevant? '
    '<a href="{{ unsubscribe_url }}">Unsubscribe</a> and I will not write again.</p>'
)
_SIGN = "<p>{{ sender.name | default('The team') }}</p>"


def _email(subject: str | None, *paragraphs: str) -> dict[str, Any]:
    """An email step: the paragraphs, the signature and the unsubscribe link."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    config: dict[str, Any] = {"html": body + _SIGN + _UNSUBSCRIBE}
    if subject is not None:
        config["subject"] = subject
    return {"type": "email", "config": config}


def _wait(days: int) -> dict[str, Any]:
    return {"type": "wait", "config": {"days": days}}


_HELLO = "Hi {{ first_name | default('there') }},"
_COMPANY = "{{ company | default('your team') }}"
_ROLE = "{{ title | default('your role') }}"

# Tuesday to Thursday, 09:00-17:00 in the lead's zone.
_MIDWEEK = {"start": "09:00", "end": "17:00", "days": [2, 3, 4]}
_WEEKDAYS = {"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]}

LIBRARY: dict[str, dict[str, Any]] = {
    "cold_outreach": {
        "template": {
            "name": "Cold outreach (4 emails)",
            "description": "A first touch and three short follow-ups, Tuesday to Thursday.",
            "category": "cold_outreach",
            "settings": {"send_window": _MIDWEEK, "skip_weekends": True},
        },
        "steps": [
            _email(
                "A question about " + _COMPANY,
                _HELLO,
                f"I noticed {_COMPANY} is growing its outbound team. As {_ROLE}, how do you "
                "keep follow-ups from slipping today?",
                "If it is worth a 15-minute call, reply with a time that suits you.",
            ),
            _wait(3),
            _email(
                None,
                _HELLO,
                f"Following up in case this got buried. Teams like {_COMPANY} usually "
                "save a few hours a week on follow-ups.",
            ),
            _wait(4),
            _email(
                "An idea for " + _COMPANY,
                _HELLO,
                f"One concrete idea for {_COMPANY}: send follow-ups only inside your "
                "prospects' working hours, in their own time zone.",
            ),
            _wait(5),
            _email(
                "Should I close your file?",
                _HELLO,
                f"I have not heard back, so I will assume timing is off for {_COMPANY}. "
                "Reply any time if that changes.",
            ),
        ],
    },
    "nurture": {
        "template": {
            "name": "Nurture (3 emails)",
            "description": "Useful material for leads not ready to talk yet.",
            "category": "nurture",
            "settings": {"send_window": _WEEKDAYS, "skip_weekends": True},
        },
        "steps": [
            _email(
                "A guide for " + _ROLE,
                _HELLO,
                f"Here is the short guide we wrote for people in {_ROLE} at companies "
                f"like {_COMPANY}.",
            ),
            _wait(7),
            _email(
                "How others like " + _COMPANY + " did it",
                _HELLO,
                "A two-minute case study from a team your size, in case it helps.",
            ),
            _wait(7),
            _email(
                "Anything I can help with?",
                _HELLO,
                f"If {_COMPANY} is looking at this area this quarter, I am glad to help.",
            ),
        ],
    },
    "follow_up": {
        "template": {
            "name": "Follow-up after a meeting (3 emails)",
            "description": "After a first conversation: recap, material, next step.",
            "category": "follow_up",
            "settings": {"send_window": _WEEKDAYS, "skip_weekends": True},
        },
        "steps": [
            _email(
                "Our conversation with " + _COMPANY,
                _HELLO,
                f"Thank you for your time. A short recap for {_COMPANY} follows; "
                "reply with anything I missed.",
            ),
            _wait(3),
            _email(
                None,
                _HELLO,
                f"As promised, the material for {_ROLE}. Happy to walk through it.",
            ),
            _wait(5),
            _email(
                "Next step for " + _COMPANY + "?",
                _HELLO,
                "Would a short call next week work to decide on next steps?",
            ),
        ],
    },
    "win_back": {
        "template": {
            "name": "Win-back (3 emails)",
            "description": "For former customers or leads that went quiet.",
            "category": "win_back",
            "settings": {"send_window": _WEEKDAYS, "skip_weekends": True},
        },
        "steps": [
            _email(
                "What changed since " + _COMPANY + " left",
                _HELLO,
                f"A lot has changed since we last worked with {_COMPANY}; "
                "here are the three changes people asked for most.",
            ),
            _wait(5),
            _email(
                None,
                _HELLO,
                f"For {_ROLE}, the biggest one is probably the time it saves each week.",
            ),
            _wait(7),
            _email(
                "Worth another look?",
                _HELLO,
                f"If {_COMPANY} would like a fresh look, reply and I will set it up.",
            ),
        ],
    },
}
