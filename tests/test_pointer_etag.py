"""A pointer replaced within one second by one of the same length still gets a new ETag from nginx,
which makes it from the file's size and its time in whole seconds (saylau.site.tree.write_atomically)."""

from __future__ import annotations

import math
from pathlib import Path

from saylau.site.tree import write_atomically


def test_a_pointer_rewritten_in_the_same_second_moves_to_a_later_second(tmp_path: Path) -> None:
    path = tmp_path / "current.json"
    write_atomically(path, b'{"version": 7}\n', later_second=True)
    seconds = [math.floor(path.stat().st_mtime)]
    for version in (8, 9):  # at once, the same length each time
        write_atomically(path, f'{{"version": {version}}}\n'.encode(), later_second=True)
        seconds.append(math.floor(path.stat().st_mtime))
    assert seconds[0] < seconds[1] < seconds[2]
    assert path.read_bytes() == b'{"version": 9}\n'
