"""saylau's HTTP API under ``/api/v1``: routes over the live service (:mod:`saylau.live`).

``install(app)`` adds its routes; :func:`saylau.server.create_app` builds the application that
``saylau serve`` runs, with the website beside it. The OpenAPI description is ``/openapi.json`` (no
interactive docs: they would load scripts from another origin, see :mod:`saylau.http.headers`).
docs/api.md describes every endpoint with curl examples. In short:

=======  ===========================  ==========================  ===========================
method   path                         who                         what
=======  ===========================  ==========================  ===========================
POST     /api/v1/protocols            admin, commission (its      a protocol: 201 stored, 200 unchanged,
                                      territory)                  409 conflict, 422 invalid
POST     /api/v1/turnout              admin, commission           a turnout report by time of day
GET      /api/v1/results              everyone                    results (``?territory=``,
                                                                  ``?contest=``, ``?lang=``), ETag
GET      /api/v1/turnout              everyone                    turnout by time of day
GET      /api/v1/events               everyone                    server-sent events: new results
GET      /api/v1/election             everyone                    contests, options, territories
GET      /api/v1/protocols            observer, admin,            every version of a station's
                                      commission (its territory)  protocols
GET      /api/v1/protocols/entries    observer, admin,            double entry: the officers'
                                      commission (its territory)  entries waiting, and how they differ
GET      /api/v1/turnout/reports      observer, admin             every turnout report as sent
GET      /api/v1/audit/head           observer, admin             the audit chain's head
GET      /api/v1/audit/entries        observer, admin             the chain, a page at a time
POST     /api/v1/protocols/check      admin, commission           a protocol's errors, nothing stored
POST     /api/v1/protocols/file       admin, commission           a file of protocols, all or nothing
GET      /api/v1/forms                admin, commission           contests, lines, writable stations
GET      /api/v1/projection           everyone                    projected seats, 90% intervals
GET      /api/v1/forensics            observer, admin             the observers' statistical checks
POST     /api/v1/tokens               admin                       issue a token (its text once)
GET      /api/v1/tokens               admin                       every token, never a secret
DELETE   /api/v1/tokens/{id}          admin                       revoke a token
POST     /api/v1/copies               observer (its territory),   an observer's copy of a posted
                                      admin                       protocol, with its photo
POST     /api/v1/copies/file          observer, admin             a file of copies, all or nothing
GET      /api/v1/copies/mine          observer, admin             one's copies, each compared
GET      /api/v1/parallel-count       everyone                    copies against the official count
GET      /api/v1/photos/{sha256}      everyone (published)        a copy's photo
GET      /api/v1/search               everyone                    regions, territories, districts,
                                                                  stations, candidates by name
=======  ===========================  ==========================  ===========================

Where each is: :mod:`~saylau.api.results` (results, turnout, events, election),
:mod:`~saylau.api.protocols` (protocols and turnout reports, written and read back),
:mod:`~saylau.api.audit`, :mod:`~saylau.api.uploads` (the officer pages' check, file and forms),
:mod:`~saylau.api.projection`, :mod:`~saylau.api.forensics`, :mod:`~saylau.api.admin` (tokens),
:mod:`~saylau.api.keys` (commissions' signing keys),
:mod:`~saylau.api.copies` (observers' copies), :mod:`~saylau.api.log` (the log, public) and
:mod:`~saylau.api.service` (health, whoami); who may call what is :mod:`~saylau.api.deps`.
The website (``saylau.web``) is served beside them, under ``/{lang}/``.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the API's routes to ``app``, in the order the OpenAPI description lists them."""
    from saylau.api import (
        admin,
        audit,
        copies,
        forensics,
        keys,
        log,
        projection,
        protocols,
        results,
        search,
        service,
        uploads,
    )

    app.include_router(results.router)  # results, turnout, events, election: everyone
    app.include_router(service.router)  # health, whoami
    app.include_router(protocols.router)  # protocols and turnout reports, written and read back
    app.include_router(audit.router)  # the log's head and rows, for observers
    app.include_router(uploads.router)  # protocol check, file upload, forms for the officer pages
    app.include_router(admin.router)  # tokens over HTTP, for admins
    app.include_router(projection.router)  # projected seats (docs/projection.md)
    app.include_router(forensics.router)  # observers' statistical checks (docs/forensics.md)
    app.include_router(log.router)  # the log's checkpoint, key, entries and proofs (docs/verification.md)
    app.include_router(keys.router)  # commissions' signing keys (docs/api.md, "Signing keys")
    app.include_router(copies.router)  # observers' copies: the parallel count (docs/forensics.md)
    app.include_router(search.router)  # find a place or a candidate by name, number or address


__all__ = ["install"]
