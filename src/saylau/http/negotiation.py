"""Accept-style request headers read as (value, quality) pairs, for the website's language and the
choice between an HTML page and a JSON error: one parser, so the two read q-values alike."""

from __future__ import annotations


def weighted(header: str | None) -> list[tuple[str, float]]:
    """Each comma-separated value of ``header``, lower-cased, with its ``q`` (1.0 when absent, 0.0
    when unreadable), in the header's order: ``text/html,*/*;q=0.8`` -> text/html 1.0, */* 0.8."""
    out = []
    for part in (header or "").split(","):
        value, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, text = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(text)
                except ValueError:
                    q = 0.0
        out.append((value.strip().lower(), q))
    return out
