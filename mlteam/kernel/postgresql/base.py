"""Django's PostgreSQL backend, checking a persistent connection's health without a query.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before each request's first query: a whole
round trip to PostgreSQL on every request, which on the API's point reads cost as much as the
read itself. An idle connection has nothing to read, so it is enough to look at its socket: when
PostgreSQL closed it (a restart, ``pg_terminate_backend``, an idle timeout) the server's goodbye
or the end of the stream is waiting there. Only then is ``SELECT 1`` sent, and the connection
dropped if it fails, exactly as Django would. A connection lost without a word (a cable pulled)
fails its first query instead; Django then closes it at the end of that request (a 503), and the
next request connects again.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.pool or self.connection is None or not self.health_check_enabled:
            return  # the pool only hands out healthy connections
        if self.health_check_done:
            return
        if (self.connection.closed or self._server_has_spoken()) and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _server_has_spoken(self) -> bool:
        """Whether the idle connection's socket has something to read (or is closed)."""
        try:
            poller = select.poll()
            poller.register(
                self.connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP
            )
            return bool(poller.poll(0))
        except Exception:  # no socket any more: treat as spoken, the real check decides
            return True
