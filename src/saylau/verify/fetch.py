"""A server's record, fetched over its public API (no token): what ``saylau verify URL`` checks.

With the standard library's HTTP client only (an observer installs saylau, nothing else), and
nothing taken on trust: every answer is only material for :mod:`saylau.verify.check`. What is
fetched, in an order that makes the pieces one record while the server goes on writing:

1. ``/api/v1/log/key`` and ``/api/v1/log/definition`` (the files entry 1 hashes);
2. the results and the log size they are of: the first server-sent event of ``/api/v1/events``
   names the newest results version and its ``audit_seq``, and ``/api/v1/results`` is taken when
   its ``X-Results-Version`` is that version (asked again when a newer one came in between);
3. ``/api/v1/log/checkpoint``, whose tree covers those results (asked again while a cache still
   serves an older one);
4. ``/api/v1/log/entries``, 1,000 at a time, up to the checkpoint's size exactly.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from saylau.errors import InputError
from saylau.transparency.note import Checkpoint, read_note
from saylau.verify.record import Record, safe_path

API = "/api/v1"
#: Entries the API gives at a time.
PAGE = 1000
TIMEOUT = 60
ATTEMPTS = 10
#: The longest answer read (a national definition is tens of megabytes, base64 in JSON).
MAX_ANSWER = 1 << 30


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def base_of(url: str) -> str:
    """The site's root URL (``https://results.example.org``, or with a path prefix), without a
    trailing slash; an API URL given by mistake is cut back to its site."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"{url!r} is not an http(s) URL of a saylau site", where="URL")
    path = parsed.path.rstrip("/")
    if API in path:
        path = path[: path.index(API)]
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))


def get(url: str, *, accept: str = "*/*") -> tuple[bytes, dict[str, str]]:
    """The body and headers of a GET; InputError saying what the server answered otherwise."""
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "saylau-verify"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = answer.read(MAX_ANSWER + 1)
            headers = {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as e:
        raise InputError(f"HTTP {e.code}: {_detail(e)}", where=url) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise InputError(f"cannot reach the server: {reason}", where=url) from None
    if len(body) > MAX_ANSWER:
        raise InputError(f"an answer longer than {MAX_ANSWER:,} bytes", where=url)
    return body, headers


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        problem = json.loads(error.read(65536))
        return str(problem.get("detail") or problem.get("title") or error.reason)[:300]
    except (ValueError, AttributeError, OSError):
        return str(error.reason)[:300]


def get_json(url: str) -> Any:
    body, _ = get(url, accept="application/json")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"the answer is not JSON: {e}", where=url) from None


def get_text(url: str) -> str:
    body, _ = get(url, accept="text/plain")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the answer is not UTF-8 text", where=url) from None


def checkpoint(base: str) -> str:
    """The server's current signed checkpoint, exactly as it serves it."""
    return get_text(f"{base}{API}/log/checkpoint")


def key(base: str) -> str:
    return get_text(f"{base}{API}/log/key").strip()


def size_of(note: str, where: str) -> int:
    """The tree size a signed note states (its signature is checked later, by the verifier)."""
    try:
        return Checkpoint.parse(read_note(note)[0]).size
    except InputError as e:
        raise InputError(f"the server's checkpoint is not a checkpoint: {e}", where=where) from None


def consistency(base: str, first: int, second: int) -> dict[str, Any]:
    """The server's proof that its tree of ``first`` entries is a prefix of its tree of ``second``."""
    found = get_json(f"{base}{API}/log/proof/consistency?first={first}&second={second}")
    if not isinstance(found, dict) or not isinstance(found.get("proof"), list):
        raise InputError("the answer is not a consistency proof", where=f"{base}{API}/log/proof/consistency")
    return found


def definition(base: str) -> dict[str, bytes]:
    url = f"{base}{API}/log/definition"
    found = get_json(url)
    files = found.get("files") if isinstance(found, dict) else None
    if not isinstance(files, list):
        raise InputError("the answer has no list of files", where=url)
    out: dict[str, bytes] = {}
    for item in files:
        if not isinstance(item, dict) or not isinstance(item.get("content"), str):
            raise InputError("a file without its content", where=url)
        path = safe_path(item.get("path"), url)  # type: ignore[arg-type]
        try:
            out[path] = base64.b64decode(item["content"], validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"the content of {path} is not base64", where=url) from None
    return out


