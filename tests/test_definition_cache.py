"""A directory read again in one process: the Election made before, unless something it was made
from has changed (saylau.spec ``_load_directory``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from saylau import spec
from saylau.errors import DefinitionError
from saylau.model import Election

TINY = Path(__file__).resolve().parent / "data" / "tiny"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def votes(election: Election, station: str) -> dict[str, int]:
    return next(p for p in election.protocols if p.station == station and p.contest == "council-list").votes


def test_an_unchanged_directory_gives_the_same_election_by_any_path(tiny: Path) -> None:
    first = spec.load(tiny)
    assert spec.load(str(tiny)) is first
    assert spec.load(spec.Files(tiny)) is first
    assert spec.load(tiny / ".." / "tiny") is first
    assert spec.load(tiny, protocols=False) is not first  # another question, another Election


def test_a_changed_file_is_read_again(tiny: Path) -> None:
    first = spec.load(tiny)
    assert votes(first, "S1") == {"a": 400, "b": 170}
    path = tiny / "protocols" / "council-list.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("S1,1000,1000,600,10,400,600,10,20,400,170", "S1,1000,1000,600,10,400,600,10,20,170,400")
    )
    again = spec.load(tiny)
    assert again is not first and votes(again, "S1") == {"a": 170, "b": 400}
    assert spec.load(tiny) is again


def test_a_file_added_or_removed_is_seen(tiny: Path) -> None:
    first = spec.load(tiny)
    (tiny / "protocols" / "d2.csv").unlink()
    fewer = spec.load(tiny)
    assert fewer is not first and len(fewer.protocols) < len(first.protocols)
    shutil.copy(TINY / "protocols" / "d2.csv", tiny / "protocols" / "d2.csv")
    assert spec.load(tiny) == first


def test_a_refused_definition_is_refused_again_and_a_vanished_one_too(tiny: Path) -> None:
    spec.load(tiny)
    (tiny / "election.toml").write_text("[election]\nid = 1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DefinitionError):
            spec.load(tiny)
    shutil.rmtree(tiny)
    with pytest.raises(DefinitionError, match="not a directory"):
        spec.load(tiny)


def test_a_definition_with_a_previous_election_is_read_each_time() -> None:
    """Its ``[previous]`` names files outside the directory, which no answer noted covers."""
    folder = ROOT / "examples" / "ru-2016"
    first = spec.load(folder, protocols=False)
    assert first.previous is not None
    assert spec.load(folder, protocols=False) is not first


def test_check_reads_through_the_same_cache_and_the_command_reads_once(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spec.check`` of a valid directory keeps what it read, and ``saylau check`` reads the
    definition once (it read it twice: for the problems, then for the counts it prints)."""
    from conftest import run_cli
    from saylau.definition import loader

    reads: list[object] = []
    real = loader.load
    monkeypatch.setattr(loader, "load", lambda *a, **k: reads.append(a) or real(*a, **k))
    assert spec.check(tiny) == []
    assert spec.load(tiny) is spec.load(tiny) and len(reads) == 1
    other = tiny.parent / "other"
    shutil.copytree(TINY, other)
    done = run_cli("check", str(other))
    assert done.returncode == 0 and "3 contests, 2 parties, 4 stations, 8 protocols" in done.stdout
    assert len(reads) == 2
    (other / "election.toml").write_text("[election]\nid = 1\n", encoding="utf-8")
    refused = run_cli("check", str(other))
    assert refused.returncode == 2 and refused.stderr.startswith("error: election.toml:")
    assert spec.check(other) != [] and len(reads) == 4  # a refusal is never kept
