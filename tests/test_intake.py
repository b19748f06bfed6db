"""Protocol intake: good files in every format, and a corpus of bad ones, each with its precise error.

The bad files are in tests/data/bad/, made for the tiny election of tests/data/tiny
(contest council-list: parties a and b; districts d1 = S1, S2 and d2 = S3, S4).
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from saylau import spec
from saylau.errors import DefinitionError
from saylau.intake import (
    Limits,
    MappingError,
    Reject,
    RowProblem,
    load_mapping,
    read_protocols,
    read_sent,
    write_rejects,
)
from saylau.intake.rejects import BOUND, DUPLICATE, RELATION, UNKNOWN_STATION
from saylau.model import Election, Protocol
from saylau.protocols import KZ_FORM, available_forms, load_form, violations

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
BAD = DATA / "bad"
GOOD = TINY / "protocols" / "council-list.csv"


@pytest.fixture(scope="module")
def tiny() -> Election:
    return spec.load(TINY)


def council(election: Election) -> list[Protocol]:
    return [p for p in election.protocols if p.contest == "council-list"]


# -- good files -------------------------------------------------------------------------------


def test_a_good_file_reads_as_the_definition_does(tiny: Election) -> None:
    intake = read_protocols(GOOD, tiny, contest="council-list")
    assert intake.ok and intake.rows == 4
    assert intake.protocols == council(tiny)
    assert intake.form is KZ_FORM


def test_json_a_list_or_an_object_with_protocols(tiny: Election, tmp_path: Path) -> None:
    with GOOD.open(encoding="utf-8") as f:
        rows = [{k: (v if k == "station" else int(v)) for k, v in row.items()} for row in csv.DictReader(f)]
    (tmp_path / "list.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "object.json").write_text(json.dumps({"protocols": rows}), encoding="utf-8")
    for name in ("list.json", "object.json"):
        intake = read_protocols(tmp_path / name, tiny, contest="council-list")
        assert intake.ok and intake.protocols == council(tiny), intake.problems


def test_zipped_and_gzipped_csv(tiny: Election, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "council.csv.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(GOOD, "council-list.csv")
    (tmp_path / "council.csv.gz").write_bytes(gzip.compress(GOOD.read_bytes()))
    for name in ("council.csv.zip", "council.csv.gz"):
        intake = read_protocols(tmp_path / name, tiny, contest="council-list")
        assert intake.ok and intake.protocols == council(tiny), intake.problems


def test_a_byte_order_mark_and_spaces_around_numbers_are_fine(tiny: Election, tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8").replace(",600,", ", 600 ,", 1)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    intake = read_protocols(tmp_path / "bom.csv", tiny, contest="council-list")
    assert intake.ok and intake.protocols == council(tiny)


def test_progress_is_reported(tiny: Election) -> None:
    seen: list[int] = []
    read_protocols(GOOD, tiny, contest="council-list", progress=seen.append)
    assert seen == [4]


def test_a_mapping_renames_columns_builds_the_station_and_ignores(tiny: Election, tmp_path: Path) -> None:
    rows = list(csv.reader(GOOD.open(encoding="utf-8")))
    header = [
        "prefix",
        "number",
        "Voters",
        "Received",
        "Issued",
        "Mobile",
        "Unused",
        "Found",
        "Invalid",
        "Против всех",  # the form's own title of the line: needs no entry
        "Party A",
        "b",  # an option id: needs no entry
        "url",
    ]
    with (tmp_path / "renamed.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows[1:]:
            w.writerow([row[0][0], row[0][1:], *row[1:], "http://example.org"])
    (tmp_path / "map.toml").write_text(
        """form = "kz"
