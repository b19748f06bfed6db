"""A station's number and address in stations.csv (issue 16 item 6): read alike by the row reader
and the column reader (equal stations, down to the fields each holds), refused alike with the
file and line, and free when absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_definition_speed import outcome, same_stations

from saylau import spec
from saylau.definition import columns
from saylau.model import NO_NAMES, Election, Station

TINY = Path(__file__).parent / "data" / "tiny"
HEADER = "id,territory,registered,district"
ROWS = ["S1,R1,1000,d1", "S2,R1,500,d1", "S3,R2,800,d2", "S4,R2,700,d2"]


def definition(header: str, cells: list[str]) -> spec.Files:
    """The tiny definition with stations.csv's rows given these extra columns."""
    files = spec.Files(TINY).snapshot()
    lines = [HEADER + header] + [row + extra for row, extra in zip(ROWS, cells, strict=True)]
    files["stations.csv"] = ("\n".join(lines) + "\n").encode()
    return spec.Files(data=files)


def both(files: spec.Files) -> object:
    """What both readers make of ``files``, after checking they make the same."""
    fast, took = outcome(files, "columns")
    slow, _ = outcome(files, "rows")
    assert fast == slow
    if isinstance(slow, Election):
        assert took["stations"] is True  # a clean file: the column reader took it
        same_stations(fast, slow)  # type: ignore[arg-type]
    else:
        assert took.get("stations") is not True  # the row reader said why, or none read it
    return slow


def test_numbers_and_addresses_are_read_alike() -> None:
    found = both(
        definition(
            ",number,address_ru,address_en",
            [',1,"ул. Абая, 12",12 Abai St', ",12А,,", ', 007 ,"пр. Республики, 3",', ",,,"],
        )
    )
    assert isinstance(found, Election)
    s1, s2, s3, s4 = found.stations
    assert (s1.number, dict(s1.address)) == ("1", {"ru": "ул. Абая, 12", "en": "12 Abai St"})
    assert (s2.number, s2.address) == ("12А", {})
    assert (s3.number, dict(s3.address)) == ("007", {"ru": "пр. Республики, 3"})  # as written, stripped
    assert (s4.number, s4.address) == (None, {})


def test_only_some_languages_and_no_number_column() -> None:
    found = both(definition(",address_kk", [',"Абай даңғылы, 1"', ",", ",Достық көшесі", ","]))
    assert isinstance(found, Election)
    assert [dict(s.address) for s in found.stations] == [
        {"kk": "Абай даңғылы, 1"},
        {},
        {"kk": "Достық көшесі"},
        {},
    ]
    assert all(s.number is None for s in found.stations)


def test_without_the_columns_a_station_holds_no_field_for_them() -> None:
    """A million stations without numbers or addresses cost what they did before these existed."""
    found = both(definition("", [""] * 4))
    assert isinstance(found, Election)
    for s in found.stations:
        assert "number" not in vars(s) and "address" not in vars(s)
        assert s.number is None and s.address is NO_NAMES and s.address == {}
    assert found.stations[0] == Station("S1", "R1", 1000, {"district": "d1"})


@pytest.mark.parametrize(
    "bad",
    ["12 А", "-1", "12AB", "A12", "１２", "1.5", "12/1", "00000000001", "№12", "12\u200b"],
)
def test_a_number_in_another_form_is_refused_at_its_line(bad: str) -> None:
    problems = both(definition(",number", [",1", f",{bad}", ",3", ",4"]))
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0].startswith("stations.csv:3: number: station S2: expected a station number")
    assert repr(bad) in problems[0]


def test_an_address_in_a_language_the_site_does_not_speak_is_refused() -> None:
    problems = both(definition(",address_de", [",Hauptstraße 1", ",", ",", ","]))
    assert problems == [
        "stations.csv:1: address_de: unknown column 'address_de' (did you mean 'address_en'?); "
        "the columns are id, territory, registered, district, kind, number, address_kk, address_ru, "
        "address_en"
    ]


@pytest.mark.parametrize("column", ["adress_ru", "Number", "comment"])
def test_a_column_saylau_does_not_read_is_refused_not_ignored(column: str) -> None:
    """A misspelt optional column would otherwise read as absent: no address, no number."""
    problems = both(definition(f",{column}", [",x", ",", ",", ","]))
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0].startswith(f"stations.csv:1: {column}: unknown column {column!r}")
    assert problems[0].endswith(
        "the columns are id, territory, registered, district, kind, number, address_kk, address_ru, "
        "address_en"
    )


@pytest.mark.parametrize("column", ["number", "address_ru"])
def test_a_district_column_cannot_take_a_station_field_s_name(tmp_path: Path, column: str) -> None:
    files = spec.Files(TINY).snapshot()
    files["election.toml"] = files["election.toml"].replace(
        b'station_column = "district"', f'station_column = "{column}"'.encode()
    )
    files["stations.csv"] = files["stations.csv"].replace(b",district\n", f",{column}\n".encode(), 1)
    problems = both(spec.Files(data=files))
    assert isinstance(problems, list)
    assert any("station_column" in p and "a station's number or address" in p for p in problems), problems


def test_the_column_reader_is_still_plain() -> None:
    """The fast path (no __init__ per station) is on: Station is laid out as _make expects."""
    assert columns._PLAIN_STATION
