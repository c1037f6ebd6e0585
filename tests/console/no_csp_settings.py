"""The test settings without the Content-Security-Policy middleware, for the browser test
that shows a drawing is harmless on its own, with no policy to stop what it would fetch."""

from smve.test_settings import *  # noqa: F403

MIDDLEWARE = [
    name
    for name in MIDDLEWARE  # noqa: F405
    if name != "console.csp.ContentSecurityPolicyMiddleware"
]
