"""Schemathesis against /openapi.json of a running server: no 5xx for any input, and every response
conforms to the description (status code, content type, headers, body schema).

Bounded: ``EXAMPLES`` generated requests per operation and generation mode (valid and invalid
data), with an admin token, so the write endpoints are exercised past authorisation. The event
stream (endless by design) is left out; test_api.py tests it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saylau import spec
from saylau.server import Settings
from saylau.store import Store
from test_api import Server, Tokens_, make_tokens

EXAMPLES = int(os.environ.get("SAYLAU_SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def running(db_url: str) -> Iterator[tuple[Server, Tokens_]]:
    from test_api import TINY

    Store.create(db_url, spec.Files(TINY), actor="test").close()
    tokens = make_tokens(db_url)
    settings = Settings(snapshot_interval=0.0, rate=0, token_refresh=0.05, sync_interval=0.05)
    with Server(db_url, settings) as server:
        yield server, tokens


def test_no_server_errors_and_every_response_conforms(running: tuple[Server, Tokens_]) -> None:
    server, tokens = running
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path != "/api/v1/events"  # an endless stream
    ]
    assert len(operations) >= 10
    headers = {"Authorization": f"Bearer {tokens.admin}"}
    seen: dict[str, set[int]] = {}
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            negative = mode is schemathesis.GenerationMode.NEGATIVE
            fuzz(
                server.url,
                operation,
                mode,
                headers,
                [*CHECKS, negative_data_rejection] if negative else CHECKS,
                seen,
            )
    statuses = {code for codes in seen.values() for code in codes}
    assert not any(code >= 500 for code in statuses)
    assert 422 in statuses and 200 in statuses


def fuzz(
    url: str, operation: Any, mode: Any, headers: dict[str, str], checks: list[Any], seen: dict[str, set[int]]
) -> None:
    """``EXAMPLES`` generated requests to one operation, each response checked."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=url, checks=checks, timeout=30)
        seen.setdefault(operation.label, set()).add(response.status_code)

    try:
        run()
    except Unsatisfiable:  # no invalid request exists for an operation without parameters
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
