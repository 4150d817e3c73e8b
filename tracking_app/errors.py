"""Every error answers `{"error": {"code", "message", "fields"}}`: never a trace, never HTML
for the API, and never a 500 for something the caller sent. The HTTP-only errors live here;
domain errors come from the core."""

from __future__ import annotations

import logging
import math

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from sequences_core.errors import DomainError

log = logging.getLogger(__name__)


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class UnsupportedMedia(DomainError):
    code = "unsupported_media_type"
    status = 415


class TooManyRequests(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, wait: float) -> None:
        """`wait`: seconds until a token is free. Both the message and `Retry-After` say it
        in whole seconds, rounded up, at least 1 (the header takes no fractions)."""
        self.retry_after = max(1, math.ceil(wait))
        super().__init__(f"Too many requests; retry in {self.retry_after} s")


def _answer(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain(err: DomainError) -> Response:
        response = _answer(err.status, err.code, err.message, err.fields)
        if isinstance(err, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="sequences"'
        if isinstance(err, TooManyRequests):
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http(err: HTTPException) -> Response:
        code = (err.name or "error").lower().replace(" ", "_")
        response = _answer(err.code or 500, code, err.description or err.name)
        if err.code == 405 and err.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(err.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(IntegrityError)
    def integrity(err: IntegrityError) -> Response:
        log.info("integrity error on %s: %s", request.path, err.orig)
        return _answer(409, "conflict", "The change conflicts with existing data")

    @app.errorhandler(DataError)
    def data(err: DataError) -> Response:
        log.info("data error on %s: %s", request.path, err.orig)
        return _answer(422, "invalid_input", "A value is out of range or malformed")

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _answer(500, "internal", "Something went wrong on our side; it has been logged")
