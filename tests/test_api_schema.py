"""Schemathesis against /openapi.json of a running server: no 5xx for any input, and every response
conforms to the description (status code, content type, headers, body schema).

Bounded: ``EXAMPLES`` generated requests per operation and generation mode (valid and invalid
data), with an admin token, so the write endpoints are exercised past authorisation. The event
stream (endless by design) is left out; test_api.py tests it.

On SQLite and on PostgreSQL: the backend that runs first has its requests generated, and the other
is sent the very same requests (its own admin token in place of the first's), against the same
description. Generating them is two thirds of the time, and the backend is not what makes a
request valid or not: what the fuzzing finds in the store's handling of odd input, it finds on
both.

A generated request that repeats one already answered, where nothing since can have changed the
answer, is not sent again (what schemathesis's own runner does with ``unique_inputs``): one
request in ten repeats another (one in five at 30 examples: Hypothesis draws different choices
that make the same request, most of all for invalid data), and its answer would be the first
one's, checked already.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
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

#: Generated requests per operation and generation mode (set SAYLAU_SCHEMATHESIS_EXAMPLES higher to
#: search deeper). 15 covers what this test is for as well as 30 did: the answers each operation
#: gives are seen and checked as fully, 76 to 80 distinct (operation, status) pairs in three runs at
#: 15, 77 to 79 in three at 30, of the 84 the six runs found together. The cases differ in every run
#: (no fixed seed, no example database), so runs add up to the search a larger count makes in one;
#: this one takes half the time (generating a request costs twice what the server's answer does).
EXAMPLES = int(os.environ.get("SAYLAU_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Sent:
    """The requests generated on the first backend: its token, its description, and by operation
    and generation mode the cases in the order they were sent."""

    token: str
    description: dict[str, Any]
    cases: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


#: Filled by the first backend's test in this worker (one module, one worker: --dist loadscope).
_SENT: list[Sent] = []


@pytest.fixture
def running(db_url: str) -> Iterator[tuple[Server, Tokens_]]:
    from test_api import TINY

    Store.create(db_url, spec.Files(TINY), actor="test").close()
    tokens = make_tokens(db_url)
    # the server's own pace for following other processes and its token table: nothing else writes
    # to the store, and looking every 0.05 s is CPU taken from the fuzzing for nothing
    settings = Settings(snapshot_interval=0.0, rate=0)
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
    first = _SENT[0] if _SENT else None
    if first is not None:  # the same description, so the same requests are as valid or invalid here
        assert schema.raw_schema == first.description
    sent = Sent(tokens.admin, schema.raw_schema)
    seen: dict[str, set[int]] = {}
    with requests.Session() as session:  # one connection kept alive, not one per request
        session.trust_env = False  # no proxy on loopback: not looked for in the environment each time
        for operation in operations:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                negative = mode is schemathesis.GenerationMode.NEGATIVE
                checks = [*CHECKS, negative_data_rejection] if negative else CHECKS
                key = (operation.label, mode.name)
                call = Call(server.url, session, headers, checks, seen)
                if first is not None and key in first.cases:
                    for case in first.cases[key]:
                        call.again(case, first.token)
                else:
                    sent.cases[key] = fuzz(operation, mode, headers, call)
    if first is None:
        _SENT.append(sent)
    statuses = {code for codes in seen.values() for code in codes}
    assert not any(code >= 500 for code in statuses)
    assert 422 in statuses and 200 in statuses


@dataclass
class Call:
    """A case sent to one server and its response checked; the status seen kept by operation.

    One per operation and generation mode, so one operation's cases in a row: a case equal to one
    answered before (schemathesis's hash of a case is the request on the wire) is answered alike
    as long as no request since has changed what the server holds, and is not sent again. A GET
    changes nothing; another method may have when its answer was not an error (a protocol stored,
    a token made), and then a repeat is sent: the second answer (200 "unchanged", a conflict) is
    another one to check."""

    url: str
    session: requests.Session
    headers: dict[str, str]
    checks: list[Any]
    seen: dict[str, set[int]]
    answered: set[int] = field(default_factory=set)

    def __call__(self, case: Any, headers: dict[str, str] | None = None) -> None:
        key = hash(case)
        if key in self.answered:
            return
        self.session.cookies.clear()  # each request on its own, as without a session
        response = case.call_and_validate(
            base_url=self.url, session=self.session, headers=headers, checks=self.checks, timeout=30
        )
        self.seen.setdefault(case.operation.label, set()).add(response.status_code)
        if case.method.upper() == "GET" or response.status_code >= 400:
            self.answered.add(key)
        else:  # it may have changed what the server holds: what was answered may be answered otherwise
            self.answered.clear()

    def again(self, case: Any, token: str) -> None:
        """A case generated for another server: this one's token where it carried the other's."""
        if (case.headers or {}).get("Authorization") == f"Bearer {token}":
            self(case, self.headers)
        else:
            self(case)


def fuzz(operation: Any, mode: Any, headers: dict[str, str], call: Call) -> list[Any]:
    """``EXAMPLES`` generated requests to one operation, each response checked; the cases sent."""
    sent: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case: Any) -> None:
        sent.append(case)
        call(case)

    try:
        run()
    except Unsatisfiable:  # no invalid request exists for an operation without parameters
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    return sent
