"""saylau.copies.files: a file of observers' copies read, or refused whole with a precise message."""

from __future__ import annotations

import gzip

import pytest

from saylau.copies.files import read_copies
from saylau.copies.model import CopyIn
from saylau.errors import InputError

LINES = ("registered", "issued", "found", "invalid", "against_all")
OPTIONS = ("amanat", "auyl", "respublica")
NAME = "copies.csv"


def read(text: str | bytes, **kw: object) -> list[CopyIn]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    args: dict[str, object] = {"name": NAME, "contest": "mazhilis-list", "lines": LINES, "options": OPTIONS}
    args.update(kw)
    return read_copies(data, **args)  # type: ignore[arg-type]


def refused(text: str | bytes, **kw: object) -> InputError:
    with pytest.raises(InputError) as e:
        read(text, **kw)
    return e.value


GOOD = (
    "station,registered,issued,found,invalid,against_all,amanat,auyl,respublica,note\n"
    "KZ-1,904,616,616,19,21,362,55,159,\n"
    "KZ-2,1398,737,,22,26,345,82,262,photo blurred at found\n"
    "KZ-1,904,616,616,19,21,362,55,159,second observer\n"
)


def test_a_good_file() -> None:
    copies = read(GOOD)
    assert [c.station for c in copies] == ["KZ-1", "KZ-2", "KZ-1"]
    first, second, third = copies
    assert first == CopyIn(
        "KZ-1",
        "mazhilis-list",
        {"registered": 904, "issued": 616, "found": 616, "invalid": 19, "against_all": 21},
        {"amanat": 362, "auyl": 55, "respublica": 159},
        where="copies.csv line 2",
        note=None,
    )
    # a blank cell is "not given": left out, never 0
    assert "found" not in second.lines and second.lines["issued"] == 737
    assert second.note == "photo blurred at found" and second.where == "copies.csv line 3"
    assert third.note == "second observer" and third.where == "copies.csv line 4"


def test_any_subset_of_columns_in_any_order_and_no_note() -> None:
    copies = read("auyl,station,amanat\n5,S1,7\n,S2,0\n")
    assert [(c.station, dict(c.lines), dict(c.votes), c.note) for c in copies] == [
        ("S1", {}, {"auyl": 5, "amanat": 7}, None),
        ("S2", {}, {"amanat": 0}, None),
    ]


def test_gzip_and_bom_and_crlf() -> None:
    plain = read(GOOD)
    assert read(gzip.compress(GOOD.encode("utf-8"))) == plain
    assert read("\ufeff" + GOOD) == plain
    assert read(GOOD.replace("\n", "\r\n")) == plain
    assert read(gzip.compress(("\ufeff" + GOOD).encode("utf-8"))) == plain


def test_header_only_gives_no_copies_and_empty_lines_are_skipped() -> None:
    assert read("station,amanat\n") == []
    copies = read("station,amanat\n\nS1,4\n\n")
    assert [(c.station, c.where) for c in copies] == [("S1", "copies.csv line 3")]


def test_line_numbers_are_physical_lines_with_quoted_newlines() -> None:
    text = 'station,amanat,note\nS1,4,"two\nlines"\nS2,x,\n'
    assert read(text.replace(",x,", ",5,"))[1].where == "copies.csv line 4"
    assert str(refused(text)) == (
        "copies.csv line 4, column amanat: 'x' is not a count: "
        "a count is a whole number >= 0 written in digits"
    )


def test_not_utf8() -> None:
    e = refused(b"station,amanat\nS1,4\n" + "Ақмола,5\n".encode("cp1251", errors="replace"))
    assert e.where == "copies.csv line 3"
    assert "not UTF-8 text" in str(e) and "save the file as UTF-8" in str(e)


def test_not_gzip_after_all() -> None:
    e = refused(b"\x1f\x8bnot really gzip")
    assert e.where == NAME and "not a readable gzip file" in str(e)


@pytest.mark.parametrize("text", ["", "\n", "\ufeff", " , \n"])
def test_empty_file_or_no_header(text: str) -> None:
    e = refused(text)
    assert str(e) == (
        "copies.csv line 1: the file is empty: "
        "expected a header row naming the columns, starting with 'station'"
    )


def test_no_station_column() -> None:
    assert str(refused("amanat,auyl\n1,2\n")) == (
        "copies.csv line 1: no 'station' column: the header must name the station of each copy"
    )


