"""Flask app: REST API, tracking pixel/click/unsubscribe, webhooks (docs/architecture.md).

`create_app()` reads settings from the environment; tests pass their own settings, unit of
work factory and collaborators (certificate fetcher, sender factory).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify

from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.runtime.config import Settings
from sequences_core.services.tracking import GeoLookup
from tracking_app import errors
from tracking_app.state import AppState, close_unit

MAX_BODY_BYTES = 16 * 1024 * 1024


def geo_lookup(path: str) -> GeoLookup:
    """Country and city from a MaxMind (GeoLite2/GeoIP2) database file."""
    import maxminddb

    reader = maxminddb.open_database(path)

    def lookup(ip: str) -> dict[str, Any] | None:
        try:
            found = reader.get(ip)
        except ValueError:
            return None
        if not isinstance(found, dict):
            return None
        record: dict[str, Any] = found
        country = (record.get("country") or {}).get("iso_code")
        city = ((record.get("city") or {}).get("names") or {}).get("en")
        place = {k: v for k, v in (("country", country), ("city", city)) if v}
        return place or None

    return lookup


def create_app(
    settings: Settings | None = None,
    *,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    **collaborators: Any,
) -> Flask:
    settings = settings or Settings.from_env()
    if uow_factory is None:
        from sequences_core.runtime.wiring import uow_factory as build_factory

        uow_factory = build_factory(settings)
    geo_db = os.environ.get("SEQUENCES_GEOIP_DB")
    if geo_db and "geo" not in collaborators:
        collaborators["geo"] = geo_lookup(geo_db)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sequences"] = AppState(
        settings=settings, uow=uow_factory, tokens=Tokens(settings.secret_key), **collaborators
    )
    if os.environ.get("SEQUENCES_TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    errors.register(app)
    app.teardown_appcontext(close_unit)

    from tracking_app import api, tracking, webhooks
    from tracking_app.openapi import docs_asset
    from tracking_app.registry import API, PREFIX

    app.register_blueprint(api.bp)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(webhooks.bp)

    @app.get(f"{PREFIX}/openapi.json")
    def openapi() -> Response:
        return jsonify(API.spec())

    @app.get(f"{PREFIX}/docs")
    def docs() -> Response:
        return API.docs_page()

    @app.get(f"{PREFIX}/docs/<version>/<path:name>")
    def docs_assets(version: str, name: str) -> Response:
        return docs_asset(version, name)

    @app.get("/healthz")
    def health() -> Response:
        hits = app.extensions["sequences"].hits
        return jsonify(
            {"status": "ok", "worker": os.getpid(), "hits_pending": hits.pending(),
             "hits_written": hits.written, "hits_dropped": hits.dropped}
        )  # fmt: skip

    return app
