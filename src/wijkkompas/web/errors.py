"""The errors the web app answers with an HTTP status other than 422.

Raised by the facade (:mod:`wijkkompas.web.state`), the views and the routes; the app's
exception handlers (:func:`wijkkompas.web.app.create_app`) turn each into a page or a
JSON error in the user's language. Any other :class:`~wijkkompas.errors.WijkkompasError`
is a 422.
"""
from __future__ import annotations

from ..errors import WijkkompasError


class NotFound(WijkkompasError):
    """Something the user asked for does not exist (404)."""


class BadRequest(WijkkompasError):
    """A parameter the app cannot use (422)."""


class Busy(WijkkompasError):
    """The app cannot do this now; try again soon (503 with Retry-After)."""
