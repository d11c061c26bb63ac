"""psycopg's connection pool, checking a connection before handing it out only if it sat idle.

With ``CONN_HEALTH_CHECKS`` Django gives the pool ``ConnectionPool.check_connection``, a round trip
to PostgreSQL every time a connection leaves the pool. Rabta's live connections give theirs back
after every call (``network.realtime.off_thread``), so each room message paid a second round trip
for the check, and under load the check was a fifth of the thread pool's time
(docs/session-room.md). A connection given back moments ago is as good as it was then; one that sat
in the pool for longer than ``IDLE_CHECK_SECONDS`` (the database may have restarted meanwhile, or a
proxy dropped it) is checked, and replaced if it is broken. A connection that breaks while in use
fails its query as before, and the pool discards it when it comes back.
"""

from __future__ import annotations

import threading
import time
import weakref

from psycopg_pool import ConnectionPool

IDLE_CHECK_SECONDS = 5.0

_returned_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def mark_returned(connection) -> None:
    """The pool's ``reset`` callback: note when the connection came back."""
    with _lock:
        _returned_at[connection] = time.monotonic()


def check_if_idle(connection) -> None:
    """The pool's ``check`` callback: raises if a connection that sat idle is broken."""
    with _lock:
        returned = _returned_at.get(connection)
    if returned is None or time.monotonic() - returned > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(connection)
