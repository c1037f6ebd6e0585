"""A Content-Security-Policy on every response: scripts only from our own files.

Pages may run only the JavaScript files we serve (no inline script, no ``eval``, nothing
from another host: plant networks are air-gapped anyway). Inline styles stay allowed: the
drawings of the screens and the admin's templates carry ``style`` attributes. A response
that already has a policy (a served drawing has a stricter one) keeps its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Adds ``CONTENT_SECURITY_POLICY`` to responses that have no policy of their own.

    Built on ``MiddlewareMixin`` so that it runs in both modes: the live stream is an
    asynchronous view, and a synchronous-only middleware would make Django buffer it.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
