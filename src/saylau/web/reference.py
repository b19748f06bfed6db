"""The API reference, ``/{lang}/api``: the OpenAPI description as a page of the site.

Swagger UI and ReDoc build their page with scripts (ReDoc with inline styles too) that would have
to come from another origin or be vendored and allowed by the Content-Security-Policy
(http/headers.py). The description is static for a running server, so it is rendered here once
per language into plain HTML with the site's own layout, no script at all; it reads on a phone
and without JavaScript like every other page. ``/openapi.json`` stays the machine-readable
source, linked from the page.

The page is made from what ``app.openapi()`` gives, the description the routes declare, so it
cannot drift from the API; it never imports the API (the website does not, tests/test_layout.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from saylau.http.kept import STATIC
from saylau.web.kept import kept_page
from saylau.web.templating import page_lang, render

router = APIRouter(include_in_schema=False)
#: The methods an operation may have, in the order a reader expects them.
METHODS = ("get", "post", "put", "patch", "delete")
REF = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    """A parameter, or a property of a schema."""

    name: str
    where: str  # query, path, header; "" for a property
    required: bool
    type: Markup
    description: Markup


@dataclass(frozen=True)
class Body:
    """A request or response body: its status (responses), what it means, its media types."""

    status: str
    description: Markup
    media: list[tuple[str, Markup]]  # (media type, its schema)


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: Markup
    parameters: list[Field]
    request: Body | None
    responses: list[Body]


@dataclass
class Group:
    tag: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    description: Markup
    fields: list[Field]


def prose(text: str | None, *, inline: bool = False) -> Markup:
    """Docstring text as HTML: paragraphs at blank lines (line breaks in a table's cell, where a
    paragraph's margins would set the text below its row's other cells), ``code`` and `code` as
    code."""
    if not text:
        return Markup("")
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        line = " ".join(part.strip() for part in block.splitlines())
        html = str(escape(line))
        html = re.sub(r"``(.+?)``|`(.+?)`", lambda m: f"<code>{m.group(1) or m.group(2)}</code>", html)
        paragraphs.append(html if inline else f"<p>{html}</p>")
    return Markup("<br>".join(paragraphs) if inline else "".join(paragraphs))


def type_of(schema: dict[str, Any] | None) -> Markup:
    """A JSON schema in a few words, a named schema as a link to its entry on the page."""
    if not schema:
        return Markup("any")
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(REF)
        return Markup('<a href="#schema-{0}"><code>{0}</code></a>').format(name)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [type_of(s) for s in schema[key]]
            return Markup(" | ").join(options)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0])
    if "enum" in schema:
        return Markup(" | ").join(Markup("<code>{}</code>").format(repr_of(v)) for v in schema["enum"])
    if "const" in schema:
        return Markup("<code>{}</code>").format(repr_of(schema["const"]))
    kind = schema.get("type", "object" if "properties" in schema else "any")
    if isinstance(kind, list):
        text = Markup(" | ").join(escape(k) for k in kind)
    elif kind == "array":
        text = Markup("array of {}").format(type_of(schema.get("items")))
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = Markup("map of {}").format(type_of(schema["additionalProperties"]))
    else:
        text = escape(kind)
        if schema.get("format"):
            text += Markup(" ({})").format(schema["format"])
    limits = [
        f"{word} {repr_of(schema[key])}"
        for key, word in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "length ≥"),
            ("maxLength", "length ≤"),
            ("minItems", "items ≥"),
            ("maxItems", "items ≤"),
        )
        if key in schema
    ]
    if "pattern" in schema:
        limits.append(f"pattern {schema['pattern']}")
    if limits:
        text += Markup(" <small>({})</small>").format(", ".join(limits))
    return Markup(text)


def repr_of(value: Any) -> str:
    """A value as JSON writes it (a bound of 0 given as 0.0 is 0)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parameter(p: dict[str, Any]) -> Field:
    schema = p.get("schema", {})
    text = type_of(schema)
    if "default" in schema and schema["default"] is not None:
        text += Markup(", default <code>{}</code>").format(repr_of(schema["default"]))
    return Field(
        name=str(p["name"]),
        where=str(p.get("in", "")),
        required=bool(p.get("required", False)),
        type=text,
        description=prose(p.get("description") or schema.get("description"), inline=True),
    )


def body(status: str, given: dict[str, Any]) -> Body:
    media = [(str(kind), type_of(value.get("schema"))) for kind, value in given.get("content", {}).items()]
    return Body(status, prose(given.get("description"), inline=True), media)


def operations(doc: dict[str, Any]) -> list[Group]:
    """The operations by their first tag, in the order the description lists them."""
    groups: dict[str, Group] = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            requested = op.get("requestBody")
            groups.setdefault(tag, Group(tag)).operations.append(
                Operation(
                    anchor=str(op.get("operationId") or f"{method}-{path}"),
                    method=method.upper(),
                    path=str(path),
                    summary=str(op.get("summary", "")),
                    description=prose(op.get("description")),
                    parameters=[parameter(p) for p in op.get("parameters", [])],
                    request=body("", requested) if requested else None,
                    responses=[body(str(s), r) for s, r in sorted(op.get("responses", {}).items())],
                )
            )
    return list(groups.values())


def schemas(doc: dict[str, Any]) -> list[Schema]:
    found = []
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            Field(
                name=str(prop),
                where="",
                required=prop in required,
                type=type_of(sub),
                description=prose(sub.get("description"), inline=True),
            )
            for prop, sub in schema.get("properties", {}).items()
        ]
        found.append(Schema(str(name), prose(schema.get("description")), fields))
    return found


@router.get("/{lang}/api")
async def reference(request: Request, lang: str) -> Response:
    """Rendered once per language and running app: the description does not change while it runs."""
    lang = page_lang(lang)

    def make(clean: Request) -> Response:
        doc = request.app.openapi()
        return render(
            clean,
            "api.html",
            lang,
            section="api",
            info=doc.get("info", {}),
            intro=prose(doc.get("info", {}).get("description")),
            groups=operations(doc),
            schemas=schemas(doc),
        )

    return kept_page(request, "api", lang, make, {"Cache-Control": STATIC})
