"""Declared operations: each view says its query, body and response models once, and that
declaration both validates the request and writes the OpenAPI 3.1 document.

The document is therefore generated from the code that serves the requests; nothing in it
is written by hand.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from sequences_core.schemas import nested_deeper_than, parse
from tracking_app.errors import BadRequest, UnsupportedMedia
from tracking_app.schemas import ErrorResponse

View = Callable[..., Any]
_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    description: str
    tag: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    auth: bool
    media: str
    error_media: str
    upload: str | None
    also: tuple[int, ...]  # other success codes with the same answer (200 for an update)
    module: str  # the view's module, whose docstring describes the operation's tag

    @property
    def path(self) -> str:
        return _RULE_PARAM.sub(r"{\1}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return _RULE_PARAM.findall(self.rule)


MAX_BODY_DEPTH = 32  # the deepest body the API takes nests 5 levels (bulk leads' custom fields)
_TOO_DEEP = f"nested more than {MAX_BODY_DEPTH} levels"


def _json_body(model: type[BaseModel]) -> BaseModel:
    """The body validated into `model`. A body nested past MAX_BODY_DEPTH is refused before
    validation: Python's parser gives up near 1,000 levels with a RecursionError, and
    validators that walk values recursively would fail short of that."""
    if not request.is_json:
        raise UnsupportedMedia("Send the body as JSON", {"Content-Type": "application/json"})
    try:
        raw = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest(f"The body is {_TOO_DEEP}", {"body": _TOO_DEEP}) from None
    if raw is None and request.get_data(cache=True):
        raise BadRequest("The body is not valid JSON", {"body": "malformed JSON"})
    if nested_deeper_than(raw, MAX_BODY_DEPTH):
        raise BadRequest(f"The body is {_TOO_DEEP}", {"body": _TOO_DEEP})
    return parse(model, raw if raw is not None else {}, "body")


def _query(model: type[BaseModel]) -> BaseModel:
    return parse(model, request.args.to_dict(flat=True), "query")


class Api:
    """The registry of operations; views are registered on blueprints through `route`."""

    def __init__(
        self,
        title: str,
        version: str,
        prefix: str,
        *,
        authenticate: Callable[[], Any],
        rate_limit: Callable[[], None],
    ) -> None:
        self.title, self.version, self.prefix = title, version, prefix
        self.authenticate, self.rate_limit = authenticate, rate_limit
        self.operations: list[Operation] = []

    def route(
        self,
        bp: Blueprint,
        rule: str,
        method: str,
        *,
        tag: str,
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        auth: bool = True,
        limited: bool = False,
        media: str = "application/json",
        error_media: str = "application/json",
        upload: str | None = None,
        also: tuple[int, ...] = (),
        parse_query: bool = True,
    ) -> Callable[[View], View]:
        """`parse_query=False`: the query model only documents; the view reads request.args
        itself (the open pixel, where every microsecond is a share of throughput)."""

        def register(view: View) -> View:
            doc = inspect.cleandoc(view.__doc__ or "")
            summary, _, description = doc.partition("\n")
            self.operations.append(
                Operation(
                    method=method.upper(),
                    rule=(bp.url_prefix or "") + rule,
                    summary=summary.strip(),
                    description=description.strip(),
                    tag=tag,
                    query=query,
                    body=body,
                    response=response,
                    status=status,
                    errors=tuple(sorted(set(errors) | ({429} if limited else set()))),
                    auth=auth,
                    media=media,
                    error_media=error_media,
                    upload=upload,
                    also=also,
                    module=view.__module__,
                )
            )

            @wraps(view)
            def handle(**path: Any) -> Any:
                if auth:
                    g.org_id = self.authenticate()
                if limited:
                    self.rate_limit()
                kwargs: dict[str, Any] = dict(path)
                if query is not None and parse_query:
                    kwargs["query"] = _query(query)
                if body is not None:
                    kwargs["body"] = _json_body(body)
                result = view(**kwargs)
                code = status
                if isinstance(result, tuple):
                    result, code = result
                if isinstance(result, Response) or response is None:
                    return result if result is not None else ("", code)
                payload = response.model_validate(result).model_dump(mode="json", by_alias=True)
                return jsonify(payload), code

            bp.add_url_rule(rule, view.__name__, handle, methods=[method.upper()])
            return view

        return register

    # --- the document ---------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document: every model through one pydantic generation, so each
        `$ref` points into components/schemas; the error answers as components/responses."""
        modes: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
            (ErrorResponse, "serialization"): None
        }
        for op in self.operations:
            modes.update(dict.fromkeys((m, "validation") for m in (op.query, op.body) if m))
            if op.response is not None:
                modes[(op.response, "serialization")] = None
        refs, document = models_json_schema(list(modes), ref_template=f"{_SCHEMAS}{{model}}")
        schemas: dict[str, Any] = document.get("$defs", {})
        queries = {op.query for op in self.operations if op.query is not None}
        query_fields = {m: _definition(schemas, refs[(m, "validation")]) for m in queries}
        for model in queries:  # shown as parameters, nowhere referenced as a schema
            schemas.pop(refs[(model, "validation")]["$ref"].removeprefix(_SCHEMAS), None)
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            op_query = query_fields.get(op.query) if op.query is not None else None
            paths.setdefault(op.path, {})[op.method.lower()] = self._operation(op, refs, op_query)
        tags = dict.fromkeys(op.tag for op in self.operations)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": _ABOUT},
            "servers": [{"url": "/"}],
            "tags": [{"name": tag, "description": self._tag_about(tag)} for tag in tags],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "responses": {
                    name: _error_response(code, reason) for code, (name, reason) in _ERRORS.items()
                },
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "API key",
                        "description": "An organization's API key: `Authorization: Bearer <key>`.",
                    }
                },
            },
        }

    def docs_page(self) -> Response:
        """The interactive reference: Swagger UI over the generated document, its assets
        under a versioned URL; the page itself is revalidated, so an upgrade shows at once."""
        response = Response(
            render_template(
                "docs.html",
                title=self.title,
                spec_url=f"{self.prefix}/openapi.json",
                assets=f"{self.prefix}/docs/{swagger_ui()[0]}",
            ),
            mimetype="text/html",
        )
        response.cache_control.no_cache = True
        return response

    def _tag_about(self, tag: str) -> str:
        """A tag's description: the first line of the docstring of the module its views are in
        (one module per resource)."""
        module = next(op.module for op in self.operations if op.tag == tag)
        return (sys.modules[module].__doc__ or tag).strip().splitlines()[0]

    def _operation(
        self, op: Operation, refs: dict[Any, Any], query: dict[str, Any] | None
    ) -> dict[str, Any]:
        params: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": f"The {name.removesuffix('_id').replace('_', ' ')}'s id.",
                "schema": {"type": "string"},
            }
            for name in op.path_params
        ]
        if query is not None:
            required = set(query.get("required", []))
            for name, prop in query.get("properties", {}).items():
                params.append(_parameter(name, prop, name in required))
        codes = set(op.errors) | {400}
        if op.auth:
            codes.add(401)
        if op.path_params:
            codes |= {404, 422}
        if op.body is not None:
            codes |= {413, 415, 422}
        if op.query is not None:
            codes.add(422)
        responses: dict[str, Any] = {}
        for code in sorted(codes):
            name, reason = _ERRORS[code]
            responses[str(code)] = (
                {"$ref": f"#/components/responses/{name}"}
                if op.error_media == "application/json"
                else {"description": reason, "content": {op.error_media: {"schema": _TEXT}}}
            )
        ok: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            ok["content"] = {op.media: {"schema": dict(refs[(op.response, "serialization")])}}
        elif op.media != "application/json":
            ok["content"] = {op.media: {"schema": _TEXT}}
        for code in (op.status, *op.also):
            responses[str(code)] = ok
        out: dict[str, Any] = {
            "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower())}",
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
            "security": [{"bearerAuth": []}] if op.auth else [],
        }
        if op.description:
            out["description"] = op.description
        if op.body is not None:
            out["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": dict(refs[(op.body, "validation")])}},
            }
        elif op.upload is not None:
            out["requestBody"] = {"required": True, "content": {op.upload: {"schema": _TEXT}}}
        return out


