"""HTML forms ↔ the core's shapes, for the builder: a step editor's fields to a raw step
config, the settings panel's fields to `TemplateSettings`, and errors back to the field
that shows them. Only plumbing: the core validates (and words) everything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.datastructures import FormData as Form

from sequences_core.schemas import SendWindow, TemplateSettings, Tracking, mask_step_config

FormData = Mapping[str, Any]

# Per step type: the form fields copied as they are (empty ones left out, so the core's
# default applies and a required one is named by the core).
PLAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("subject", "html", "text", "mailbox_id"),
    "wait": ("days", "hours", "business_days"),
    "task": ("title", "description", "due_in_days", "assignee", "timeout_business_days",
             "on_timeout"),
    "condition": ("if_true", "if_false"),
    "webhook": ("url", "method", "secret", "body", "timeout_seconds", "max_attempts",
                "max_hours", "on_failure"),
}  # fmt: skip
CHECKBOXES: dict[str, tuple[str, ...]] = {"task": ("wait_until_done",)}


class FormProblem(Exception):
    """A field whose text is not even the right shape (JSON that does not parse, a header
    line without a colon): reported at the field like the core's errors."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.fields = fields


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise FormProblem({"headers": f"line {number}: write a header as Name: value"})
        headers[name.strip()] = value.strip()
    return headers


def _rules(text: str) -> Any:
    try:
        return json.loads(text or "{}")
    except json.JSONDecodeError as err:
        raise FormProblem({"rules": f"the rules are not valid JSON: {err.msg}"}) from None


def step_config(step_type: str, form: FormData) -> dict[str, Any]:
    """The raw config an editor form describes (FormProblem for a malformed field)."""
    raw: dict[str, Any] = {
        name: value for name in PLAIN_FIELDS.get(step_type, ()) if (value := _text(form, name))
    }
    for name in CHECKBOXES.get(step_type, ()):
        raw[name] = name in form
    if step_type == "condition":
        raw["rules"] = _rules(_text(form, "rules"))
    if step_type == "webhook":
        raw["headers"] = _headers(_text(form, "headers"))
        marked = [n.strip() for n in _text(form, "secret_headers").split(",") if n.strip()]
        raw["secret_headers"] = marked
    return raw


def editor_values(step_type: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A stored config as the editor's fields show it (secrets masked)."""
    values = mask_step_config(step_type, config)
    if step_type == "condition":
        values["rules"] = json.dumps(config.get("rules", {}), indent=2)
    if step_type == "webhook":
        values["headers"] = "\n".join(f"{k}: {v}" for k, v in values.get("headers", {}).items())
        values["secret_headers"] = ", ".join(values.get("secret_headers", []))
    return values


def form_values(form: FormData) -> dict[str, Any]:
    """What the user typed, to show again beside the errors."""
    return {name: value for name, value in form.items() if isinstance(value, str)}


# --- the settings panel -------------------------------------------------------------------

WEEKDAYS = ((1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun"))


@dataclass(frozen=True)
class SettingField:
    name: str  # the form field, a path into the settings (`send_window.start`)
    label: str
    kind: str  # checkbox | number | text | time | days
    description: str


def _described(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].description or ""


def setting_fields() -> list[SettingField]:
    """Every setting the schema has, labelled, with the schema's own description."""
    kinds = {bool: "checkbox", int: "number"}
    found: list[SettingField] = []
    for name, info in TemplateSettings.model_fields.items():
        if name == "send_window":
            found += [
                SettingField(f"send_window.{part}", f"Send window {part}", "time",
                             _described(SendWindow, part))
                for part in ("start", "end")
            ]  # fmt: skip
            found.append(SettingField("send_window.days", "Send days", "days",
                                      _described(SendWindow, "days")))  # fmt: skip
        elif name == "tracking":
            found += [
                SettingField(f"tracking.{part}", f"Track {part}", "checkbox",
                             _described(Tracking, part))
                for part in ("opens", "clicks")
            ]  # fmt: skip
        else:
            kind = next((k for t, k in kinds.items() if info.annotation is t), None)
            if kind is None:
                kind = "number" if name in ("daily_limit", "jitter_minutes") else "text"
            label = name.replace("_", " ").capitalize()
            found.append(SettingField(name, label, kind, info.description or ""))
    return found


def settings_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings flattened to the form's field names."""
    flat: dict[str, Any] = {}
    for name, value in settings.items():
        if isinstance(value, dict):
            flat |= {f"{name}.{part}": inner for part, inner in value.items()}
        else:
            flat[name] = value
    return flat


def settings_from_form(form: Form) -> dict[str, Any]:
    """The raw settings the panel describes (unchecked boxes are false; empty texts null)."""
    raw: dict[str, Any] = {"send_window": {}, "tracking": {}}
    for item in setting_fields():
        if item.kind == "checkbox":
            value: Any = item.name in form
        elif item.kind == "days":
            value = [int(d) for d in form.getlist(item.name) if isinstance(d, str) and d.isdigit()]
        else:
            value = _text(form, item.name).strip() or None
        head, _, part = item.name.partition(".")
        if part:
            raw[head][part] = value
        elif value is not None:
            raw[head] = value
    return raw


def field_errors(fields: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """The core's error fields (`config.subject`, `settings.send_window.end`) named as the
    form's fields."""
    return {key.removeprefix(prefix): message for key, message in fields.items()}
