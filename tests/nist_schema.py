"""The NIST SP 1500-100 check of a whole export, in a fraction of a second.

``saylau.publish.nist.validate`` checks a document with the Python ``jsonschema`` package: 39 s for
the bundled whole-day Kazakhstan export (25 MB, 6 million schema descents, most of the time in
``$ref`` resolution; the validator is compiled once already). ``jsonschema_rs`` (the Rust
implementation that schemathesis, of the test extra, depends on) checks the same bundled schema
(draft-04) in 0.05 s, and checks its ``format`` keywords (date-time, date, time, uri) too, which
the Python package skips without its optional format libraries. The schema's ``refTypes``
annotations are checked by saylau's own ``nist.reference_problems``, as ``nist.validate`` does.

Tests of a whole export use ``problems`` here; ``nist.validate`` itself keeps its tests on small
documents (tests/test_publish_nist.py), where the two are also shown to agree.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

from saylau.publish import nist


@cache
def _validator() -> Any:
    return jsonschema_rs.Draft4Validator(nist.schema(), validate_formats=True)


def problems(document: dict) -> list[str]:
    """Problems of ``document`` against the bundled schema and its ``refTypes``; ``[]`` when valid.

    Each problem is ``path: message`` as ``nist.validate`` writes it (the message cut to 300
    characters: a ``oneOf`` failure quotes the whole object)."""
    found = [
        f"{'/'.join(str(p) for p in e.instance_path) or '(document)'}: {e.message[:300]}"
        for e in _validator().iter_errors(document)
    ]
    return sorted(found) + nist.reference_problems(document)
