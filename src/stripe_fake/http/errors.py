"""Stripe-shaped errors. Raise one anywhere in a handler; the dispatcher renders it.

v1 renders ``{"error": {type, code, message, param, doc_url, request_log_url}}``;
v2 renders ``{"error": {type?, code, message}}``.
"""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An API error with the status, type, code and param Stripe would send."""

    #: True when raised while validating parameters, before the endpoint started executing
    #: (the idempotency layer does not save such errors).
    validation: bool = False
    #: True for the 404 of an endpoint the fake does not implement (see :func:`unrecognized_url`).
    unimplemented: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def v1_body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + self.code.replace("_", "-")
        if self.param is not None:
            error["param"] = self.param
        if request_id is not None:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error.update(self.extra)
        return {"error": error}

    def v2_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "code": self.code or "invalid_request"}
        error["message"] = self.message
        error.update(self.extra)
        return {"error": error}

    def __repr__(self) -> str:
        details = f"{self.status}, {self.type!r}, {self.code!r}, {self.message!r}, param={self.param!r}"
        return f"StripeError({details})"


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(message, status=status, code=code, param=param)


def parameter_missing(name: str) -> StripeError:
    return StripeError(f"Missing required param: {name}.", code="parameter_missing", param=name)


def parameter_unknown(name: str) -> StripeError:
    return StripeError(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)


def resource_missing(kind: str, object_id: str, *, param: str = "id", status: int = 404) -> StripeError:
    """``No such <kind>: '<id>'``: 404 for path ids, 400 for ids given in parameters."""
    return StripeError(f"No such {kind}: '{object_id}'", status=status, code="resource_missing", param=param)


def unrecognized_url(method: str, path: str) -> StripeError:
    """Stripe's 404 for a URL it does not know; the fake also answers it for endpoints it does not
    implement (``unimplemented``: the request is listed in ``unimplemented_requests``)."""
    error = StripeError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
        "https://support.stripe.com/. (stripe-fake does not implement this endpoint.)",
        status=404,
    )
    error.unimplemented = True
    return error


def authentication_missing() -> StripeError:
    return StripeError(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using "
        "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
        "https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        status=401,
    )


def authentication_invalid(key: str) -> StripeError:
    masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
    return StripeError(f"Invalid API Key provided: {masked}", status=401)


def v2_error(code: str, message: str, *, status: int = 400, type: str | None = None) -> StripeError:
    """An error that only exists on v2 endpoints (``{"error": {code, message, type?}}``)."""
    return StripeError(message, status=status, type=type or "invalid_request_error", code=code)
