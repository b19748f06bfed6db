"""Who is asking: bearer tokens, roles, territories, and per-token rate limits.

A request carries ``Authorization: Bearer saylau_<id>_<secret>``, or nothing (the ``public`` role).
A token that is malformed, unknown, expired or revoked is refused with 401 even where no token is
needed: a client that means to be someone is told that it is not. The tokens are read from the
store (:mod:`saylau.store.tokens`) and kept in memory; the table is looked at again every
``refresh`` seconds (a revocation made with the CLI counts within that time on every worker), and
at once when an unknown id is presented (a token just created works at once).

Nothing here logs or keeps a token's text: only its id. Nor does the server's access log, where a
token's text could appear in a path (``DELETE /api/v1/tokens/<text>`` revokes a token by its text):
:mod:`saylau.http.redaction`, installed on every log that writes what a client sent, writes any
token-shaped text there as ``saylau_<id>_…``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from saylau.errors import CredentialsRefused
from saylau.store.tokens import Token, Tokens, authenticate, split

log = logging.getLogger("saylau.api")


#: What each role may do.
READ_RESULTS = frozenset({"admin", "commission", "observer", "public"})
READ_ALL = frozenset({"admin", "observer"})
WRITE = frozenset({"admin", "commission"})
#: who sends observers' copies of posted protocols (never the official count)
COPY = frozenset({"admin", "observer"})


@dataclass(frozen=True)
class Principal:
    """The caller: a token, or nobody (``token`` None, role ``public``)."""

    role: str
    token: Token | None = None
    client: str = ""

    @property
    def actor(self) -> str:
        assert self.token is not None
        return self.token.actor

    @property
    def territory(self) -> str | None:
        return self.token.territory if self.token is not None else None

    @property
    def key(self) -> str:
        """What its rate limit is counted by: the token id, else the client address."""
        return f"token:{self.token.id}" if self.token is not None else f"addr:{self.client}"


class TokenCache:
    """The store's tokens, in memory, looked at again every ``refresh`` seconds."""

    def __init__(self, tokens: Tokens, refresh: float) -> None:
        self._tokens = tokens
        self._refresh = refresh
        self._lock = threading.Lock()
        self._by_id: dict[str, Token] = {}
        self._head: tuple[int, str] | None = None
        self._checked = 0.0
        self.reload()

    def reload(self) -> None:
        """Read the tokens again if their chain moved (one small query when it did not)."""
        with self._lock:
            head = self._tokens.head()
            if head != self._head:
                self._by_id = self._tokens.all()
                self._head = head
            self._checked = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() - self._checked >= self._refresh

    def lookup(self, text: str, *, may_reload: bool = True) -> Token:
        """The usable token whose text this is; :class:`~saylau.errors.CredentialsRefused` otherwise."""
        parts = split(text)
        if parts is None:
            raise CredentialsRefused("malformed token")
        if parts[0] not in self._by_id and may_reload and self.due():
            self.reload()
        token = authenticate(text, self._by_id)
        if token is None:
            raise CredentialsRefused("unknown token")
        if token.revoked_at is not None:
            raise CredentialsRefused(f"token {token.id} was revoked")
        if token.expired():
            raise CredentialsRefused(f"token {token.id} expired at {token.expires_at}")
        return token

    def needs_reload_for(self, text: str) -> bool:
        """Whether ``text`` names a token not known here: the table is looked at again first (one
        small query, since a token created a moment ago must work at once)."""
        parts = split(text)
        return parts is not None and parts[0] not in self._by_id
