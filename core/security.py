"""The security headers every response carries: pages made by Django, pages answered from the page
cache, files, static files, error pages, health checks.

One list, ``security_headers()``, read from the settings Django's own middleware uses
(``SECURE_HSTS_*``, ``SECURE_REFERRER_POLICY``, ``SECURE_CROSS_ORIGIN_OPENER_POLICY``,
``SECURE_CSP``, ``X_FRAME_OPTIONS``) plus the two Django has no setting for
(``Permissions-Policy``, ``Cross-Origin-Resource-Policy``). ``SecurityHeadersMiddleware``, the
outermost middleware, adds whatever a response still lacks, so a header set by a view or an inner
middleware (a CSP with a nonce, a framing exemption) is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.csp import build_policy

# Nothing on Rabta uses these browser features; a page that someone managed to inject into could not
# either. WebAuthn (passkeys) keeps its default of this origin only.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)


_DEFAULT = object()


def security_headers(*, secure: bool, csp=_DEFAULT, framing: bool = True) -> list[tuple[str, str]]:
    """The headers a response must carry (HSTS only over HTTPS, as browsers ignore it otherwise).

    ``csp``: the policy a view chose with Django's ``csp_override`` (empty: none), else
    ``SECURE_CSP``; ``framing=False`` for a view exempt from X-Frame-Options.
    """
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin"),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if framing:
        headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")))
    policy = settings.SECURE_CSP if csp is _DEFAULT else csp
    if policy:
        headers.append(("Content-Security-Policy", build_policy(policy)))
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


class SecurityHeadersMiddleware:
    """First in ``MIDDLEWARE``: whatever Django answers — a view, a file, a static file from
    WhiteNoise, an error page, a page from the cache middleware — leaves with every security header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        headers = security_headers(
            secure=request.is_secure(),
            csp=getattr(response, "_csp_config", _DEFAULT),
            framing=not getattr(response, "xframe_options_exempt", False),
        )
        for name, value in headers:
            if name not in response.headers:
                response.headers[name] = value
        return response
