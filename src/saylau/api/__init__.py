"""saylau's HTTP API under ``/api/v1``: routes over the live service (:mod:`saylau.live`).

``install(app)`` adds its routes; :func:`saylau.server.create_app` builds the application that
``saylau serve`` runs, with the website beside it. See docs/api.md.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the API's routes to ``app``: results, protocols, turnout, audit, the officer pages'
    routes, tokens, projection and the observers' checks."""
    from saylau.api import admin, forensics, keys, log, projection, uploads
    from saylau.api import app as routes

    routes.routes(app)
    app.include_router(uploads.router)  # protocol check, file upload, forms for the officer pages
    app.include_router(admin.router)  # tokens over HTTP, for admins
    app.include_router(projection.router)  # projected seats (docs/projection.md)
    app.include_router(forensics.router)  # observers' statistical checks (docs/forensics.md)
    app.include_router(log.router)  # the log's checkpoint, key, entries and proofs (docs/verification.md)
    app.include_router(keys.router)  # commissions' signing keys (docs/api.md, "Signing keys")


__all__ = ["install"]
