"""Declared operations: each view says its query, body and response models once, and that
declaration both validates the request and writes the OpenAPI 3.1 document.

The document is therefore generated from the code that serves the requests; nothing in it
is written by hand.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sequences_core.schemas import parse
from tracking_app.errors import BadRequest, UnsupportedMedia
from tracking_app.schemas import ErrorResponse

View = Callable[..., Any]
_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_REASONS = {
    400: "Malformed request (not JSON, bad query string)",
    401: "Missing, unknown or revoked API key",
    404: "No such resource in your organization",
    409: "The request conflicts with the resource's state",
    413: "Request body too large",
    415: "Body must be application/json",
    422: "A field is not valid; `fields` names each",
    429: "Too many requests; retry after `Retry-After` seconds",
}


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

    @property
    def path(self) -> str:
        return _RULE_PARAM.sub(r"{\1}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return _RULE_PARAM.findall(self.rule)


def _json_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise UnsupportedMedia("Send the body as JSON", {"Content-Type": "application/json"})
    raw = request.get_json(silent=True)
    if raw is None and request.get_data(cache=True):
        raise BadRequest("The body is not valid JSON", {"body": "malformed JSON"})
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
            doc = (view.__doc__ or "").strip()
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
        models: set[type[BaseModel]] = {ErrorResponse}
        for op in self.operations:
            models |= {m for m in (op.query, op.body, op.response) if m is not None}
        modes: tuple[Literal["validation", "serialization"], ...] = ("validation", "serialization")
        pairs = [(m, mode) for m in models for mode in modes]
        refs, schema = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = self._operation(op, refs)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": "/"}],
            "paths": paths,
            "components": {
                "schemas": schema.get("$defs", {}),
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        }

    def _operation(self, op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
        def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
            return dict(refs[(model, mode)])

        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in op.path_params
        ]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                prop = {k: v for k, v in prop.items() if k != "title"}
                params.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        error: dict[str, Any] = {
            "application/json": {"schema": ref(ErrorResponse, "serialization")}
        }
        if op.error_media != "application/json":
            error = {op.error_media: {"schema": {"type": "string"}}}
        codes = set(op.errors) | {400}
        if op.auth:
            codes.add(401)
        if op.path_params:
            codes |= {404, 422}
        if op.body is not None:
            codes |= {413, 415, 422}
        if op.query is not None:
            codes.add(422)
        responses: dict[str, Any] = {
            str(code): {"description": _REASONS.get(code, "Error"), "content": error}
            for code in sorted(codes)
        }
        ok: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            ok["content"] = {op.media: {"schema": ref(op.response, "serialization")}}
        elif op.media != "application/json":
            ok["content"] = {op.media: {"schema": {"type": "string"}}}
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
                "content": {"application/json": {"schema": ref(op.body, "validation")}},
            }
        elif op.upload is not None:
            out["requestBody"] = {
                "required": True,
                "content": {op.upload: {"schema": {"type": "string"}}},
            }
        return out

    def docs_page(self) -> str:
        """A browsable page of the document, with no script or outside asset."""
        spec = self.spec()
        parts = [
            f"<!doctype html><meta charset=utf-8><title>{html.escape(self.title)}</title>",
            "<style>body{font:15px system-ui;margin:2em auto;max-width:60em}"
            "pre{background:#f5f5f5;padding:.6em;overflow:auto;font-size:12px}"
            "h3{font-family:monospace}.m{display:inline-block;width:4.5em}</style>",
            f"<h1>{html.escape(self.title)}</h1><p>OpenAPI document: "
            f'<a href="{self.prefix}/openapi.json">{self.prefix}/openapi.json</a>. '
            "Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>.</p>",
        ]
        for path, methods in spec["paths"].items():
            for method, op in methods.items():
                parts.append(
                    f"<details><summary><h3 style=display:inline><span class=m>"
                    f"{method.upper()}</span>{html.escape(path)}</h3> — "
                    f"{html.escape(op['summary'])}</summary>"
                )
                if op.get("description"):
                    parts.append(f"<p>{html.escape(op['description'])}</p>")
                for param in op["parameters"]:
                    parts.append(
                        f"<p><code>{html.escape(param['name'])}</code> ({param['in']}"
                        f"{', required' if param['required'] else ''})</p>"
                    )
                for media, content in op.get("requestBody", {}).get("content", {}).items():
                    shape = content["schema"].get("$ref", content["schema"].get("type", ""))
                    parts.append(f"<p>Body ({media}): <code>{html.escape(shape)}</code></p>")
                codes = ", ".join(op["responses"])
                parts.append(f"<p>Responses: {codes}</p></details>")
        schemas = json.dumps(spec["components"]["schemas"], indent=2)
        parts.append(f"<h2>Schemas</h2><pre>{html.escape(schemas)}</pre>")
        return "".join(parts)
