"""Routes of the credit notes resource."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_NOTE = "credit_note"

ROUTES: list[Route] = [
    Route("GET", "/v1/credit_notes/preview", r.preview_credit_note, "credit_notes.preview"),
    Route("GET", "/v1/credit_notes/preview/lines", r.preview_lines, "credit_notes.preview_lines"),
    Route("POST", "/v1/credit_notes", r.create_credit_note, "credit_notes.create", object_type=_NOTE),
    Route("GET", "/v1/credit_notes", r.list_credit_notes, "credit_notes.list"),
    Route("GET", "/v1/credit_notes/{id}", r.retrieve_credit_note, "credit_notes.retrieve"),
    Route("POST", "/v1/credit_notes/{id}", r.update_credit_note, "credit_notes.update", object_type=_NOTE),
    Route("POST", "/v1/credit_notes/{id}/void", r.void_credit_note, "credit_notes.void", object_type=_NOTE),
    Route("GET", "/v1/credit_notes/{id}/lines", r.list_lines, "credit_notes.lines"),
]
