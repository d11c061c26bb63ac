"""Fixtures shared by every test: factories, members with profiles, a task runner."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.network.factories import (
    PASSWORD,
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
)

# Wagtail's tree (root, home page, story index, site), its groups with their permissions and the
# moderation workflow come from migrations. A transactional test (live server, browser) empties the
# database when it ends, so the next one would start without them. They are dumped once, with
# natural keys (content types and permissions are recreated with new ids after each flush), and
# loaded again at the start of a transactional test that finds them gone.
WAGTAIL_BASE_DATA = [
    "auth.group",
    "wagtailcore.locale",
    "wagtailcore.collection",
    "wagtailcore.page",
    "wagtailcore.site",
    "wagtailcore.grouppagepermission",
    "wagtailcore.groupcollectionpermission",
    "wagtailcore.task",
    "wagtailcore.groupapprovaltask",
    "wagtailcore.workflow",
    "wagtailcore.workflowtask",
    "wagtailcore.workflowpage",
    "cms.homepage",
    "cms.storyindexpage",
]


@pytest.fixture(scope="session")
def wagtail_base_data(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.core.management import call_command

    path = tmp_path_factory.mktemp("wagtail") / "base.json"
    with django_db_blocker.unblock():
        call_command(
            "dumpdata", *WAGTAIL_BASE_DATA, natural_foreign=True, natural_primary=False, output=str(path), verbosity=0
        )
    return path


@pytest.fixture(autouse=True)
def _wagtail_base_data(request):
    marker = request.node.get_closest_marker("django_db")
    if not marker or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    from django.core.management import call_command
    from wagtail.models import Page

    path = request.getfixturevalue("wagtail_base_data")
    request.getfixturevalue("transactional_db")
    if not Page.objects.exists():
        call_command("loaddata", str(path), verbosity=0)


def _flush_past_triggers(original):
    """Django's flush (a transactional test's teardown), allowed past the append-only triggers.

    The audit trail and the deck access log refuse DELETE and TRUNCATE in the database, so
    emptying the test database between transactional tests does what only a superuser could
    do in production: PostgreSQL runs the TRUNCATE with triggers off (session_replication_role,
    which only a superuser may set); SQLite drops its triggers for the flush and creates them
    again in the same transaction. The site's own code has no such way round them.
    """
    from django.db import transaction

    def execute_sql_flush(ops, sql_list):
        connection = ops.connection
        if connection.vendor == "postgresql":
            return original(ops, ["SET LOCAL session_replication_role = replica", *sql_list])
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            original(ops, sql_list)
            for _name, sql in triggers:
                cursor.execute(sql)
        return None

    return execute_sql_flush


@pytest.fixture(scope="session", autouse=True)
def _flush_append_only_tables():
    from django.db.backends.base.operations import BaseDatabaseOperations

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseOperations, "execute_sql_flush", _flush_past_triggers(BaseDatabaseOperations.execute_sql_flush)
        )
        yield


@pytest.fixture(autouse=True)
def _default_language():
    # A request in another language (a language cookie) leaves that language active in the thread.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits count in the cache; each test starts from zero. The layout's fragments
    # (core.layout_cache) too, so that none depends on the pages an earlier test made.
    from django.core.cache import caches

    cache.clear()
    caches["layout"].clear()
    yield
    cache.clear()
    caches["layout"].clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def profile_factory(db):
    return ProfileFactory


@pytest.fixture
def organisation_factory(db):
    return OrganisationFactory


@pytest.fixture
def membership_factory(db):
    return MembershipFactory


@pytest.fixture
def introduction_factory(db):
    return IntroductionFactory


@pytest.fixture
def member(db):
    """A signed-up member with a verified email and a profile."""
    return ProfileFactory(display_name="Ayesha Khan").user


@pytest.fixture
def other_member(db):
    return ProfileFactory(display_name="Bilal Ahmed", city="Toronto", country="CA", lives_abroad=True).user


@pytest.fixture
def third_member(db):
    return ProfileFactory(display_name="Sana Malik").user


@pytest.fixture
def member_client(client, member):
    from tests.sessions import sign_in

    return sign_in(client, member)


@pytest.fixture
def staff_superuser(db):
    """A member of staff with every permission in the admin, and two-factor authentication on."""
    return ProfileFactory(display_name="Farah Staff", user__is_staff=True, user__is_superuser=True, user__mfa=True).user


@pytest.fixture
def admin_client_mfa(client, staff_superuser):
    """A client signed in to the staff tools as ``staff_superuser``, in a session that used the
    account's second factor (as the staff tools require).

    Every admin test signs in through this one fixture, so that what a staff session needs is
    arranged in one place.
    """
    from tests.sessions import sign_in

    return sign_in(client, staff_superuser, mfa=True)


@pytest.fixture
def client_for(db):
    """Make a test client signed in as the given user (``mfa=False``: a session that never used
    the account's two-factor authentication; see tests.sessions.sign_in)."""
    from django.test import Client

    from tests.sessions import sign_in

    def make(user, *, mfa: bool | None = None, **kwargs) -> Client:
        return sign_in(Client(**kwargs), user, mfa=mfa)

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_tasks(db):
    """Run every queued background task that is due at ``now``, as ``db_worker`` would.

    Uses the worker's own ``run_task`` so tasks run exactly as in production,
    inside the test's transaction.
    """
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult, get_date_max

    def run(now=None) -> int:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        due = Q(run_after__lte=now or timezone.now()) | Q(run_after=get_date_max())
        count = 0
        while (result := DBTaskResult.objects.filter(due, status="READY").order_by("enqueued_at").first()) is not None:
            result.claim(worker.worker_id)
            worker.run_task(result)
            count += 1
        return count

    return run


@pytest.fixture
def deliver(django_capture_on_commit_callbacks, run_tasks):
    """``with deliver(): ...`` runs the block, its on-commit hooks, then the queued tasks.

    Tests run inside a transaction that never commits, so on-commit hooks
    (which queue email tasks) are captured and executed here explicitly.
    """
    from contextlib import contextmanager

    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_tasks()

    return block


@pytest.fixture
def mentor_factory(db):
    from tests.mentorship.factories import MentorFactory

    return MentorFactory


@pytest.fixture
def session_type_factory(db):
    from tests.mentorship.factories import SessionTypeFactory

    return SessionTypeFactory


@pytest.fixture
def availability_rule_factory(db):
    from tests.mentorship.factories import AvailabilityRuleFactory

    return AvailabilityRuleFactory


@pytest.fixture
def booking_factory(db):
    from tests.mentorship.factories import BookingFactory

    return BookingFactory


@pytest.fixture
def redis_cache():
    """The cache in Redis, as in production, under a prefix of this test's own."""
    from django.test import override_settings

    from tests.mentorship.test_room_processes import REDIS_URL

    caches = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"rabta-test-{uuid.uuid4().hex[:12]}",
        },
    }
    with override_settings(CACHES=caches):
        yield


# Every namespace a cached page or fragment depends on (checked against the views' own list).
PAGE_NAMESPACES = ("profiles", "organisations", "taxonomy", "mentors", "mentor-hours", "deals", "stories", "impact")


@pytest.fixture
def bumped(django_capture_on_commit_callbacks):
    """``with bumped() as seen:`` runs a change, commits it, and leaves in ``seen`` the page-cache
    namespaces whose version it changed — read from the cache itself, not from a spy."""
    from contextlib import contextmanager

    from core.pagecache import VERSION_KEY, VISITOR_NAMESPACES, _versions

    assert set(PAGE_NAMESPACES) >= VISITOR_NAMESPACES

    @contextmanager
    def watch():
        keys = {ns: VERSION_KEY.format(ns) for ns in PAGE_NAMESPACES}
        before = {ns: _versions((ns,)) for ns in PAGE_NAMESPACES}
        seen: set[str] = set()
        with django_capture_on_commit_callbacks(execute=True):
            yield seen
        after = cache.get_many(list(keys.values()))
        seen.update(ns for ns in PAGE_NAMESPACES if after.get(keys[ns]) != before[ns])

    return watch
