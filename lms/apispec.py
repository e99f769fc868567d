"""The JSON API's declarations: request bodies and queries checked, answers serialised and the
OpenAPI 3.1 description generated from the same pydantic models (spectree, see
docs/architecture.md "The API's description").

A route declares what it takes and answers with :func:`declare`; a refused body or query is
answered in Aula's error shape (``{"error": {"code", "message"}}``, the message in the caller's
language, naming the field), never spectree's or pydantic's own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from lms.api import bp
from lms.errors import MAX_ID, DomainError, is_unsafe_text, one_line

PREFIX = "/api/v1"

#: Bodies larger than this are refused before anyone parses them (413).
MAX_BODY = 256 * 1024


class ApiErrorBody(BaseModel):
    code: str = Field(examples=["invalid"])
    message: str = Field(examples=["The field “title” is required."])


class ApiError(BaseModel):
    """Every refusal: a code for programs, a message in the caller's language."""

    error: ApiErrorBody


spec = SpecTree(
    "flask",
    mode="normal",
    title="Aula API",
    version="1",
    description=(
        "Workshops with a waiting list, bootcamp cohorts, an advice desk and calendars. "
        "Authenticate with `Authorization: Bearer <token>` (POST /api/v1/tokens). Errors are "
        '`{"error": {"code", "message"}}` with a 4xx status, the message in the language of '
        "`Accept-Language`. Each operation's `x-roles` says who may call it."
    ),
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    annotations=False,  # declare() passes the checked body and query
    validation_error_model=ApiError,
    page_templates={},
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(
                type=SecureType.HTTP, scheme="bearer", description="an API token"
            ),
        )
    ],
)


# -- field types: Aula's rules on text and numbers, stated once ----------------------------


def _text(value: Any) -> Any:
    if isinstance(value, str) and is_unsafe_text(value):
        raise ValueError("control characters")
    return value


def _line(value: Any) -> Any:
    """A title, a name, a topic: one line (see :func:`lms.errors.one_line`)."""
    return one_line(_text(value))


def _block(value: Any) -> Any:
    return _text(value).strip() if isinstance(value, str) else value


#: What text may hold (lms.security refuses control characters before any route reads it).
SAFE_TEXT: dict[str, Any] = {
    "pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
}


def Line(max_length: int, *, min_length: int = 1) -> Any:
    return Annotated[
        str,
        BeforeValidator(_line),
        Field(min_length=min_length, max_length=max_length, json_schema_extra=SAFE_TEXT),
    ]


def Text(max_length: int | None = None) -> Any:
    return Annotated[
        str, BeforeValidator(_block), Field(max_length=max_length, json_schema_extra=SAFE_TEXT)
    ]


#: A row's id: a whole number the databases can store.
Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
#: A whole number (strict: JSON's true, 1.0 and "1" are not numbers).
Whole = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID, strict=True)]
#: An ISO 8601 date and time, with an offset or read in the object's time zone.
Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"}, max_length=64)]


class Body(BaseModel):
    """A request body: unknown fields are refused, text is never coerced from numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=100_000)


class Out(BaseModel):
    """An answer, read from the ORM object's attributes."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


def one_of(values: Any) -> Any:
    """A word from a :class:`lms.enums.Labelled` enum (or any list of words): as the API shows
    it, the enum's value."""
    words = [getattr(v, "value", v) for v in values]
    return Annotated[
        str,
        BeforeValidator(lambda v: getattr(v, "value", v)),
        Field(json_schema_extra={"enum": words}),
    ]


def word(values: Any) -> Any:
    """A body's word from a list (an enum's values): described as an enum, checked by the
    operation that reads it (its own error code and message)."""
    words = [getattr(v, "value", v) for v in values]
    return Annotated[str, Field(max_length=60, json_schema_extra={"enum": words})]


class Paged(BaseModel):
    """A list's page: ``?limit=&page=`` (lms.pagination checks them)."""

    model_config = ConfigDict(extra="forbid")

    limit: str | None = Field(None, description="1 to 200, 50 when absent")
    page: str | None = Field(None, description="from 1")


class Person(Out):
    id: int
    name: str


# -- errors -----------------------------------------------------------------------------------


def _name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def validation_error(error: ValidationError, *, in_query: bool = False) -> DomainError:
    """The first problem pydantic found, as Aula's error naming the field."""
    first = error.errors(include_url=False)[0]
    kind, name = first["type"], _name(first["loc"])
    status = 400 if in_query else 422
    if kind == "missing" or (first.get("input", "") is None and kind.endswith("_type")):
        message, code = _l("The field “%(name)s” is required.", name=name), "missing"
    elif kind == "extra_forbidden":
        message = _l("The field “%(name)s” is not known here.", name=name)
        code = "unknown_field"
    elif kind in ("string_too_long", "too_long"):
        message, code = _l("The field “%(name)s” is too long.", name=name), "invalid"
    elif kind in ("string_too_short", "too_short"):
        message, code = _l("The field “%(name)s” is required.", name=name), "missing"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message, code = _l("The field “%(name)s” is out of range.", name=name), "invalid"
    elif kind in ("enum", "literal_error"):
        message, code = (
            _l("The field “%(name)s” has a value that is not allowed.", name=name),
            "invalid",
        )
    else:
        message, code = _l("The field “%(name)s” has the wrong type.", name=name), "invalid"
    if in_query:
        code = "bad_parameter"
    return DomainError(message, code=code, status=status)


# -- declaring a route ------------------------------------------------------------------------


