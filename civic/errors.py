"""The errors services raise. Views turn them into messages, the API into error bodies."""

from __future__ import annotations


class CivicError(Exception):
    """A refusal a user or client can understand. ``message`` is already translated (lazily)."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidInput(CivicError):
    status_code = 400
    code = "invalid"


class NotAllowed(CivicError):
    status_code = 403
    code = "forbidden"


class NotFound(CivicError):
    status_code = 404
    code = "not_found"


class Conflict(CivicError):
    status_code = 409
    code = "conflict"
