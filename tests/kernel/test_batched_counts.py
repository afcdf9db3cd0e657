"""``BatchedWindowCounts``: each process sends its rate counts a batch at a time, and every
request once a caller nears its limit, so refusals still come at the limit."""

import secrets
import threading

import pytest

from mlteam.kernel import counting
from mlteam.kernel.cache import ReusingRedisCache
from mlteam.kernel.counting import BatchedWindowCounts


class SharedCounts:
    """The shared cache as far as the counter sees it: ``count_in_window`` calls, counted."""

    def __init__(self):
        self.totals, self.sent = {}, []

    def count_in_window(self, counter, lifetime, amount=1):
        self.sent.append(amount)
        self.totals[counter] = self.totals.get(counter, 0) + amount
        return self.totals[counter]


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 100.0}
    monkeypatch.setattr(counting.time, "monotonic", lambda: now["t"])
    return now


def test_counts_are_sent_a_batch_at_a_time_and_none_is_lost(clock):
    shared, counts = SharedCounts(), BatchedWindowCounts(batch=5, seconds=10)
    numbers = [counts.count(shared, "k", "k:1", 61, 1000) for _ in range(11)]
    assert numbers == list(range(1, 12))  # what this process knows: every request, in order
    assert shared.sent == [1, 5, 5]  # the window's first at once, then batches of five
    assert shared.totals["k:1"] == 11


def test_a_batch_is_also_sent_when_its_seconds_are_up(clock):
    shared, counts = SharedCounts(), BatchedWindowCounts(batch=100, seconds=0.2)
    counts.count(shared, "k", "k:1", 61, 1000)
    counts.count(shared, "k", "k:1", 61, 1000)
    assert shared.sent == [1]
    clock["t"] += 0.25
    counts.count(shared, "k", "k:1", 61, 1000)
    assert shared.sent == [1, 2]


def test_near_the_limit_every_request_is_sent_and_sees_the_other_processes(clock):
    shared = SharedCounts()
    here, there = (
        BatchedWindowCounts(batch=50, seconds=60),
        BatchedWindowCounts(batch=50, seconds=60),
    )
    limit = 10
    for _ in range(8):
        here.count(shared, "k", "k:1", 61, limit)  # 1 sent, 7 pending here
    assert there.count(shared, "k", "k:1", 61, limit) == 2  # its first: sent at once
    assert here.count(shared, "k", "k:1", 61, limit) == 10  # 9 known ≥ 90 %: sent, sees "there"
    assert here.count(shared, "k", "k:1", 61, limit) == 11  # over the limit: refused by the rate
    assert shared.totals["k:1"] == 11


def test_a_new_window_starts_from_its_own_count(clock):
    shared, counts = SharedCounts(), BatchedWindowCounts(batch=5, seconds=10)
    for _ in range(3):
        counts.count(shared, "k", "k:1", 61, 1000)
    assert counts.count(shared, "k", "k:2", 61, 1000) == 1
    assert shared.totals == {"k:1": 1, "k:2": 1}  # the old window's pending two no longer matter


def test_a_count_that_could_not_be_sent_is_sent_with_the_next(clock):
    shared, counts = SharedCounts(), BatchedWindowCounts(batch=2, seconds=10)
    counts.count(shared, "k", "k:1", 61, 1000)
    counts.count(shared, "k", "k:1", 61, 1000)
    failing = SharedCounts()
    failing.count_in_window = lambda *a: (_ for _ in ()).throw(ConnectionError("redis down"))
    with pytest.raises(ConnectionError):
        counts.count(failing, "k", "k:1", 61, 1000)
    counts.count(shared, "k", "k:1", 61, 1000)
    assert shared.totals["k:1"] == 4


def test_threads_and_processes_counting_at_once_lose_nothing_in_redis(redis_url):
    cache = ReusingRedisCache(redis_url, {"KEY_PREFIX": f"test-{secrets.token_hex(4)}"})
    processes = [BatchedWindowCounts(batch=7, seconds=60) for _ in range(3)]

    def work(counts):
        for _ in range(140):  # 20 batches of 7 each
            counts.count(cache, "k", "k:1", 61, 10**9)

    threads = [threading.Thread(target=work, args=(c,)) for c in processes for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for counts in processes:  # what is still pending (below a batch) would go with the next
        window = counts._windows["k"]
        if window.pending:
            cache.count_in_window("k:1", 61, window.pending)
    assert cache.count_in_window("k:1", 61, 0) == 6 * 140
