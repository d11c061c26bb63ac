from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django.conf import settings
from django.db import transaction

# Failed sign-ins counted per account whatever the address (ACCOUNT_RATE_LIMITS in settings).
ACCOUNT_FAILURES = "login_failed_account"


@dataclass(frozen=True)
class PublicSite:
    """What allauth's email templates read as ``current_site``: the site's name and public host."""

    name: str
    domain: str


def public_site() -> PublicSite:
    """Rabta as its emails name it: WAGTAIL_SITE_NAME, on SITE_URL's host (not the request's)."""
    return PublicSite(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def on_public_origin(value: object, request_host: str | None) -> object:
    """A link allauth built from the request's host, moved onto SITE_URL; anything else as it was.

    allauth makes its links (confirm, reset, sign up) with ``request.build_absolute_uri``, so a
    request that came in on another host the site answers to (127.0.0.1, an internal name behind
    the proxy) would email links to that host, which the reader may not be able to reach.
    """
    if not isinstance(value, str) or request_host is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or parts.netloc != request_host:
        return value
    return settings.SITE_URL + parts._replace(scheme="", netloc="").geturl()


class AccountAdapter(DefaultAccountAdapter):
    """Rabta's hooks into allauth.

    - Every new account gets its profile at once.
    - Account emails (verification, password reset, security notices) are
      rendered in the request but sent by the background worker, so a slow
      mail server never holds up a page. They name the site "Rabta" and link
      to SITE_URL whatever host the request came in on.
    - Wrong passwords are limited per address *and account* (allauth's
      ``login_failed``, keyed here on both, as allauth's maintainer advises),
      so someone who knows a member's email cannot lock them out from
      everywhere with five guesses; a looser limit per account alone
      (``login_failed_account``) still stops a guesser spread over many
      addresses. A password reset clears both for the member.
    """

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{self.get_client_ip(request)}|{self._account_key(request, **credentials)}"

    def pre_authenticate(self, request, **credentials) -> None:
        if not ratelimit.consume(
            request, action=ACCOUNT_FAILURES, key=self._account_key(request, **credentials), dry_run=True
        ):
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        ratelimit.consume(request, action=ACCOUNT_FAILURES, key=self._account_key(request, **credentials))

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(request, action=ACCOUNT_FAILURES, key=self._account_key(request, **credentials))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            from network.services import profile_ensure

            zone = form.cleaned_data.get("timezone", "") if form is not None and hasattr(form, "cleaned_data") else ""
            profile_ensure(user=user, time_zone=zone)
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from network.tasks import send_email_message

        # allauth's own send_mail adds request, email and current_site; without them its
        # templates say "Hello from !". current_site is the public site, not the request's host.
        request = allauth_context.request
        request_host = request.get_host() if request is not None else None
        context = {
            "request": request,
            "email": email,
            "current_site": public_site(),
            "site_url": settings.SITE_URL,
            **{key: on_public_origin(value, request_host) for key, value in context.items()},
        }
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
        payload = {
            "subject": str(message.subject),
            "body": message.body,
            "to": list(message.to),
            "from_email": message.from_email,
            "html": html,
        }
        transaction.on_commit(lambda: send_email_message.enqueue(**payload))
