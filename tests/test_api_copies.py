"""Observers' copies through the HTTP API, on the bundled Kazakhstan example.

A copy with a photo is stored, its GPS stripped, its photo public only when its observer said so;
a copy breaking the form's relations is kept and flagged; a copy of an unknown station, from
outside the token's territory, by a commission token, or with a photo that is no picture or too
large is refused with a problem document; the official count never changes. The public parallel
count lists what differs, sums it per territory and gives the seats if the copies were right.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from conftest import demo_build
from saylau.model import Protocol
from saylau.server import Settings, create_app
from saylau.store import Store
from saylau.store.tokens import Tokens

CONTEST = "mazhilis-list"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 7.0, 0.0), "E", (71.0, 26.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("api-copies") / "kz.db"
    demo_build(db)
    with Store.open(db) as store:
        protocols = [p for p in store.current() if p.contest == CONTEST]
        election = store.election()
    region = next(
        t.id for t in election.territories if t.parent is not None and t.parent == election.territories[0].id
    )
    with Tokens(db) as tokens:
        headers = {
            role: {"Authorization": f"Bearer {tokens.create(role, actor='test', name=role, **kw).text}"}
            for role, kw in (("observer", {}), ("admin", {}), ("commission", {"territory": region}))
        }
        local = tokens.create("observer", actor="test", name="local", territory=region).text
    headers["local"] = {"Authorization": f"Bearer {local}"}
    with TestClient(create_app(str(db), Settings(snapshot_interval=0.0))) as client:
        yield {"client": client, "headers": headers, "protocols": protocols, "db": db, "region": region}


def send(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], photo: bytes | None = None
) -> Any:
    files = {"photo": ("protocol.jpg", photo, "image/jpeg")} if photo is not None else None
    return client.post("/api/v1/copies", data={"copy": json.dumps(body)}, files=files, headers=headers)


def body_of(p: Protocol, **votes: int) -> dict[str, Any]:
    return {"station": p.station, "contest": p.contest, "lines": dict(p.lines), "votes": {**p.votes, **votes}}


def test_a_copy_with_a_photo_is_stored_compared_and_stripped(site: dict[str, Any]) -> None:
    client, headers = site["client"], site["headers"]
    p = site["protocols"][10]
    before = client.get("/api/v1/results").json()["bodies"]
    party = next(iter(p.votes))
    body = {**body_of(p, **{party: p.votes[party] - 3}), "publish_photo": True, "note": "posted at 22:40"}
    r = send(client, headers["observer"], body, jpeg_with_gps())
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["differs"] and got["differences"] == [
        {"kind": "option", "id": party, "copy": p.votes[party] - 3, "official": p.votes[party]}
    ]
    assert got["flags"]  # the votes no longer sum to the valid ballots: kept, flagged
    photo = client.get(f"/api/v1/photos/{got['photo']}")  # published: anyone may see it
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    exif = Image.open(io.BytesIO(photo.content)).getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif
    assert client.get("/api/v1/results").json()["bodies"] == before  # the official count is untouched
    mine = client.get("/api/v1/copies/mine", headers=headers["observer"]).json()
    assert [c["copy"] for c in mine["copies"]] == [got["copy"]] and mine["differing"] == 1
    public = client.get("/api/v1/parallel-count", params={"lang": "ru"}).json()
    (contest,) = [c for c in public["contests"] if c["id"] == CONTEST]
    assert [d["station"] for d in contest["differing"]] == [p.station]
    assert contest["summary"]["votes_moved"] == {party: 3}
    assert "mazhilis" in public["bodies"]


def test_an_unpublished_photo_is_for_its_observer_only(site: dict[str, Any]) -> None:
    client, headers = site["client"], site["headers"]
    p = site["protocols"][11]
    image = Image.new("RGB", (30, 30), (1, 2, 3))
    raw = io.BytesIO()
    image.save(raw, "PNG")
    r = client.post(
        "/api/v1/copies",
        data={"copy": json.dumps(body_of(p))},
        files={"photo": ("p.png", raw.getvalue(), "image/png")},
        headers=headers["observer"],
    )
    assert r.status_code == 201, r.text
    sha = r.json()["photo"]
    assert client.get(f"/api/v1/photos/{sha}").status_code == 403
    assert client.get(f"/api/v1/photos/{sha}", headers=headers["observer"]).status_code == 200
    assert client.get(f"/api/v1/photos/{sha}", headers=headers["admin"]).status_code == 200


@pytest.mark.parametrize(
    ("who", "change", "status", "words"),
    [
        ("observer", {"station": "KZ-NOWHERE"}, 422, "unknown station"),
        ("observer", {"lines": {"registred": 5}}, 422, "not a line of form"),
        ("commission", {}, 403, "needs a token of role admin or observer"),
        (None, {}, 401, "needs a token of role"),
    ],
)
def test_bad_copies_are_refused_and_change_nothing(
    site: dict[str, Any], who: str | None, change: dict[str, Any], status: int, words: str
) -> None:
    client, headers = site["client"], site["headers"]
    head = client.get("/api/v1/health").json()["audit_seq"]
    r = send(client, headers[who] if who else {}, {**body_of(site["protocols"][12]), **change})
    assert r.status_code == status and words in r.json()["detail"], r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/health").json()["audit_seq"] == head


def test_a_territorial_observer_copies_only_inside(site: dict[str, Any]) -> None:
    client, headers, region = site["client"], site["headers"], site["region"]
    with Store.open(site["db"]) as store:
        inside = {s.id for s in store.election().stations if s.territory.startswith(region)}
    outside = next(p for p in site["protocols"] if p.station not in inside)
    r = send(client, headers["local"], body_of(outside))
    assert r.status_code == 403 and "is not inside territory" in r.json()["detail"]


@pytest.mark.parametrize(
    ("photo", "words"),
    [(b"%PDF-1.7 not a photo", "expected a JPEG, PNG or HEIC photo"), (b"\xff\xd8\xff\xe0" + b"0" * 50, "")],
)
def test_a_bad_photo_is_refused(site: dict[str, Any], photo: bytes, words: str) -> None:
    client, headers = site["client"], site["headers"]
    r = send(client, headers["observer"], body_of(site["protocols"][13]), photo)
    assert r.status_code == 422 and words in r.json()["detail"], r.text
    assert r.json()["errors"][0]["field"] == "photo"


def test_an_oversized_body_is_refused_with_413(site: dict[str, Any]) -> None:
    client, headers = site["client"], site["headers"]
    r = send(
        client, headers["observer"], body_of(site["protocols"][13]), b"\xff\xd8" + b"0" * (11 * 1024 * 1024)
    )
    assert r.status_code == 413


def test_a_file_of_copies_all_or_nothing(site: dict[str, Any], tmp_path: Path) -> None:
    client, headers = site["client"], site["headers"]
    rows = site["protocols"][20:25]
    lines = list(rows[0].lines)
    options = list(rows[0].votes)
    text = ",".join(["station", *lines, *options]) + "\n"
    for p in rows:
        text += (
            ",".join([p.station, *(str(p.lines[x]) for x in lines), *(str(p.votes[x]) for x in options)])
            + "\n"
        )
    ok = client.post(
        "/api/v1/copies/file",
        data={"contest": CONTEST},
        files={"file": ("copies.csv", text.encode(), "text/csv")},
        headers=headers["observer"],
    )
    assert ok.status_code == 201 and ok.json()["stored"] == 5, ok.text
    bad = text + "KZ-NOWHERE" + ",1" * (len(lines) + len(options)) + "\n"
    head = client.get("/api/v1/health").json()["audit_seq"]
    refused = client.post(
        "/api/v1/copies/file",
        data={"contest": CONTEST},
        files={"file": ("copies.csv", bad.encode(), "text/csv")},
        headers=headers["observer"],
    )
    assert refused.status_code == 422 and "copies.csv line 7" in refused.json()["detail"], refused.text
    assert client.get("/api/v1/health").json()["audit_seq"] == head
