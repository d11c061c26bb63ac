"""Sessions signed in under Django's or allauth's backend path carry the site's backends instead
(network/backends.py), so a member signed in before this release stays signed in after it.

Each chunk of sessions is its own transaction, and a row is rewritten only if nobody saved it since
it was read (a second factor verified meanwhile is not overwritten; such a session keeps the old
path, and signs in again). The cached copy of each rewritten session is dropped after its chunk
commits, so no request caches the old row again in between.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, transaction
from django.utils import timezone

BACKEND_KEY = "_auth_user_backend"
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "network.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "network.backends.AuthenticationBackend",
}
CHUNK = 1000


def _rename(apps, schema_editor, renamed):
    Session = apps.get_model("sessions", "Session")
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    live = Session.objects.filter(expire_date__gt=timezone.now()).order_by("session_key")
    after = ""
    while True:
        chunk = list(live.filter(session_key__gt=after).values_list("session_key", "session_data")[:CHUNK])
        if not chunk:
            return
        after = chunk[-1][0]
        rewritten = []
        with transaction.atomic():
            for key, encoded in chunk:
                store = store_class(session_key=key)
                data = store.decode(encoded)
                if data.get(BACKEND_KEY) not in renamed:
                    continue
                data[BACKEND_KEY] = renamed[data[BACKEND_KEY]]
                if Session.objects.filter(session_key=key, session_data=encoded).update(
                    session_data=store.encode(data)
                ):
                    rewritten.append(store)
        for store in rewritten:  # a copy kept in the cache (cached_db) would still say the old path
            if hasattr(store, "cache_key"):
                store._cache.delete(store.cache_key)


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    atomic = False  # one transaction a chunk (see the module's notes)

    dependencies = [
        ("network", "0015_ledger_moves_out"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