def declare(
    *,
    who: str,
    json: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    answers: dict[int, type[BaseModel] | None] | None = None,
    errors: tuple[int, ...] = (),
    max_body: int = MAX_BODY,
) -> Callable:
    """Declare an API route: who may call it (``x-roles``), its body and query (checked before
    the route runs and passed as ``json=`` / ``query=``), its answers by status (serialised from
    the model the route returns) and the error statuses it may give. ``max_body``: a larger
    limit for a route that takes a file as its raw body (the app's limit is raised for its
    endpoint too)."""
    codes: dict[str, Any] = {}
    for status, model in (answers or {200: None}).items():
        codes[f"HTTP_{status}"] = model
    for status in {*errors, *((422,) if json else ()), *((400,) if query else ())}:
        codes.setdefault(f"HTTP_{status}", ApiError)
    validated = spec.validate(
        json=json,
        query=query,
        resp=Response(**codes),
        security={"bearer": []} if who != "anyone" else None,
        skip_validation=True,  # checked below, once, in Aula's error shape
    )

    def decorator(view: Callable) -> Callable:
        inner = validated(view)
        takes = inspect.signature(view).parameters

        @functools.wraps(inner)  # spectree finds its metadata through __wrapped__
        def wrapped(*args: Any, **kwargs: Any):
            if request.content_length and request.content_length > max_body:
                raise DomainError(_l("The body is too large."), code="too_large", status=413)
            if query is not None:
                try:
                    checked = query.model_validate(request.args.to_dict())
                except ValidationError as e:
                    raise validation_error(e, in_query=True) from None
                if "query" in takes:
                    kwargs["query"] = checked
            if json is not None:
                data = request.get_json(silent=True)
                if not isinstance(data, dict):
                    raise DomainError(
                        _l("The body must be a JSON object."), code="bad_json", status=400
                    )
                try:
                    body = json.model_validate(data)
                except ValidationError as e:
                    raise validation_error(e) from None
                if "json" in takes:
                    kwargs["json"] = body
            return _serialised(view(*args, **kwargs))

        wrapped.api_who = who  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _serialised(result: Any) -> Any:
    """A route's answer, its model (if any) written as JSON by pydantic."""
    payload, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
    if isinstance(payload, BaseModel):
        payload = current_app.response_class(payload.model_dump_json(), mimetype="application/json")
    elif isinstance(payload, dict | list):
        payload = jsonify(payload)
    return (payload, *rest) if rest else payload


# -- the description --------------------------------------------------------------------------

ROLE_WORDS = {"": "signed in"}


def _who(view: Callable) -> str:
    declared = getattr(view, "api_who", None)
    if declared:
        return declared
    roles = getattr(view, "api_roles", None)
    if roles is None:
        return "anyone"
    return ", ".join(roles) or "signed in"


def description(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every ``/api/v1`` route, made once per app."""
    cached = app.extensions.get("aula_openapi")
    if cached is not None:
        return cached
    spec.app = app
    if hasattr(spec, "_spec"):
        del spec._spec
    with app.app_context():
        document = spec._generate_spec()
    views: dict[tuple[str, str], Callable] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            path, _ = spec.backend.parse_path(rule, None)
            for method in rule.methods or ():
                views[(path, method.lower())] = app.view_functions[rule.endpoint]
    paths = {}
    for path, operations in sorted(document["paths"].items()):
        if not path.startswith(PREFIX):
            continue
        for method, operation in operations.items():
            view = views[(path, method)]
            who = _who(view)
            operation["x-roles"] = who
            operation["description"] = (
                f"**Who:** {who}.\n\n" + (operation.get("description") or "")
            ).strip()
            operation["tags"] = [path.removeprefix(PREFIX).strip("/").split("/")[0]]
            if who != "anyone":
                operation["security"] = [{"bearer": []}]
                operation["responses"].setdefault("401", _error_ref("Nobody is signed in."))
            for param in operation.get("parameters", ()):
                if param["in"] == "path" and param["schema"].get("type") == "integer":
                    param["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            responses = operation["responses"]
            if any(p["in"] == "path" for p in operation.get("parameters", ())):
                responses.setdefault("404", _error_ref("There is no such object."))
            if list(responses) == ["200"] and not getattr(view, "api_who", None):
                responses["200"] = {"description": "OK"}
        paths[path] = operations
    document["paths"] = paths
    schemas = document["components"]["schemas"]
    for model in (ApiError, ApiErrorBody):
        schemas.setdefault(
            model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
        )
    schemas[ApiError.__name__].pop("$defs", None)
    document["servers"] = [{"url": "/"}]
    document["security"] = []
    document["tags"] = [
        {"name": t} for t in sorted({o["tags"][0] for p in paths.values() for o in p.values()})
    ]
    app.extensions["aula_openapi"] = document
    return document


def _error_ref(text: str) -> dict[str, Any]:
    key = ApiError.__name__
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{key}"}}},
    }


# -- the two routes that serve it ---------------------------------------------------------


def openapi_json():
    """The OpenAPI 3.1 description of every /api/v1 route."""
    return jsonify(description(current_app._get_current_object()))


def openapi_docs():
    """A readable page of the description (Redoc, served by Aula itself)."""
    response = current_app.make_response(render_template("lms/api_docs.html"))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "worker-src 'self' blob:; frame-ancestors 'none'"
    )
    return response


bp.add_url_rule("/openapi.json", view_func=declare(who="anyone")(openapi_json), methods=["GET"])
bp.add_url_rule("/docs", view_func=declare(who="anyone")(openapi_docs), methods=["GET"])
