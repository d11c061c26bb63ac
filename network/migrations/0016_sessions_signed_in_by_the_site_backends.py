"""Sessions signed in under Django's or allauth's backend path carry the site's backends instead
(network/backends.py), so nobody is signed out when ``AUTHENTICATION_BACKENDS`` changes to them."""

from importlib import import_module

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BACKEND_KEY = "_auth_user_backend"
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "network.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "network.backends.AuthenticationBackend",
}


def _rename(apps, schema_editor, renamed):
    Session = apps.get_model("sessions", "Session")
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    changed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000):
        store = store_class(session_key=session.session_key)
        data = store.decode(session.session_data)
        if data.get(BACKEND_KEY) not in renamed:
            continue
        data[BACKEND_KEY] = renamed[data[BACKEND_KEY]]
        session.session_data = store.encode(data)
        changed.append(session)
        if hasattr(store, "cache_key"):  # a copy kept in the cache (cached_db) would still say the old path
            store._cache.delete(store.cache_key)
        if len(changed) >= 2000:
            Session.objects.bulk_update(changed, ["session_data"])
            changed = []
    Session.objects.bulk_update(changed, ["session_data"])


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0015_ledger_moves_out"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
