"""saylau's HTTP API: ``create_app(db_url)`` is the ASGI application that ``saylau serve`` runs.

See :mod:`saylau.api.app` for the routes and docs/api.md for how to use them.
"""

from saylau.api.app import Settings, create_app

__all__ = ["Settings", "create_app"]