_SCHEMAS = "#/components/schemas/"
_TEXT = {"type": "string"}
_ABOUT = (
    "Authenticate with an organization's API key, `Authorization: Bearer <key>` "
    "(`sequences org create` prints one): choose **Authorize** and paste the key to try "
    "the operations here. Every error answers with one shape, "
    '`{"error": {"code", "message", "fields"}}`, where `fields` names each invalid field. '
    "Lists are paged: pass a page's `next_cursor` as `cursor` for the next one."
)
# Each error status once, as a named component every operation refers to.
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed request (not JSON, bad query string)"),
    401: ("Unauthorized", "Missing, unknown or revoked API key"),
    403: ("Forbidden", "Refused: the message is not genuinely signed"),
    404: ("NotFound", "No such resource in your organization"),
    409: ("Conflict", "The request conflicts with the resource's state"),
    413: ("PayloadTooLarge", "Request body too large"),
    415: ("UnsupportedMediaType", "Body must be application/json"),
    422: ("InvalidInput", "A field is not valid; `fields` names each"),
    429: ("TooManyRequests", "Too many requests; retry after `Retry-After` seconds"),
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "`Bearer`: the scheme the API expects.",
            "schema": _TEXT,
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def _error_response(code: int, reason: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": reason,
        "content": {"application/json": {"schema": {"$ref": f"{_SCHEMAS}ErrorResponse"}}},
    }
    if code in _HEADERS:
        response["headers"] = _HEADERS[code]
    return response


def _definition(schemas: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return dict(schemas[ref["$ref"].removeprefix(_SCHEMAS)])


def _parameter(name: str, prop: dict[str, Any], required: bool) -> dict[str, Any]:
    """A query parameter from its model field. The description goes on the parameter; a
    field typed `Annotated[str, Field(description=...)] | None` has it on its string branch."""
    schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
    description = prop.get("description") or next(
        (b["description"] for b in prop.get("anyOf", []) if "description" in b), None
    )
    param: dict[str, Any] = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


# --- the docs page's assets ---------------------------------------------------------------

_YEAR = 365 * 24 * 3600


@cache
def swagger_ui() -> tuple[str, Path]:
    """Swagger UI's version and files, as PyPI's flask-swagger-ui installs them (Swagger UI
    5: the 4.x of `swagger-ui-bundle` cannot read OpenAPI 3.1). Only the files are used, not
    the package's blueprint, so the page is ours and the assets get a versioned URL cached
    for good. Found without importing the package, which reads its own metadata at import."""
    found = importlib.util.find_spec("flask_swagger_ui")
    if found is None or found.origin is None:
        raise RuntimeError("flask-swagger-ui is not installed (pyproject.toml lists it)")
    folder = Path(found.origin).parent / "dist"
    return (folder / "VERSION").read_text().strip().removeprefix("v"), folder


def docs_asset(version: str, name: str) -> Response:
    """A Swagger UI file: cached for a year and immutable, since its URL names the version."""
    current, folder = swagger_ui()
    if version != current:
        abort(404)
    response = send_from_directory(folder, name, max_age=_YEAR)
    response.cache_control.immutable = True
    return response