contest = "council-list"
station = "{prefix}{number}"
ignore = ["url"]
[lines]
registered = "Voters"
received = "Received"
issued = "Issued"
issued_mobile = "Mobile"
unused = "Unused"
found = "Found"
invalid = "Invalid"
[options]
a = "Party A"
""",
        encoding="utf-8",
    )
    mapping = load_mapping(tmp_path / "map.toml")
    intake = read_protocols(tmp_path / "renamed.csv", tiny, mapping=mapping)
    assert intake.ok, intake.problems
    assert intake.protocols == council(tiny)


def test_a_contest_column_holds_several_contests(tiny: Election) -> None:
    intake = read_protocols(BAD / "contests.csv", tiny)
    assert [(p.station, p.contest, p.votes) for p in intake.protocols] == [
        ("S1", "council-list", {"a": 400, "b": 170}),
        ("S1", "d1", {"c1": 300, "c2": 270}),
    ]
    assert [r.problems for r in intake.rejects] == [
        ["contests.csv:4: station S2: votes for an option not on the ballot of contest 'd1'"],
        ["contests.csv:5: station S2: unknown contest 'nope'"],
    ]


# -- bad rows: rejected with the station, the line and the reason ------------------------------


BAD_ROWS = [
    (
        "relation-received.csv",
        [
            "relation-received.csv:2: station S1: received = issued + unused does not hold: "
            "received 1001, issued 600 + unused 400 = 1000"
        ],
    ),
    (
        "relation-registered.csv",
        [
            # the bound of saylau.bounds (more ballots than the list), then the form's relation
            "relation-registered.csv:2: station S2: issued: 600 is more than 500, the most ballots the "
            "station's list allows (the election declares no voters added or removed on the day "
            "([voter_lists]))",
            "relation-registered.csv:2: station S2: issued <= registered does not hold: "
            "issued 600, registered 500",
        ],
    ),
    (
        "relation-mobile.csv",
        [
            "relation-mobile.csv:2: station S1: issued_mobile <= issued does not hold: "
            "issued_mobile 700, issued 600"
        ],
    ),
    (
        "relation-found-issued.csv",
        ["relation-found-issued.csv:2: station S3: found <= issued does not hold: found 401, issued 400"],
    ),
    (
        "relation-found-valid.csv",
        [
            "relation-found-valid.csv:3: station S2: found = invalid + valid does not hold: "
            "found 300, invalid 5 + valid 296 = 301"
        ],
    ),
    ("negative.csv", ["negative.csv:2: station S1: invalid: negative count -10"]),
    (
        "non-integer.csv",
        [
            "non-integer.csv:2: station S1: issued: not a whole number: '600.5'",
            "non-integer.csv:3: station S2: against_all: empty; expected a whole number >= 0",
            "non-integer.csv:4: station S3: b: not a whole number: 'двести'",
        ],
    ),
    (
        "unknown-station.csv",
        ["unknown-station.csv:3: station S9: unknown station: not a station of election 'tiny'"],
    ),
    (
        "duplicated.csv",
        [
            "duplicated.csv:2: station S1: duplicated row: line 4 has the same station and contest",
            "duplicated.csv:4: station S1: duplicated row: the same station and contest as line 2",
        ],
    ),
    ("wrong-fields.csv", ["wrong-fields.csv:3: station S2: the row has 12 fields, the header has 11"]),
    (
        "items.json",
        [
            "items.json: item 2: expected an object of column: value",
            "items.json: item 3: station S3: b: not a whole number: '200.5'",
        ],
    ),
]


@pytest.mark.parametrize(("name", "expected"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_are_rejected_with_their_reason(tiny: Election, name: str, expected: list[str]) -> None:
    intake = read_protocols(BAD / name, tiny, contest="council-list")
    assert intake.problems == []
    assert [p for r in intake.rejects for p in r.problems] == expected
    rejected = {r.station for r in intake.rejects}
    assert all(p.station not in rejected for p in intake.protocols)
    assert len(intake.protocols) + len(intake.rejects) == intake.rows


def test_a_station_outside_the_contest(tiny: Election) -> None:
    intake = read_protocols(BAD / "wrong-district.csv", tiny, contest="d1")
    assert [p.station for p in intake.protocols] == ["S1"]
    assert intake.rejects[0].problems == [
        "wrong-district.csv:3: station S3: the station does not vote in contest 'd1'"
    ]


def test_a_reject_keeps_the_row_and_the_protocol_it_could_read(tiny: Election) -> None:
    intake = read_protocols(BAD / "relation-found-valid.csv", tiny, contest="council-list")
    (reject,) = intake.rejects
    assert reject.line == 3 and reject.station == "S2"
    assert reject.row["b"] == "91" and reject.row["station"] == "S2"
    assert reject.protocol is not None and reject.protocol.votes == {"a": 200, "b": 91}


def test_a_reject_says_why_as_data(tiny: Election) -> None:
    """What the upload route answers with, read from values rather than from the sentences."""
    (reject,) = read_protocols(BAD / "relation-registered.csv", tiny, contest="council-list").rejects
    assert (reject.where, reject.station, reject.contest) == (
        "relation-registered.csv:2",
        "S2",
        "council-list",
    )
    bound, relation = reject.reasons
    assert (bound.code, bound.field, bound.bound) == (BOUND, "issued", 500)
    assert dict(bound.figures) == {"issued": 600}
    assert (relation.code, relation.relation) == (RELATION, "issued <= registered")
    assert dict(relation.figures) == {"issued": 600, "registered": 500}
    assert reject.problems == [f"relation-registered.csv:2: station S2: {r.detail}" for r in reject.reasons]

    rejects = read_protocols(BAD / "duplicated.csv", tiny, contest="council-list").rejects
    assert [(r.line, [p.code for p in r.reasons]) for r in rejects] == [(2, [DUPLICATE]), (4, [DUPLICATE])]
    (unknown,) = read_protocols(BAD / "unknown-station.csv", tiny, contest="council-list").rejects
    assert [(p.code, p.field) for p in unknown.reasons] == [(UNKNOWN_STATION, "station")]
    (first, second) = read_protocols(BAD / "items.json", tiny, contest="council-list").rejects
    assert (first.where, first.station, first.row) == ("items.json: item 2", "", {"item": '"S2"'})
    assert [p.detail for p in first.reasons] == ["expected an object of column: value"]
    assert (second.reasons[0].code, second.reasons[0].field) == ("count", "votes.b")


def test_a_file_sent_as_bytes_reads_as_the_same_file_on_disk(tiny: Election) -> None:
    data = GOOD.read_bytes()
    sent = read_sent("from-the-officer.csv.gz", gzip.compress(data), tiny, contest="council-list")
    assert sent.ok and sent.protocols == council(tiny)
    bad = read_sent("mine.csv", (BAD / "relation-received.csv").read_bytes(), tiny, contest="council-list")
    assert bad.rejects[0].problems[0].startswith("mine.csv:2: station S1: received = issued + unused")
    # the sender's name is for messages only: no contest is guessed from it, unlike a file's on disk
    assert read_sent("council-list.csv", data, tiny).problems == [
        "council-list.csv: which contest? The file has no 'contest' column and the election has 3 contests "
        "(council-list, d1, d2): name one"
    ]
    assert read_sent("notes.txt", b"x", tiny).problems == [
        "notes.txt: unknown kind of file; expected one of .csv, .csv.gz, .csv.zip, .zip, .json, .json.gz"
    ]
    assert read_sent("big.csv", data, tiny, contest="council-list", limits=Limits(max_bytes=10)).problems == [
        f"big.csv: {len(data):,} bytes, more than the limit of 10; refused without reading it"
    ]


# -- bad files: refused as a whole, in one line ------------------------------------------------


BAD_FILES = [
    ("empty.csv", "empty.csv: the file is empty"),
    (
        "cp1251.csv",
        "cp1251.csv:3: not UTF-8 text (byte 0xd1 at offset 128 cannot be decoded); "
        "save the file as UTF-8 and send it again",
    ),
    (
        "truncated.csv.zip",
        "truncated.csv.zip: not a readable zip file: truncated or damaged (File is not a zip file)",
    ),
    (
        "truncated.csv.gz",
        "truncated.csv.gz: truncated or damaged gzip file "
        "(Compressed file ended before the end-of-stream marker was reached)",
    ),
    ("truncated.json", "truncated.json: the file is truncated: the JSON text stops before its end"),
    ("not-a-list.json", 'not-a-list.json: expected a list of protocol objects, or {"protocols": [...]}'),
    (
        "unknown-party.csv",
        "unknown-party.csv:1: unknown column 'c': not a line of form 'kz', nor a party or candidate "
        "of the contest (a, b), nor ignored by the mapping",
    ),
    ("missing-line.csv", "missing-line.csv:1: missing column 'found' (a required line of form 'kz')"),
]


@pytest.mark.parametrize(("name", "expected"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_are_refused_with_one_line(tiny: Election, name: str, expected: str) -> None:
    intake = read_protocols(BAD / name, tiny, contest="council-list")
    assert intake.problems == [expected]
    assert intake.protocols == [] and intake.rejects == []


def test_a_truncated_csv_keeps_its_whole_rows_and_says_it_was_cut(tiny: Election) -> None:
    intake = read_protocols(BAD / "truncated.csv", tiny, contest="council-list")
    assert intake.problems == ["truncated.csv:4: the file is truncated: its last row has 6 of 11 fields"]
    assert [p.station for p in intake.protocols] == ["S1", "S2"]
    assert intake.rejects == [] and not intake.ok


def test_an_unclosed_quote_at_the_end_is_a_truncated_file(tiny: Election, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(GOOD.read_text(encoding="utf-8") + 'S9,"10', encoding="utf-8")
    intake = read_protocols(path, tiny, contest="council-list")
    assert intake.problems == ["quote.csv:6: the file is truncated: its last row is cut off"]
    assert len(intake.protocols) == 4


def test_an_oversized_file_is_refused_by_its_size_without_reading_it(tiny: Election, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(3 * 1024**3)  # sparse: 3 GiB on paper, nothing on disk
    started = time.perf_counter()
    intake = read_protocols(big, tiny, contest="council-list")
    assert time.perf_counter() - started < 1
    assert intake.problems == [
        "big.csv: 3,221,225,472 bytes, more than the limit of 268,435,456; refused without reading it"
    ]


def test_a_zip_too_large_once_decompressed_is_refused(tiny: Election, tmp_path: Path) -> None:
    path = tmp_path / "bomb.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("council-list.csv", GOOD.read_text(encoding="utf-8") * 50)
    assert path.stat().st_size < 1000
    intake = read_protocols(path, tiny, contest="council-list", max_bytes=1000)
    size = len(GOOD.read_bytes()) * 50
    assert intake.problems == [
        f"bomb.csv.zip: council-list.csv is {size:,} bytes once decompressed, more than the limit of 1,000; "
        "refused without reading it"
    ]


def test_other_refusals(tiny: Election, tmp_path: Path) -> None:
    def problems(path: Path, **kw: object) -> list[str]:
        return read_protocols(path, tiny, **kw).problems  # type: ignore[arg-type]

    assert problems(tmp_path / "nothing.csv", contest="d1") == [
        f"nothing.csv: file not found ({tmp_path / 'nothing.csv'})"
    ]
    assert problems(GOOD, contest="senate") == [
        "council-list.csv: unknown contest 'senate'; the election has council-list, d1, d2"
    ]
    assert problems(GOOD) == []  # protocols/<contest>.csv: the file's name says which contest
    unnamed = tmp_path / "protocols.csv"
    unnamed.write_bytes(GOOD.read_bytes())
    assert problems(unnamed) == [
        "protocols.csv: which contest? The file has no 'contest' column and the election has 3 contests "
        "(council-list, d1, d2): name one"
    ]
    (tmp_path / "votes.xlsx").write_bytes(b"PK\x03\x04")
    assert problems(tmp_path / "votes.xlsx") == [
        "votes.xlsx: unknown kind of file; expected one of .csv, .csv.gz, .csv.zip, .zip, .json, .json.gz"
    ]
    (tmp_path / "header.csv").write_text(GOOD.read_text(encoding="utf-8").splitlines()[0] + "\n")
    assert problems(tmp_path / "header.csv", contest="council-list") == [
        "header.csv: the file has a header but no rows"
    ]
    (tmp_path / "semicolons.csv").write_text("station;registered;received\nS1;1;1\n")
    assert problems(tmp_path / "semicolons.csv", contest="council-list") == [
        "semicolons.csv:1: the header has one column; the file seems to be separated by ';': "
        'set delimiter = ";" in the mapping'
    ]


def test_never_a_traceback_on_garbage(tiny: Election, tmp_path: Path) -> None:
    noise = bytes(range(256)) * 8
    for name in ("noise.csv", "noise.csv.gz", "noise.csv.zip", "noise.json"):
        (tmp_path / name).write_bytes(noise)
        intake = read_protocols(tmp_path / name, tiny, contest="council-list")
        assert len(intake.problems) == 1 and "\n" not in intake.problems[0], intake.problems


# -- mappings ---------------------------------------------------------------------------------


def test_mapping_errors_name_the_file_line_and_field() -> None:
    with pytest.raises(MappingError) as e:
        load_mapping(BAD / "bad-mapping.toml")
    where = BAD / "bad-mapping.toml"
    assert e.value.problems == [
        f"{where}:4: key 'columns' is not allowed at the top level (allowed: contest, contest_column, "
        "country, delimiter, form, ignore, levels, lines, note, options, station)",
        f"{where}:8: lines.spoiled: not a line of form 'kz'; its lines: registered, received, issued, "
        "issued_mobile, unused, found, invalid, against_all",
        f"{where}:9: lines.issued: column 'Voters' is already mapped by lines.registered",
        f"{where}:3: station: not a valid template (expected '}}' before end of string); "
        'e.g. "{region}|{tik}|{uik}"',
    ]


def test_a_mapping_that_names_what_is_not_there(tiny: Election, tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('contest = "council-list"\n[lines]\nfound = "Found"\n[options]\nz = "Z"\n')
    intake = read_protocols(GOOD, tiny, mapping=load_mapping(path))
    assert intake.problems == [
        f"council-list.csv:1: missing column 'Found' for line 'found' (named by {path}:3: lines.found)",
        f"{path}:5: options.z: no party or candidate 'z' in contest 'council-list'",
        "council-list.csv:1: unknown column 'found': not a line of form 'kz', nor a party or candidate "
        "of the contest (a, b), nor ignored by the mapping",
    ]


# -- rejects go back, are fixed, come back -----------------------------------------------------


def test_rejects_can_be_fixed_and_read_back(tiny: Election, tmp_path: Path) -> None:
    intake = read_protocols(BAD / "non-integer.csv", tiny, contest="council-list")
    out = tmp_path / "rejects.csv"
    assert write_rejects(intake.rejects, out) == 3
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == [*GOOD.read_text(encoding="utf-8").splitlines()[0].split(","), "errors"]
    empty = "non-integer.csv:3: station S2: against_all: empty; expected a whole number >= 0"
    assert rows[1]["errors"] == empty
    fixed = {"S1": {"issued": "600"}, "S2": {"against_all": "5"}, "S3": {"b": "200"}}
    for row in rows:
        row.update(fixed[row["station"]])
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    again = read_protocols(out, tiny, contest="council-list")
    assert again.ok, (again.problems, again.rejects)
    assert again.protocols == [p for p in council(tiny) if p.station in fixed]


def test_rejects_of_different_files_share_one_header(tmp_path: Path) -> None:
    rejects = [
        Reject(2, "S1", [RowProblem("count", "bad")], {"station": "S1", "a": "1"}, where="x.csv:2"),
        Reject(
            3,
            "S2",
            [RowProblem("count", "worse")],
            {"station": "S2", "b": "2", "errors": "old"},
            where="y.csv:3",
        ),
    ]
    write_rejects(rejects, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines() == [
        "station,a,b,errors",
        "S1,1,,x.csv:2: station S1: bad",
        "S2,,2,y.csv:3: station S2: worse",
    ]


# -- forms as data ----------------------------------------------------------------------------


def test_forms_are_data_files() -> None:
    assert set(available_forms()) >= {"kz", "ru-federal"}
    assert load_form("kz") is KZ_FORM and load_form("kz") is load_form("kz")
    ru = load_form("ru-federal")
    assert ru.lines[:3] == ("registered", "received", "issued_early")
    assert ru.titles["registered"] == "Число избирателей, внесенных в список избирателей"
    assert "certificates_received" not in ru.required and "lost" in ru.required
    assert ru.complete({"issued_early": 1, "issued_in_station": 2, "issued_outside": 3, "in_mobile_boxes": 3,
                        "in_stationary_boxes": 2}) == {
        "issued_early": 1, "issued_in_station": 2, "issued_outside": 3, "in_mobile_boxes": 3,
        "in_stationary_boxes": 2, "issued": 6, "found": 5,
    }  # fmt: skip


def test_a_russian_protocol_checked_against_its_form() -> None:
    ru = load_form("ru-federal")
    lines = {
        "registered": 1000, "received": 900, "issued_early": 0, "issued_in_station": 500,
        "issued_outside": 20, "cancelled": 379, "in_mobile_boxes": 20, "in_stationary_boxes": 500,
        "invalid": 10, "valid": 510, "lost": 0, "unaccounted": 0,
    }  # fmt: skip
    p = Protocol("x", "c", ru.complete(lines), {"a": 300, "b": 210})
    assert p.issued == 520 and p.found == 520
    assert violations(p, ru) == [
        "received = issued_early + issued_in_station + issued_outside + cancelled + lost - unaccounted "
        "does not hold: received 900, issued_early 0 + issued_in_station 500 + issued_outside 20 + "
        "cancelled 379 + lost 0 - unaccounted 0 = 899"
    ]


def test_a_broken_form_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "xx.toml"
    path.write_text(
        'id = "xx"\ntitle = "X"\n[[lines]]\nname = "a"\n[[relations]]\nrule = "a = b + c"\n', encoding="utf-8"
    )
    with pytest.raises(DefinitionError) as e:
        load_form(str(path))
    assert e.value.problems == [f"{path}:6: relations[0].rule: unknown line 'b'"]


def test_an_election_declares_its_form(tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    toml = tmp_path / "tiny" / "election.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('date = "2024-05-01"', 'date = "2024-05-01"\nform = "pl"'), encoding="utf-8")
    assert spec.check(tmp_path / "tiny") == [
        "election.toml:6: election.form: unknown protocol form 'pl'; expected one of il, kz, ru-federal"
    ]
    toml.write_text(text.replace('date = "2024-05-01"', 'date = "2024-05-01"\nform = "kz"'), encoding="utf-8")
    assert spec.check(tmp_path / "tiny") == []
