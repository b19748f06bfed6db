"""HTTP to the servers the tests start on this machine: plain HTTP, one TLS context for all.

httpx gives every client, and so every ``httpx.get``, a TLS context of its own that loads
certifi's bundle of trusted certificates: 20 ms of CPU each, even for a plain-HTTP URL. The
tests' polls for a server to come up asked hundreds of times a run (11 s of the suite's CPU,
taken from the very servers they waited for). These take the same arguments as httpx's and
share one context with no certificate loaded: a TLS connection through them fails, which no
test of a loopback server makes.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

#: The TLS context of every client here, which a plain-HTTP server never uses.
PLAIN_HTTP = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def get(url: str, **options: Any) -> httpx.Response:
    return httpx.get(url, verify=PLAIN_HTTP, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return httpx.post(url, verify=PLAIN_HTTP, **options)


def Client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=PLAIN_HTTP, **options)