def first_event(base: str) -> dict[str, Any]:
    """The data of the first ``results`` event the server sends: its newest results version."""
    url = f"{base}{API}/events"
    request = urllib.request.Request(
        url, headers={"Accept": "text/event-stream", "User-Agent": "saylau-verify"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as stream:
            for _ in range(1000):
                line = stream.readline(1 << 20)
                if not line:
                    break
                if line.startswith(b"data:"):
                    data = json.loads(line[5:])
                    if isinstance(data, dict):
                        return data
    except urllib.error.HTTPError as e:
        raise InputError(f"HTTP {e.code}: {_detail(e)}", where=url) from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise InputError(
            f"cannot read the results events: {getattr(e, 'reason', None) or e}", where=url
        ) from None
    raise InputError("the server sent no results event", where=url)


def results(base: str, lang: str) -> tuple[bytes, int]:
    """The published results document and the log size it is of."""
    url = f"{base}{API}/results?lang={urllib.parse.quote(lang)}"
    for _ in range(ATTEMPTS):
        event = first_event(base)
        version, seq = event.get("version"), event.get("audit_seq")
        if type(version) is not int or type(seq) is not int:
            raise InputError(
                "its first event names no results version and log size", where=f"{base}{API}/events"
            )
        body, headers = get(url, accept="application/json")
        if headers.get("x-results-version") == str(version):
            return body, seq
        time.sleep(0.2)
    raise InputError(
        f"the results changed during each of {ATTEMPTS} attempts to read them: try again", where=url
    )


def entries(base: str, size: int) -> tuple[list[bytes], list[str]]:
    """The first ``size`` entries' bytes and the leaf hashes the server says the log records."""
    texts: list[bytes] = []
    leaves: list[str] = []
    for start in range(0, size, PAGE):
        end = min(start + PAGE, size)
        url = f"{base}{API}/log/entries?start={start}&end={end}"
        page = get_json(url)
        items = page.get("entries") if isinstance(page, dict) else None
        if not isinstance(items, list) or len(items) != end - start:
            got = len(items) if isinstance(items, list) else "no"
            raise InputError(f"{got} entries where {end - start} were asked for", where=url)
        for offset, item in enumerate(items):
            if not isinstance(item, dict) or item.get("index") != start + offset:
                raise InputError(f"the entry at leaf index {start + offset} is not in its place", where=url)
            text, leaf = item.get("entry"), item.get("leaf_hash")
            texts.append(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else b"")
            leaves.append(leaf if isinstance(leaf, str) else "")
    return texts, leaves


def from_url(url: str, lang: str = "en") -> Record:
    """The record a server publishes (see the module docstring)."""
    base = base_of(url)
    vkey = key(base)
    files = definition(base)
    published, results_size = results(base, lang)
    note = checkpoint(base)
    size = size_of(note, f"{base}{API}/log/checkpoint")
    for _ in range(ATTEMPTS):
        if size >= results_size:
            break
        time.sleep(0.5)  # a cache in front of the server may still hold an older checkpoint
        note = checkpoint(base)
        size = size_of(note, f"{base}{API}/log/checkpoint")
    texts, leaves = entries(base, size)
    election = _election_of(texts)
    return Record(
        election=election,
        origin=Checkpoint.parse(read_note(note)[0]).origin,
        vkey=vkey,
        checkpoint=note,
        entries=texts,
        leaves=leaves,
        definition=files,
        results=published,
        results_size=results_size,
        results_lang=lang,
        source=base,
        made_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _election_of(texts: list[bytes]) -> str:
    """The election entry 1 names ("" when it names none: the verifier says what is wrong)."""
    try:
        first = json.loads(texts[0]) if texts else {}
    except (ValueError, UnicodeDecodeError):
        return ""
    election = first.get("election") if isinstance(first, dict) else None
    return election if isinstance(election, str) else ""
