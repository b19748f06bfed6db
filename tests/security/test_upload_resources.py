"""Uploads within fixed resources: bombs and huge error files against a real ``saylau serve``.

A child process serves a simulated election (2,000 stations); while one client keeps submitting
protocols and timing each answer, others send: a gzip bomb (64 MB of zeros in 64 kB), a zip bomb,
a JSON bomb (``[{}, {}, ...]``, 8 MB once decompressed), a JSON object nested 5,000 deep, a file of
100,000 rows, and a file of 20,000 rows that are all wrong (20,000 errors). Each is refused with a
problem document under 100 kB; the server's peak memory (VmHWM) stays under :data:`MEMORY_BOUND`
and the writes' p99 under :data:`P99_BOUND`. The figures are printed (``pytest -s``).
Marked ``slow``.
"""

from __future__ import annotations

import gzip
import io
import statistics
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

import loopback
from saylau import spec
from saylau.simulate import simulate
from saylau.store import Store
from saylau.store.tokens import Tokens
from test_api_crash import free_port, serve

STATIONS = 2_000
#: Resident memory the server may reach at its peak (the election, its tally, and two uploads
#: read at once within saylau.intake.UPLOAD_LIMITS).
MEMORY_BOUND_MB = 400
#: The writes' p99 while the bombs go off, on this 2-core machine (about 20 ms when idle).
P99_BOUND_MS = 1_000
#: Writes timed at least (they go on while the bombs go off, and after until there are this many).
WRITES = 200


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def gzip_bomb(header: str) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as f:
        f.write((header + "\n").encode())
        chunk = b"0" * (1 << 20)
        for _ in range(64):
            f.write(chunk)
    return out.getvalue()


def zip_bomb(header: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, z.open("p.csv", "w", force_zip64=True) as f:
        f.write((header + "\n").encode())
        chunk = b"1," * (1 << 19)
        for _ in range(256):
            f.write(chunk)
    return out.getvalue()


@pytest.mark.serial
@pytest.mark.slow
def test_bombs_and_error_floods_keep_the_server_in_bounds(tmp_path: Path) -> None:
    folder = tmp_path / "sim"
    simulate(STATIONS, folder, seed=7)
    election = spec.load(folder)
    url = str(tmp_path / "sim.db")
    Store.create(url, spec.Files(folder), actor="test").close()
    with Tokens(url) as tokens:
        admin = tokens.create("admin", actor="test", name="admin").text
    contest = next(c for c in election.contests if c.kind == "list")
    protocols = [p for p in election.protocols if p.contest == contest.id]
    header = ",".join(["station", *protocols[0].lines, *protocols[0].votes])
    wrong = "".join(f"NOWHERE-{i},{','.join(['1'] * (len(header.split(',')) - 1))}\n" for i in range(20_000))
    rows = "".join(f"X{i},1\n" for i in range(100_000))
    bombs = {
        "bomb.csv.gz": gzip_bomb(header),
        "bomb.csv.zip": zip_bomb(header),
        "bomb.json.gz": gzip.compress(("[" + ",".join(["{}"] * 2_000_000) + "]").encode()),
        "deep.json": ("[" + '{"a":' * 5_000 + "1" + "}" * 5_000 + "]").encode(),
        "rows.csv.gz": gzip.compress(f"station,x\n{rows}".encode()),
        "wrong.csv.gz": gzip.compress(f"{header}\n{wrong}".encode()),
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(url, port, tmp_path / "serve.log", workers=1) as proc:
        latencies: list[float] = []
        stop = threading.Event()

        def write() -> None:
            with loopback.Client(
                base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60
            ) as c:
                for p in protocols:
                    if stop.is_set():
                        return
                    t = time.perf_counter()
                    body = {
                        "station": p.station,
                        "contest": p.contest,
                        "lines": dict(p.lines),
                        "votes": dict(p.votes),
                    }
                    r = c.post("/api/v1/protocols", json=body)
                    latencies.append(time.perf_counter() - t)
                    assert r.status_code in (200, 201), r.text

        writer = threading.Thread(target=write)
        writer.start()
        answers: dict[str, httpx.Response] = {}

        def send(name: str, data: bytes) -> None:
            with loopback.Client(
                base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=120
            ) as c:
                answers[name] = c.post(
                    "/api/v1/protocols/file", files={"file": (name, data)}, data={"contest": contest.id}
                )

        senders = [threading.Thread(target=send, args=item) for item in bombs.items()]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        deadline = time.monotonic() + 60  # then enough writes for a p99, however fast the bombs went
        while len(latencies) < WRITES and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        writer.join()
        peak = peak_mb(proc.pid)
    for name, r in answers.items():
        assert r.status_code in (413, 422), (name, r.status_code, r.text[:300])
        assert len(r.content) < 100_000, (name, len(r.content))
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"\nuploads: {', '.join(f'{n} {r.status_code}' for n, r in answers.items())}; "
        f"writes {len(latencies)}, median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99:.1f} ms; "
        f"server peak memory {peak:.0f} MB"
    )
    assert len(latencies) >= WRITES
    assert peak < MEMORY_BOUND_MB
    assert p99 < P99_BOUND_MS
