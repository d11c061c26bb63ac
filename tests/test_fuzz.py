"""Every URL pattern, fed hostile input as four people, answers below 500.

The patterns are walked from the root URL configuration (the site's own, allauth's, the Django
admin's, Wagtail's admin and pages). Each parameter gets a real value from a small world (a
founder, a mentor with sessions, an incubator with a cohort, a live deal, a story…) and then, one
at a time, hostile ones: a NUL byte, bytes that are not UTF-8, ids past 64 bits, slot tokens in
years 1 and 9999. At the real address, the query string and a form get the same treatment: the
field names are the ones the page's own HTML shows, plus a list of names the site's views read by
hand; the values are 20-digit and negative 20-digit integers, a superscript digit, dates in years
1 and 9999 and on 30 February, NUL bytes, bytes that are not UTF-8, an encoded lone surrogate and a
JSON body with ``\\u0000``.

The people: a visitor; a member (a founder who books sessions, asks for introductions and owns a
startup); a mentor (who is also the incubator's manager and an approved investor, so the deal room
and the cohort pages open); staff (a superuser in a session that used two-factor authentication).
The admin's and Wagtail's own patterns are sent as staff only (everyone else is redirected to sign
in before those views read any input), and only their addresses, except the Django admin of the
site's own models, whose forms are fuzzed too (see ``_plan``). allauth's pages are sent as the
visitor and the member. Known failures of code the site does not own are listed in
``KNOWN_UPSTREAM`` and reported, not counted; anything else fails.

Every request runs in a savepoint that is rolled back, so one that fails on PostgreSQL does not
poison the next and none changes the world for the others. Rate limits are off (they would answer
429 before the view reads the input). Failures are gathered into one assertion: URL, person, status.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from cms.models import StoryIndexPage, StoryPage
from investments.dealroom.decks import sample_deck
from investments.models import (
    Application,
    ConfidentialityTerms,
    Evidence,
    InvestorProfile,
    Milestone,
    Pitch,
    TermsAcceptance,
)
from ledger import services as ledger_services
from mentorship import services as mentorship_services
from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from network.models import Membership, Notification, Organisation
from tests.dealroom.conftest import live_pitch, make_investor
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.mentorship.factories import AvailabilityRuleFactory, BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import (
    TOTP_SECRET,
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
)
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: past 64 bits
NUL = "%00"
NOT_UTF8 = "%ff"
SURROGATE = "%ed%b3%bf"  # U+DCFF written as UTF-8, which UTF-8 forbids

HOSTILE_PATH = {  # (2**63 exactly, and other encodings, are in tests/core/test_input.py)
    "id": [NUL, NOT_UTF8, HUGE],
    "slot": [NUL, "99991231T2359Z", "00010101T0000Z"],
    "other": [NUL, NOT_UTF8, HUGE],
}
# Names the site's views read from a query string or a form by hand, besides their forms' fields.
KNOWN_NAMES = [
    "q", "page", "p", "o", "sector", "sectors", "language", "languages", "type", "week", "reschedule", "after",
    "before", "status", "kind", "id", "pk", "version", "slide", "stage", "action", "client_id", "body", "text",
    "milestone_id", "tranche_id", "assignment_id", "year", "quarter", "amount", "date", "start", "next", "user",
    "startup", "incubator", "centre", "rating", "agenda", "reason", "role", "email",
]  # fmt: skip
# Three requests a form (and three a query string): in the first, every other field gets a 20-digit
# integer and the rest a date in year 9999; in the second, year 1 and a negative 20-digit integer.
# So each field meets an integer extreme and a date extreme, in half the requests of one per value.
# In the third, a digit ``int`` refuses (``"²".isdigit()`` is true) and a day no month has.
SUPERSCRIPT_TWO = "\u00b2"
VALUE_MIXES = [(HUGE, "9999-12-31"), ("0001-01-01", f"-{HUGE}"), (SUPERSCRIPT_TWO, "2026-02-30")]
CHEAP_BODIES = {  # refused before any view (and before sessions): as one person per address
    "nul": ("application/x-www-form-urlencoded", "text=%00&q=a%00b"),
    "not utf-8": ("application/x-www-form-urlencoded", "text=%ff"),
    "surrogate": ("application/x-www-form-urlencoded", f"text={SURROGATE}"),
    "json nul": ("application/json", json.dumps({"text": "\x00", "nested": ["\udcff"]})),
}
CHEAP_QUERIES = [f"q={NUL}", f"q={NOT_UTF8}", f"{NUL}=1"]
# As everyone: every name with a NUL in its value, but for names that must look right for a view
# to reach the database with the rest (a room message needs a well-formed client id).
PLAUSIBLE = {"client_id": "0b6f1c1e-7d1c-4a43-9a57-3f1f3c1d2e4f", "version": "0", "rating": "5"}
PROJECT_APPS = ("network", "mentorship", "investments", "cms")
# Failures of code the site does not own, expected until it changes upstream: (url name, error).
KNOWN_UPSTREAM = {
    ("wagtailimages_chooser:chosen", "ValueError"): "Wagtail's chooser takes any text as an image id",
    ("wagtaildocs_chooser:chosen", "ValueError"): "Wagtail's chooser takes any text as a document id",
    ("admin:mentorship_booking_add", "AttributeError"): (
        "Django's admin shows a read-only date-time taken from the query string (?created_at=…) as is"
    ),
}
# Addresses left out, and why.
SKIPPED = {
    "wagtailadmin_error_test": "Wagtail's page that raises on purpose, to test error reporting",
}
NAME_ATTRIBUTE = re.compile(r'\bname="([^"<>]{1,80})"')


# --- The world ----------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path, settings):
    settings.RATELIMIT_ENABLE = False
    settings.ACCOUNT_RATE_LIMITS = False
    # A sign-in with an unknown address still hashes the password (against timing attacks): quickly here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    storages = []
    for model, name in ((Evidence, "file"), (Pitch, "deck")):
        field = model._meta.get_field(name)
        storages.append((field, field.storage))
        field.storage = FileSystemStorage(location=tmp_path / name)
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        yield _make_world()
    finally:
        for field, storage in storages:
            field.storage = storage


def _make_world() -> SimpleNamespace:
    terms = ConfidentialityTerms.objects.create(version=1, text="Keep it confidential.")
    member = ProfileFactory(display_name="Ayesha Founder").user
    mentor = MentorFactory()
    mentor_user = mentor.user
    InvestorProfile.objects.create(
        user=mentor_user, status="approved", focus="Fintech", ticket_min=5000, ticket_max=50000, country="GB",
        attestation=True,
    )  # fmt: skip
    Authenticator.objects.create(user=mentor_user, type=Authenticator.Type.TOTP, data={"secret": encrypt(TOTP_SECRET)})
    TermsAcceptance.objects.create(user=mentor_user, terms=terms)
    staff = ProfileFactory(
        display_name="Farah Staff", user__is_staff=True, user__is_superuser=True, user__mfa=True
    ).user

    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=clock(0), end_time=clock(23))
    session_type = SessionTypeFactory(mentor=mentor)
    now = timezone.now()
    free = [s.start for s in mentor_slots(session_type=session_type, now=now) if s.start >= now + timedelta(days=3)]
    booking = mentorship_services.booking_request(
        mentee=member, session_type=session_type, start=free[0], agenda="Pricing our SaaS product for the US."
    )
    soon = now.replace(microsecond=0) + timedelta(minutes=10)
    live = BookingFactory(session_type=session_type, mentee=member, start=soon, end=soon + timedelta(hours=1))
    held = BookingFactory(
        session_type=session_type, mentee=member, start=now - timedelta(days=2), status=Booking.Status.COMPLETED
    )
    feed = mentorship_services.calendar_feed_get_or_create(user=member)

    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    membership = MembershipFactory(organisation=startup, user=member, role=Membership.Role.OWNER)
    incubator = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    MembershipFactory(organisation=incubator, user=mentor_user, role=Membership.Role.OWNER)
    cohort = CohortFactory(incubator=incubator)
    application = ApplicationFactory(cohort=cohort, startup=startup, status=Application.Status.ADMITTED)
    milestone = Milestone.objects.create(
        cohort=cohort, startup=startup, title="500 freelancers paid", kpi="paying_customers", target=500,
        due_on=date(2027, 3, 1),
    )  # fmt: skip
    evidence = Evidence.objects.create(milestone=milestone, value=Decimal(10), submitted_by=member)
    evidence.file.save("evidence.pdf", ContentFile(sample_deck("Evidence", ["A page"])), save=True)
    pitch = live_pitch(startup, incubator, member)
    question = pitch.questions.create(asker=mentor_user, text="What is the burn?")
    introduction = IntroductionFactory(requester=member, recipient=mentor_user)
    notification = Notification.objects.create(recipient=member, kind="test", message="Hello")
    report = ledger_services.export_report_submit(
        actor=member, centre=incubator, organisation=startup, data={"year": 2026, "quarter": 1, "amount": 500}
    )
    OrganisationFactory(name="Khet Kahani", slug="khet-kahani", kind=Organisation.Kind.STARTUP)
    make_investor("Second angel", terms=terms)

    index = StoryIndexPage.objects.get()
    story = StoryPage(title="From Lahore to the world", slug="from-lahore", standfirst="A story.")
    index.add_child(instance=story)
    story.save_revision().publish()

    real = {
        "user_id": mentor_user.pk,
        "membership_id": membership.pk,
        "type_id": session_type.pk,
        "start": free[1].strftime("%Y%m%dT%H%MZ"),
        "token": feed.token,
        "page": 1,
        "slug": startup.slug,
        "page_id": story.pk,
        "parent_page_id": index.pk,
        "pk": story.pk,  # Wagtail's routes: the story
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "anything": "nothing-here",
        "url": "nothing-here/",
    }
    # ``pk`` names a different model on each route: the world's object for that route.
    pk_of = {
        "network:introduction": introduction.pk,
        "ledger:export": report.pk,
        "network:notification": notification.pk,
        "mentorship:mentor": mentor.pk,
        "mentorship:booking-room": live.pk,
        "mentorship:feedback": held.pk,
        "mentorship:endorsement": held.pk,
        "mentorship:booking": booking.pk,
        "investments:cohort": cohort.pk,
        "investments:application": application.pk,
        "investments:review": application.pk,
        "investments:enrolment": cohort.pk,
        "investments:evidence": evidence.pk,
        "investments:pitch": pitch.pk,
        "deals:question": question.pk,
        "deals:investor": InvestorProfile.objects.get(user=mentor_user).pk,
        "deals:": pitch.pk,
    }
    slug_of = {"investments:incubator": incubator.slug, "investments:cohort": incubator.slug,
               "cms:impact-centre": incubator.slug, "ledger:centre-exports": incubator.slug}  # fmt: skip
    return SimpleNamespace(
        member=member, mentor=mentor_user, staff=staff, real=real, pk_of=pk_of, slug_of=slug_of,
        booking=booking, live=live,
    )  # fmt: skip


# --- The patterns -------------------------------------------------------------------------

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Regular-expression routes, written as the address they match with a placeholder per group.
REGEX_ROUTES = {
    r"^media/(?P<path>images/[^/]+)$": "media/images/{path}",
    r"^((?:[\w\-]+/)*)$": "{page_path}",
    r"^editors/password_reset/": "editors/password_reset/",
    r"^confirm-email/(?P<key>[-:\w]+)/$": "confirm-email/{key}/",
    r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "password/reset/key/{uidb36}-{key}/",
    r"^(?P<pk>\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\.(?P<revision_id_b>live|latest|\d+)/$": (
        "{pk}/revisions/compare/{revision_id_a}...{revision_id_b}/"
    ),
    r"^.*/$": "{anything}/",  # Wagtail admin's own 404 for addresses under it that nothing else took
    r"(?P<url>.*)$": "{url}",  # the Django admin's catch-all (a 404, or a redirect to add a slash)
}
REGEX_IDS = {"pk"}


def _patterns() -> list[tuple[str, str, dict[str, str], URLPattern]]:
    """(address template, url name, {parameter: kind}, pattern) for every pattern; kinds are
    ``id``, ``slot`` or ``other``. A regular-expression route not in REGEX_ROUTES fails the test,
    so a new one cannot be skipped silently."""
    found = []
    unknown = []

    def walk(patterns, prefix: str, converters: dict[str, str], namespace: str) -> None:
        for entry in patterns:
            template, kinds = _template(entry.pattern)
            if template is None:
                unknown.append(prefix + str(entry.pattern))
                continue
            kinds = {**converters, **kinds}
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + template, kinds, inner)
            else:
                found.append((prefix + template, f"{namespace}{entry.name or ''}", kinds, entry))

    walk(get_resolver().url_patterns, "", {}, "")
    assert not unknown, f"teach REGEX_ROUTES these: {unknown}"
    return found


def _template(pattern) -> tuple[str | None, dict[str, str]]:
    route = str(pattern)
    if isinstance(pattern, RoutePattern):
        kinds = {}
        for name, converter in pattern.converters.items():
            converter_name = type(converter).__name__
            if converter_name == "SlotConverter" or name == "start":  # a slot token, however it is routed
                kinds[name] = "slot"
            elif converter_name in ("IdConverter", "IntConverter"):
                kinds[name] = "id"
            else:
                kinds[name] = "other"
        return ROUTE_PARAMETER.sub(lambda m: "{" + m["name"] + "}", route), kinds
    if route in REGEX_ROUTES or route.startswith("^(?P<app_label>"):  # the admin's list of an app's models
        template = REGEX_ROUTES.get(route, "{app_label}/")
        names = re.findall(r"{(\w+)}", template)
        return template, {name: "id" if name in REGEX_IDS else "other" for name in names}
    if not re.search(r"[()\[\]*+?\\|{}]", route.strip("^$")):
        return route.strip("^$"), {}
    return None, {}


def _real_value(world, name: str, url_name: str, pattern: URLPattern) -> str:
    if name == "pk" or (name == "slug" and url_name in world.slug_of):
        table = world.pk_of if name == "pk" else world.slug_of
        for prefix in sorted(table, key=len, reverse=True):
            if url_name.startswith(prefix):
                return str(table[prefix])
    if name == "object_id":  # the Django admin: the first object of the model
        model_admin = getattr(pattern.callback, "model_admin", None)
        first = model_admin.model._default_manager.order_by("pk").first() if model_admin else None
        return quote(str(first.pk)) if first else "1"
    if name == "page_path":
        return "stories/"  # the story index, which reads a search, filters and a page number
    if name in ("app_label",):
        return "network"
    return str(world.real.get(name, 1))


# --- Sending ------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, clients: dict[str, Client]):
        self.clients = clients
        # Each request starts from the same cookies: signing out, deleting the account or a new
        # session (all rolled back in the database) must not leave a member signed out for the rest.
        self.cookies = {role: copy.deepcopy(client.cookies) for role, client in clients.items()}
        self.failures: list[str] = []
        self.requests = 0
        self.url_name = ""
        self.known: list[str] = []
        self.error: BaseException | None = None
        got_request_exception.connect(self._caught, dispatch_uid="fuzz")

    def _caught(self, sender, request=None, **kwargs) -> None:
        self.error = sys.exc_info()[1]

    def send(self, role: str, method: str, path: str, *, query: str = "", body: str = "", content_type: str = ""):
        client = self.clients[role]
        extra = {"QUERY_STRING": query} if query else {}
        self.requests += 1
        self.error = None
        with transaction.atomic():
            if method == "get":
                response = client.get(path, **extra)
            else:
                response = client.generic(
                    "POST", path, body.encode("utf-8", "surrogatepass"), content_type or "text/plain", **extra
                )
            transaction.set_rollback(True)
        client.cookies = copy.deepcopy(self.cookies[role])
        if response.status_code >= 500 and (self.url_name, type(self.error).__name__) in KNOWN_UPSTREAM:
            self.known.append(f"{method.upper()} {path} as {role}: {type(self.error).__name__}")
        elif response.status_code >= 500:
            where = f"{path}?{query}" if query else path
            error = f" {type(self.error).__name__}: {str(self.error)[:120]}" if self.error else ""
            self.failures.append(
                f"{method.upper()} {where[:200]} [{content_type or '-'}] as {role}: {response.status_code}{error}"
            )
        return response


def _address(template: str, values: dict[str, str]) -> str:
    return "/" + template.format(**values)


def _field_names(response) -> list[str]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    names = set(NAME_ATTRIBUTE.findall(response.content.decode("utf-8", "replace")))
    names.discard("csrfmiddlewaretoken")
    # A formset's form counts: Django caps them (a 20-digit count makes the admin build its
    # maximum of forms, which takes seconds here and proves nothing more).
    names = {name for name in names if not name.endswith("_FORMS")}
    return sorted(names)


def _encoded(names: list[str], mix: tuple[str, str]) -> str:
    return "&".join(f"{quote(name)}={quote(mix[n % 2])}" for n, name in enumerate(names))


def fuzz_pattern(
    fuzzer: Fuzzer, role: str, template: str, kinds: dict[str, str], real: dict[str, str], *, forms: bool, first: bool
) -> None:
    """Send one address its hostile variants as ``role``; ``forms=False``: the address only (its
    parameters, no query strings or forms); ``first``: the first person to visit it, who also
    sends the input every person's request is refused for before sessions are read."""
    path = _address(template, real)
    # The address with hostile parameters, one at a time.
    for name, kind in kinds.items():
        for value in HOSTILE_PATH[kind]:
            hostile = _address(template, {**real, name: value})
            fuzzer.send(role, "get", hostile)
            if forms and (value == HUGE or kind == "slot"):
                fuzzer.send(role, "post", hostile, body="agenda=x", content_type="application/x-www-form-urlencoded")
    response = fuzzer.send(role, "get", path)
    if not forms:
        return
    # The real address: its own fields and the known names, hostile.
    names = sorted({*_field_names(response), *KNOWN_NAMES})
    for mix in VALUE_MIXES:
        fuzzer.send(role, "get", path, query=_encoded(names, mix))
        fuzzer.send(role, "post", path, body=_encoded(names, mix), content_type="application/x-www-form-urlencoded")
    with_nul = "&".join(f"{quote(name)}={quote(PLAUSIBLE.get(name, 'a\x00b'))}" for name in names)
    fuzzer.send(role, "get", path, query=with_nul)
    fuzzer.send(role, "post", path, body=with_nul, content_type="application/x-www-form-urlencoded")
    if first:
        for query in CHEAP_QUERIES:
            fuzzer.send(role, "get", path, query=query)
        for content_type, body in CHEAP_BODIES.values():
            fuzzer.send(role, "post", path, body=body, content_type=content_type)


