"""The API's JSON parser: limits on a body's size and nesting, checked before parsing.

Its own module: DRF imports it while loading its settings, before ``rest_framework.views`` exists."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

MAX_JSON_DEPTH = 64
TOO_DEEP = f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; nothing was saved."
TOO_LARGE = "The request body is more than {limit:,} bytes, the most the API accepts; nothing was saved."


class BodyTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _body_limit() -> int | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else int(limit)


def too_large() -> BodyTooLargeError:
    return BodyTooLargeError(TOO_LARGE.format(limit=_body_limit() or 0))


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}.__getitem__


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects, counted without recursion (brackets inside
    strings are text). Malformed JSON gets a number too; the parser then reports what is wrong."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP, brackets)), default=0)


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser with two limits checked before parsing: the body's size (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, answered 413) and its nesting (MAX_JSON_DEPTH, answered 400), so
    neither a huge nor a deeply nested body can exhaust the server's memory or stack."""

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        context = parser_context or {}
        limit = _body_limit()
        if stream is None:
            raise exceptions.ParseError("JSON parse error - the body is empty")
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise too_large()
        try:
            text = raw.decode(context.get("encoding") or settings.DEFAULT_CHARSET)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if json_depth(text) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(TOO_DEEP)
        parse_constant = drf_json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
