"""Domain errors: each carries what a 4xx answer or a CLI message needs, nothing more."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})

    def as_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422

    @classmethod
    def from_validation(cls, err: ValidationError, prefix: str = "") -> InvalidInput:
        fields: dict[str, str] = {}
        for item in err.errors():
            # A bad dict key is located at (…, key, "[key]"): named like its value, `field.key`.
            parts = (prefix, *item["loc"])
            loc = ".".join(str(part) for part in parts if part not in ("", "[key]"))
            fields.setdefault(loc or "body", item["msg"].removeprefix("Value error, "))
        return cls("Some fields are not valid", fields)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
