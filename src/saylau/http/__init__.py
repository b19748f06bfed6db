"""The server's own HTTP layers, shared by the API and the website and owned by neither.

:mod:`~saylau.http.problems` (RFC 9457 problem documents, the body limit), :mod:`~saylau.http.headers`
(security headers), :mod:`~saylau.http.limits` (rate limits, readers' limits, connection limits),
:mod:`~saylau.http.strictjson` (JSON bodies with a key twice refused) and
:mod:`~saylau.http.state` (the running state every route reads, and the server's settings).
"""