def _plan(template: str, pattern: URLPattern) -> tuple[tuple[str, ...], bool]:
    """Who visits an address, and whether with forms and query strings.

    The staff tools are visited by staff only (everyone else is sent to sign in before those views
    read anything). Their forms are sent hostile input on the Django admin of the site's own models;
    Wagtail's and the admin's other views get their addresses with hostile ids, since their own forms
    answer 500 to a form without its management fields or with a ``next`` that is not an address
    whatever the values (upstream behaviour, noted in the security notes)."""
    if template.startswith("admin/"):
        model_admin = getattr(pattern.callback, "model_admin", None)
        own = model_admin is not None and model_admin.model._meta.app_label in PROJECT_APPS
        return ("staff",), own
    if template.startswith("editors/"):
        return ("staff",), False
    if template.startswith("accounts/"):  # allauth's pages are the same for every member
        return ("visitor", "member"), True
    return ("visitor", "member", "mentor", "staff"), True


def test_no_url_answers_hostile_input_with_a_server_error(world):
    # given
    clients = {"visitor": Client(raise_request_exception=False)}
    for role, user in (("member", world.member), ("mentor", world.mentor), ("staff", world.staff)):
        clients[role] = sign_in(Client(raise_request_exception=False), user, mfa=role != "member")
    fuzzer = Fuzzer(clients)
    patterns = _patterns()
    started = time.monotonic()

    # when
    try:
        for template, url_name, kinds, pattern in patterns:
            if url_name in SKIPPED:
                continue
            real = {name: _real_value(world, name, url_name, pattern) for name in kinds}
            roles, forms = _plan(template, pattern)
            fuzzer.url_name = url_name
            for n, role in enumerate(roles):
                fuzz_pattern(fuzzer, role, template, kinds, real, forms=forms, first=n == 0)
    finally:
        got_request_exception.disconnect(dispatch_uid="fuzz")
    elapsed = time.monotonic() - started

    # then: the members were signed in throughout
    for role in ("member", "mentor", "staff"):
        assert clients[role].get("/dashboard/").status_code == 200, role
    print(f"fuzz: {len(patterns)} patterns, {fuzzer.requests} requests in {elapsed:.1f} s")
    print(f"fuzz: {len(fuzzer.known)} known upstream failures: {sorted(set(fuzzer.known))}")
    assert len(patterns) > 400
    assert not fuzzer.failures, f"{len(fuzzer.failures)} of {fuzzer.requests} requests failed:\n" + "\n".join(
        fuzzer.failures
    )
