"""``/api/v1/results?body=``: one body's contests and seats out of the whole ballot day.

The whole day's document (224 bodies, 3,131 contests) is about 4.8 MB; a newsroom following the
Mazhilis, or one city's council, polls its own body's results instead, as the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.server import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("body")) / "kz.db"
    demo_build(db, example="day")  # a body's part of the whole day's results
    with TestClient(create_app(str(db))) as c:
        yield c


@pytest.mark.parametrize("body", ["mazhilis", "astana-maslikhat"])
def test_a_body_s_results_are_its_part_of_the_whole_day_s(client: TestClient, body: str) -> None:
    whole = client.get("/api/v1/results?lang=ru").json()
    r = client.get(f"/api/v1/results?lang=ru&body={body}")
    assert r.status_code == 200 and r.headers["etag"]
    doc = r.json()
    assert doc["bodies"] == {body: whole["bodies"][body]}
    assert doc["contests"] == [c for c in whole["contests"] if c["body"] == body]
    assert len(doc["contests"]) < len(whole["contests"])
    assert doc["status"] == whole["status"] and doc["results_version"] == int(r.headers["x-results-version"])
    assert len(r.content) * 20 < len(client.get("/api/v1/results?lang=ru").content)
    assert (
        client.get(
            f"/api/v1/results?lang=ru&body={body}", headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )


def test_the_mazhilis_seats_come_with_its_body(client: TestClient) -> None:
    doc = client.get("/api/v1/results?body=mazhilis").json()
    seats = doc["bodies"]["mazhilis"]["seats"]
    assert sum(seats.values()) == 98 and seats["amanat"] == 62
    assert len(doc["contests"]) == 30  # the list and 29 districts


def test_a_body_with_a_territory_or_a_contest(client: TestClient) -> None:
    doc = client.get("/api/v1/results?body=mazhilis&territory=KZ-75").json()
    assert doc["territory"]["id"] == "KZ-75"
    assert doc["contests"] and {c["id"] for c in doc["contests"]} <= {
        c["id"] for c in client.get("/api/v1/results?body=mazhilis").json()["contests"]
    }
    one = client.get("/api/v1/results?body=mazhilis&contest=mazhilis-list").json()
    assert [c["id"] for c in one["contests"]] == ["mazhilis-list"]


def test_an_unknown_body_or_a_contest_of_another_is_refused(client: TestClient) -> None:
    r = client.get("/api/v1/results?body=senate")
    assert r.status_code == 404 and "senate" in r.json()["detail"]
    r = client.get("/api/v1/results?body=mazhilis&contest=astana-maslikhat-list")
    assert r.status_code == 422 and "astana-maslikhat-list" in r.json()["detail"]
