"""The served OpenAPI document: complete, generated from the code, and true under fuzzing.

schemathesis generates requests from the document (valid and invalid) with a real API key
against real PostgreSQL: no answer may be a 5xx, and every answer must match its declared
status codes, content type and schema. `make test` runs a few examples per operation
(SEQUENCES_FUZZ_EXAMPLES); `make fuzz` runs enough for 2,000+ requests.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_support import ALWAYS_OPEN, API, sequence

EXAMPLES = int(os.environ.get("SEQUENCES_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_document_covers_every_route(app):
    spec = app.test_client().get(f"{API}/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.rule.endswith(("openapi.json", "/docs")):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    assert ("/api/sequences/track/open", "GET") in documented
    assert spec["paths"]["/api/sequences/templates"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/sequences/track/open"]["get"]["security"] == []
    page = app.test_client().get(f"{API}/docs")
    assert page.status_code == 200 and b"/api/sequences/enrollments/bulk" in page.data


def _operations() -> list[str]:
    import tracking_app.api
    import tracking_app.tracking
    import tracking_app.webhooks  # noqa: F401  (they register the operations)
    from tracking_app.registry import API as REGISTRY

    return [f"{op.method} {op.path}" for op in REGISTRY.operations]


@pytest.mark.fuzz
@pytest.mark.parametrize("label", _operations())
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_never_5xx_and_match_the_document(app, acme, label, mode):
    sequence(acme, settings=ALWAYS_OPEN, follow_up=True)
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
        derandomize=True, database=None,
    )  # fmt: skip
    def run(case):
        calls.append(case.call_and_validate(headers=acme.auth, checks=CHECKS).status_code)

    run()
    assert calls, "no request was generated"
