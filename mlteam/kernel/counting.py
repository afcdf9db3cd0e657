"""Rate counters in the shared cache, counted a batch at a time by each process.

Counting every request in Redis costs a round trip per request: on the API's point reads that
was a quarter of the request's time, most of it waiting for Redis to be scheduled. Here each
process adds up its own requests and sends them with one ``INCRBY`` (``count_in_window``) every
``batch`` requests or ``seconds`` seconds, whichever comes first, and decides on the shared count
it last saw plus its own since. Counts are never lost while their window matters: what a process
has not sent when its window ends belonged to a window no one checks any more.

Close to the limit (``near`` of it) every request is sent at once, so the refusal comes at the
limit as it would unbatched. Between flushes another process's requests are unseen: with P
processes the limit can be passed by at most P × ``batch`` requests while all of them are still
below ``near`` — a bound the rates here (hundreds a minute) are meant to absorb. A process's
first request in a window is always sent, so a process that starts late learns the count at once.
"""

import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Window:
    counter: str
    shared: int = 0  # the shared count as of the last flush, this process's requests included
    pending: int = 0  # this process's requests since
    flushed_at: float = field(default=float("-inf"))


class BatchedWindowCounts:
    def __init__(self, *, batch: int, seconds: float, near: float = 0.9):
        self.batch, self.seconds, self.near = batch, seconds, near
        self._windows: dict[str, _Window] = {}  # by the rate's key: one window each, the latest
        self._lock = threading.Lock()  # gthread workers share a process

    def count(self, cache, key: str, counter: str, lifetime: int, limit: int) -> int:
        """This request's number in ``counter`` (``key``'s current window) as this process knows
        it; the shared count is updated in ``cache`` (``count_in_window``) when it is due."""
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.counter != counter:  # a new window: its first request
                window = self._windows[key] = _Window(counter)
                if len(self._windows) > 10_000:  # keys of callers long gone
                    self._forget_stale(now, lifetime)
            window.pending += 1
            known = window.shared + window.pending
            due = (
                window.pending >= self.batch
                or now - window.flushed_at >= self.seconds
                or known >= self.near * limit
            )
            if not due:
                return known
            amount, window.pending, window.flushed_at = window.pending, 0, now
        try:
            shared = cache.count_in_window(counter, lifetime, amount)
        except Exception:
            with self._lock:  # not sent: counted again with the next flush
                window.pending += amount
            raise
        with self._lock:
            window.shared = max(window.shared, shared)
            return window.shared + window.pending

    def _forget_stale(self, now: float, lifetime: int) -> None:
        for key in [k for k, w in self._windows.items() if now - w.flushed_at > lifetime]:
            del self._windows[key]
