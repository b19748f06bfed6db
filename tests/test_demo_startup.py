"""``saylau demo`` starts from its files read once (issue: the whole ballot day's start-up).

The demo prints the results of the tables it stores (:func:`saylau.demo.load`: the protocol files
read as tables, no Python object per protocol) and creates its store from the very bytes it parsed
the definition from. These tests hold it to what the definition's own reader gives: the same
results document, the same protocols, and a file that does not pass still refused with the
reader's own message.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from conftest import mazhilis_example, whole_day
from saylau import demo, spec
from saylau.errors import DefinitionError
from saylau.model import Election
from saylau.protocol_table import tables_of
from saylau.results import as_json, evaluate
from saylau.tally import Tally


@pytest.fixture(scope="module")
def read() -> demo.Example:
    return demo.load()


@pytest.fixture(scope="module")
def full() -> Election:
    """The whole day as the definition's reader reads it (2-3 s): read once for the tests that
    only read it."""
    return whole_day()


def test_the_printed_results_are_those_of_the_definitions_reader(read, full):
    """The whole day's results from the tables equal those from the reader's 50,676 protocols,
    in every language (options in the same order, every figure the same)."""
    assert not read.election.protocols and len(full.protocols) == 50_676
    by_reader = evaluate(full)
    by_tables = evaluate(read.election, Tally(read.election).extend_tables(read.tables))
    for lang in ("en", "kk", "ru"):
        assert as_json(by_tables, lang) == as_json(by_reader, lang)
    assert demo.terminal_part(as_json(by_tables)) == demo.terminal_part(as_json(by_reader))


def test_the_tables_hold_the_readers_protocols(read, full):
    mine = {(p.station, p.contest): p for t in read.tables for p in t.protocols()}
    theirs = {(p.station, p.contest): p for p in full.protocols}
    assert mine.keys() == theirs.keys()
    assert all(mine[k].lines == theirs[k].lines and mine[k].votes == theirs[k].votes for k in theirs)


def test_the_store_is_made_of_the_bytes_parsed(read, tmp_path):
    """The store keeps the files read (the definition's hash), and its election is the one
    parsed already: the same object, not a second parse."""
    from saylau.store import Store

    store = Store.create(tmp_path / "x.db", read.files, actor="test")
    try:
        assert store.definition() == dict(read.files.data or {})
        assert store.election() is read.election
    finally:
        store.close()
    with Store.open(tmp_path / "x.db") as again:
        assert again.election() is read.election  # the same bytes: spec.load's cached election


def _small(tmp_path: Path) -> Path:
    """A copy of the example cut to the Mazhilis (tests/conftest.py) with only a handful of
    protocol files, five districts': fast to read twice (the whole day's definition alone is 1-2 s
    to parse, the Mazhilis list's file of 10,418 stations as long)."""
    folder = tmp_path / "kz"
    example = mazhilis_example()
    shutil.copytree(example, folder, ignore=shutil.ignore_patterns("protocols"))
    (folder / "protocols").mkdir()
    for path in sorted((example / "protocols").iterdir())[-5:]:
        shutil.copy(path, folder / "protocols" / path.name)
    return folder


def test_a_file_that_does_not_pass_is_refused_as_the_reader_refuses_it(tmp_path):
    folder = _small(tmp_path)
    first = sorted((folder / "protocols").iterdir())[0]
    data = first.read_bytes()
    text = (gzip.decompress(data) if first.name.endswith(".gz") else data).decode("utf-8-sig").splitlines()
    cells = text[1].split(",")
    cells[1] = "x12"  # not a number: the reader names the file, line and column
    text[1] = ",".join(cells)
    first.unlink()
    first = first.with_name(first.name.removesuffix(".gz"))  # written plain: the reader reads both
    first.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert demo.protocol_tables(spec.Files(folder), spec.load(folder, protocols=False)) is None
    with pytest.raises(DefinitionError) as by_demo:
        demo.load(folder)
    with pytest.raises(DefinitionError) as by_reader:
        spec.load(folder)
    assert by_demo.value.problems == by_reader.value.problems
    assert f"protocols/{first.name}:2:" in by_demo.value.problems[0]


def test_tables_read_from_a_directory_and_from_its_bytes_are_the_same(tmp_path):
    folder = _small(tmp_path)
    election = spec.load(folder, protocols=False)
    on_disk = demo.protocol_tables(folder, election)
    in_bytes = demo.protocol_tables(spec.Files(data=spec.Files(folder).snapshot()), election)
    assert on_disk is not None and in_bytes is not None and len(on_disk) == 5
    assert [(t.contest, t.stations, t.lines, t.options) for t in on_disk] == [
        (t.contest, t.stations, t.lines, t.options) for t in in_bytes
    ]
    assert all((a.figures == b.figures).all() for a, b in zip(on_disk, in_bytes, strict=True))
    theirs = spec.load(folder).protocols
    assert tables_of(theirs)[0].stations == on_disk[0].stations


def test_protocols_in_the_folder_the_definition_names(tmp_path):
    """The protocols are read from the folder [files] names, not from one called protocols: a
    definition naming none has none (as its reader says)."""
    folder = _small(tmp_path)
    toml = folder / spec.DEFINITION
    text = toml.read_text(encoding="utf-8")
    assert 'protocols = "protocols"\n' in text
    toml.write_text(text.replace('protocols = "protocols"\n', ""), encoding="utf-8")
    election = spec.load(folder, protocols=False)
    assert demo.protocol_tables(spec.Files(folder), election) == []
    assert spec.load(folder).protocols == ()
    (folder / "protocols").rename(folder / "counts")
    toml.write_text(text.replace('protocols = "protocols"', 'protocols = "counts"'), encoding="utf-8")
    found = demo.protocol_tables(spec.Files(folder), spec.load(folder, protocols=False))
    assert found is not None and len(found) == 5
