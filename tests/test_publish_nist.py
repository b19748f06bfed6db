"""The NIST SP 1500-100 v2 export of the bundled example: valid, complete, and self-consistent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

import nist_schema
from conftest import EXAMPLES, mazhilis_example, run_cli
from saylau import spec
from saylau.publish import nist
from saylau.results import evaluate
from saylau.simulate import simulate

GENERATED = datetime(2023, 3, 20, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def results():
    return evaluate(spec.load(EXAMPLES / "kz-2023"))


@pytest.fixture(scope="module")
def document(results):
    return nist.export(results, generated=GENERATED)


def _contest(document, contest_id):
    return next(c for c in document["Election"][0]["Contest"] if c["@id"] == f"contest-{contest_id}")


def _selection(contest, option):
    return next(s for s in contest["ContestSelection"] if s["@id"] == f"sel-{contest['@id'][8:]}-{option}")


def _count(selection, unit, kind="total"):
    return next(v["Count"] for v in selection["VoteCounts"] if v["GpUnitId"] == unit and v["Type"] == kind)


def test_the_export_validates_against_the_bundled_schema(document):
    assert nist_schema.problems(document) == []  # nist.validate's check, in 0.1 s rather than 40 s
    assert document["GeneratedDate"] == "2023-03-20T08:00:00Z"
    assert document["Status"] == "certified"  # every protocol of the example is final


def test_official_list_votes_and_against_all_for_the_country(document):
    contest = _contest(document, "mazhilis-list")
    assert contest["@type"] == "ElectionResults.PartyContest"
    assert contest["ElectionDistrictId"] == "ru-KZ"
    assert _count(_selection(contest, "amanat"), "ru-KZ") == 3_431_510
    assert _count(_selection(contest, "baytaq"), "ru-KZ") == 146_431
    against = _selection(contest, "against_all")
    assert against["@type"] == "ElectionResults.BallotMeasureSelection"
    assert _count(against, "ru-KZ") == 248_291
    # every region has its count, and the regions add up to the country
    regions = [u["@id"] for u in document["GpUnit"] if u.get("OtherType") == "region"]
    assert len(regions) == 20
    assert sum(_count(_selection(contest, "amanat"), r) for r in regions) == 3_431_510


def test_the_mazhilis_list_contest_elects_69(document):
    contest = _contest(document, "mazhilis-list")
    seats = {s["@id"]: _count(s, "ru-KZ", "seats") for s in contest["ContestSelection"] if "PartyIds" in s}
    assert sum(seats.values()) == 69
    assert seats["sel-mazhilis-list-amanat"] == 40
    assert seats["sel-mazhilis-list-baytaq"] == 0
    ids = {e["OtherType"]: e["Value"] for e in contest["ExternalIdentifier"]}
    assert ids["number-elected"] == "69"


def test_districts_are_candidate_contests_with_their_winner(document, results):
    districts = [c for c in document["Election"][0]["Contest"] if c["@type"].endswith("CandidateContest")]
    assert len(districts) == 29 + 3_081  # the Mazhilis' and the maslikhats'
    assert all(c["NumberElected"] == 1 and c["VotesAllowed"] == 1 for c in districts)
    status = {c["@id"]: c.get("PostElectionStatus") for c in document["Election"][0]["Candidate"]}
    winners = [r.outcome.winner for r in results.contests if r.outcome is not None]
    assert len(winners) == 29 + 3_081
    assert all(status[f"cand-{w}"] == "winner" for w in winners)
    assert sum(1 for s in status.values() if s == "winner") == 29 + 3_081


def test_territory_tree_down_to_polling_stations(document):
    units = {u["@id"]: u for u in document["GpUnit"]}
    country = units["ru-KZ"]
    assert country["Type"] == "country"
    assert country["VotersRegistered"] == 12_035_578
    assert country["VotersParticipated"] == 6_521_860
    assert len(country["ComposingGpUnitIds"]) == 20
    stations = [u for u in units.values() if u["Type"] == "precinct"]
    assert len(stations) == 10_418
    # every station is composed into exactly one commission
    composed = [
        i for u in units.values() if u.get("OtherType") == "district" for i in u["ComposingGpUnitIds"]
    ]
    assert sorted(composed) == sorted(u["@id"] for u in stations)


def test_every_id_is_unique_and_every_reference_resolves(document):
    ids: list[str] = []
    refs: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@id":
                    ids.append(value)
                elif key.endswith("Ids"):
                    refs.extend(value)
                elif key.endswith("Id") and key != "VendorApplicationId":
                    refs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert len(ids) == len(set(ids))
    assert len(refs) > 20_000  # GpUnit composition, vote counts, party and candidate links
    assert set(refs) <= set(ids)
    assert nist.reference_problems(document) == []


@pytest.fixture(scope="module")
def small_document(tmp_path_factory):
    """A synthetic election of 60 stations with two districts: quick to validate many times over."""
    folder = tmp_path_factory.mktemp("small")
    simulate(60, folder, seed=3, parties=4, regions=2, districts=2, seats=10)
    return nist.export(evaluate(spec.load(folder)), generated=GENERATED)


def test_validate_reports_a_wrong_type_and_a_dangling_reference(small_document):
    document = small_document
    assert nist.validate(document) == []
    broken = copy.deepcopy(document)
    broken["SequenceStart"] = "one"
    problems = nist.validate(broken)
    assert any(p.startswith("SequenceStart:") and "integer" in p for p in problems)

    broken = copy.deepcopy(document)
    broken["Election"][0]["ElectionScopeId"] = "ru-nowhere"
    broken["Party"].append(copy.deepcopy(broken["Party"][0]))
    problems = nist.validate(broken)
    assert any("ElectionScopeId" in p and "ru-nowhere" in p for p in problems)
    assert any(f"duplicate @id {broken['Party'][0]['@id']!r}" in p for p in problems)


def test_the_quick_check_of_whole_exports_finds_what_validate_finds(small_document):
    """tests/nist_schema.py (jsonschema_rs) checks the whole-day exports in nist.validate's place:
    on a valid document both find nothing; on each broken one both find a problem at the same
    places (a wrong type, a missing property, an unknown one, a word outside an enum and a
    count written as text deep in a contest, a dangling reference, a duplicate @id)."""
    assert nist_schema.problems(small_document) == nist.validate(small_document) == []
    breaks = [
        lambda d: d.update(SequenceStart="one"),
        lambda d: d.pop("Format"),
        lambda d: d["GpUnit"][0].update(Unknown=1),
        lambda d: d["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0].update(Type="x"),
        lambda d: d["Election"][0]["Contest"][-1]["ContestSelection"][0]["VoteCounts"][0].update(Count="1"),
        lambda d: d["Election"][0].update(ElectionScopeId="ru-nowhere"),
        lambda d: d["Party"].append(copy.deepcopy(d["Party"][0])),
    ]
    for i, brk in enumerate(breaks):
        broken = copy.deepcopy(small_document)
        brk(broken)
        slow, quick = nist.validate(broken), nist_schema.problems(broken)
        assert slow and quick, i
        assert {p.split(": ")[0] for p in slow} == {p.split(": ")[0] for p in quick}, (i, slow, quick)


def test_cli_export_nist_writes_the_same_document(tmp_path):
    """What the command writes is :func:`nist.export` of the definition's results, on the Mazhilis
    cut: the same code path as the whole day's, whose document the tests above check, without
    loading, counting and comparing its 26 MB again (4 s)."""
    cut = mazhilis_example()
    document = nist.export(evaluate(spec.load(cut)), generated=GENERATED)
    out = tmp_path / "kz.json"
    proc = run_cli("export", str(cut), "--format", "nist", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    written["GeneratedDate"] = document["GeneratedDate"]
    assert written == json.loads(json.dumps(document))  # so it validates as the document does


def test_cli_missing_source_is_one_line_and_exit_2(tmp_path):
    for args in (
        ("export", str(tmp_path / "nowhere"), "--format", "nist"),
        ("press", str(tmp_path / "nowhere")),
    ):
        proc = run_cli(*args)
        assert proc.returncode == 2
        assert proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and "nowhere" in lines[0]


def test_every_body_is_an_office_with_its_area_and_its_seats_by_party(document, results):
    """The Mazhilis and the 223 maslikhats: each party's seats as the results' ``bodies``."""
    offices = {o["@id"]: o for o in document["Office"]}
    assert len(offices) == len(results.election.bodies) == 224
    maslikhat_seats = 0
    for body in results.election.bodies:
        ids = offices[f"office-{body.id}"]["ExternalIdentifier"]
        won = {i["Label"]: int(i["Value"]) for i in ids if i["OtherType"] == "seats-won"}
        expected = {
            (p if p == "self-nominated" else f"party-{p}"): n for p, n in results.bodies[body.id].items() if n
        }
        assert won == expected, body.id
        assert list(won.values()) == sorted(won.values(), reverse=True)
        assert sum(won.values()) == body.seats - results.vacant[body.id]
        assert [int(i["Value"]) for i in ids if i["OtherType"] == "seats"] == [body.seats]
        maslikhat_seats += sum(won.values()) if body.id != "mazhilis" else 0
    assert maslikhat_seats == 3_415
    assert offices["office-mazhilis"]["ElectionDistrictId"] == "ru-KZ"
    assert offices["office-astana-maslikhat"]["ElectionDistrictId"] == "ru-KZ-71"
    assert offices["office-kz-63-12-maslikhat"]["ElectionDistrictId"] == "ru-KZ-63-12"
    bodies = {
        c["@id"]: next(i["Value"] for i in c["ExternalIdentifier"] if i["OtherType"] == "saylau-body-id")
        for c in document["Election"][0]["Contest"]
    }
    assert bodies["contest-mazhilis-list"] == "mazhilis"
    assert {f"office-{b}" for b in bodies.values()} == set(offices)
    for c in document["Election"][0]["Contest"]:
        if c["@type"].endswith("CandidateContest"):
            assert c["OfficeIds"] == [f"office-{bodies[c['@id']]}"]