def test_no_figure_column() -> None:
    assert str(refused("station,note\nS1,hi\n")) == (
        "copies.csv line 1: no line or option column: a copy of mazhilis-list gives at least one figure"
    )


def test_unknown_column_says_did_you_mean_and_lists_the_columns() -> None:
    e = refused("station,amanta\nS1,4\n")
    assert e.where == "copies.csv line 1"
    assert str(e) == (
        "copies.csv line 1: unknown column 'amanta': did you mean 'amanat'? A copy of mazhilis-list "
        "has the columns 'station', 'note', the form's lines (registered, issued, found, invalid, "
        "against_all) and the options (amanat, auyl, respublica)"
    )
    # nothing close: no guess, the list only
    assert "did you mean" not in str(refused("station,zzz\nS1,4\n"))
    # a station column spelled otherwise is not taken for one
    assert "did you mean 'station'?" in str(refused("Station,amanat\nS1,4\n"))


def test_unknown_column_of_a_long_ballot_gives_the_counts() -> None:
    options = tuple(f"party-{k}" for k in range(40))
    e = refused("station,party-17x\nS1,4\n", options=options)
    assert "unknown column 'party-17x': did you mean 'party-17'?" in str(e)
    assert str(e).endswith("the form's 5 lines and the contest's 40 options")


def test_a_column_twice_or_nameless() -> None:
    assert str(refused("station,amanat,auyl,amanat\nS1,1,2,3\n")) == (
        "copies.csv line 1: column 'amanat' twice (columns 2 and 4)"
    )
    assert (
        str(refused("station,,amanat\nS1,1,2\n")) == "copies.csv line 1: column 2 of the header has no name"
    )


def test_a_column_both_line_and_option_is_refused() -> None:
    e = refused("station,x\nS1,1\n", lines=("x",), options=("x", "y"))
    assert "column 'x' is both a line of the form and an option of mazhilis-list" in str(e)


@pytest.mark.parametrize("row", ["S1,1", "S1,1,2,3"])
def test_a_row_of_another_width(row: str) -> None:
    cells = row.count(",") + 1
    assert str(refused(f"station,amanat,auyl\nS0,1,2\n{row}\n")) == (
        f"copies.csv line 3: {cells} cells where the header has 3 columns"
    )


@pytest.mark.parametrize("station", ["", "   "])
def test_a_blank_station(station: str) -> None:
    e = refused(f"station,amanat\nS1,1\n{station},2\n")
    assert e.where == "copies.csv line 3, column station"
    assert str(e) == "copies.csv line 3, column station: the station is blank"


@pytest.mark.parametrize("text", ["12.5", "-3", "1e3", "abc", "+4", "1 000", "٣", "²"])
def test_a_figure_that_is_not_a_count(text: str) -> None:
    e = refused(f'station,registered,amanat\nS1,10,4\nS2,10,"{text}"\n')
    assert e.where == "copies.csv line 3, column amanat"
    assert str(e) == (
        f"copies.csv line 3, column amanat: {text!r} is not a count: "
        "a count is a whole number >= 0 written in digits"
    )


def test_figures_at_and_above_the_absurd_bound() -> None:
    assert read("station,amanat\nS1,1000000000000\nS2, 007 \n")[0].votes == {"amanat": 10**12}
    assert read("station,amanat\nS2, 007 \n")[0].votes == {"amanat": 7}
    e = refused("station,amanat\nS1,1000000000001\n")
    assert str(e) == (
        "copies.csv line 2, column amanat: "
        "1000000000001 is not a possible count (more than 1,000,000,000,000)"
    )
    assert "not a possible count" in str(refused("station,amanat\nS1," + "9" * 5000 + "\n"))


def test_a_copy_without_any_figure() -> None:
    assert str(refused("station,amanat,note\nS1,,not posted\n")) == (
        "copies.csv line 2: the copy of station S1 gives no figure: every line and option is blank"
    )


def test_the_note() -> None:
    assert read("station,amanat,note\nS1,1," + "я" * 500 + "\n")[0].note == "я" * 500
    e = refused("station,amanat,note\nS1,1," + "я" * 501 + "\n")
    assert str(e) == (
        "copies.csv line 2, column note: the note has 501 characters; at most 500 are kept with a copy"
    )


def test_bad_csv_quoting() -> None:
    e = refused('station,amanat\nS1,"4\n')
    assert e.where == "copies.csv line 2" and "not valid CSV" in str(e)
    e = refused('station,amanat\nS1,"4"x\n')
    assert e.where == "copies.csv line 2" and "not valid CSV" in str(e)
