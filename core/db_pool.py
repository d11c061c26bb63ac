"""psycopg's connection pool, checking a connection before handing it out only if it may have sat idle.

With ``CONN_HEALTH_CHECKS`` Django gives the pool ``ConnectionPool.check_connection``, a round trip
to PostgreSQL every time a connection leaves the pool. Rabta's live connections give theirs back
after every call (``core.websockets.off_thread``), so each room message paid a second round trip
for the check, and under load the check was a fifth of the thread pool's time
(docs/session-room.md). Here a connection handed out less than ``IDLE_CHECK_SECONDS`` ago is handed
out again unchecked: it was in use or in the pool for no longer than that. One handed out longer ago
(the database may have restarted while it sat in the pool, or a proxy dropped it) is checked, and
replaced if it is broken. A connection that breaks while in use fails its query as before, and the
pool discards it when it comes back.

The time is taken when the connection leaves the pool (the pool's ``check`` callback), not when it
comes back: a ``reset`` callback would make psycopg_pool return every connection through its
worker threads instead of at once.
"""

from __future__ import annotations

import threading
import time
import weakref

from psycopg_pool import ConnectionPool

IDLE_CHECK_SECONDS = 5.0

_handed_out_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def check_if_idle(connection) -> None:
    """The pool's ``check`` callback: raises if a connection that may have sat idle is broken."""
    now = time.monotonic()
    with _lock:
        last = _handed_out_at.get(connection)
        _handed_out_at[connection] = now
    if last is None or now - last > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(connection)
