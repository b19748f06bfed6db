"""saylau.http.kept: an answer made once per running app and given with its ETag, a 304 to a
client that has it, and one larger than MAX_KEPT made at every request instead of kept."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from saylau.http import kept as kept_module
from saylau.http.kept import STATIC, is_kept, kept


def app(size: int, made: list[str]) -> Starlette:
    async def answer(request: Request) -> Response:
        which = request.path_params["which"]
        before = is_kept(request, ("answer", which))

        def make() -> bytes:
            made.append(which)
            return which.encode() * size

        response = kept(request, ("answer", which), make, "text/plain", {"Cache-Control": STATIC})
        response.headers["X-Was-Kept"] = str(before)
        return response

    return Starlette(routes=[Route("/{which}", answer)])


def test_made_once_then_given_with_its_etag_and_a_304() -> None:
    made: list[str] = []
    with TestClient(app(1000, made)) as client:
        first, again, other = client.get("/a"), client.get("/a"), client.get("/b")
        assert made == ["a", "b"] and first.content == again.content == b"a" * 1000
        assert first.headers["x-was-kept"] == "False" and again.headers["x-was-kept"] == "True"
        assert first.headers["etag"] == again.headers["etag"] != other.headers["etag"]
        assert first.headers["cache-control"] == STATIC
        cached = client.get("/a", headers={"If-None-Match": first.headers["etag"]})
        assert (
            cached.status_code == 304
            and cached.content == b""
            and cached.headers["etag"] == first.headers["etag"]
        )
        assert client.get("/a", headers={"If-None-Match": '"other"'}).status_code == 200
    with TestClient(app(1000, made)) as client:  # another app: its own answers
        client.get("/a")
        assert made == ["a", "b", "a"]


def test_a_larger_answer_is_made_at_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept_module, "MAX_KEPT", 999)
    made: list[str] = []
    with TestClient(app(1000, made)) as client:
        first, again = client.get("/a"), client.get("/a")
        assert made == ["a", "a"] and again.headers["x-was-kept"] == "False"
        assert first.headers["etag"] == again.headers["etag"]  # the same bytes, the same tag
        assert client.get("/a", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
