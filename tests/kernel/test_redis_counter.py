"""The rate counter on Redis (``ReusingRedisCache.count_in_window``): one round trip, a new
window expires by itself, and servers counting at once never lose a request."""

import secrets
import threading

import pytest
import redis
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from mlteam.kernel.cache import ReusingRedisCache
from tests.factories import UserFactory


@pytest.fixture
def cache(redis_url):
    return ReusingRedisCache(redis_url, {"KEY_PREFIX": f"test-{secrets.token_hex(4)}"})


def test_counts_from_one_and_the_window_expires(cache, redis_url):
    assert [cache.count_in_window("window", 61) for _ in range(3)] == [1, 2, 3]
    raw = redis.Redis.from_url(redis_url)
    ttl = raw.ttl(cache.make_and_validate_key("window"))
    assert 55 <= ttl <= 61
    assert cache.count_in_window("other-window", 61) == 1


def test_one_round_trip_per_count(cache):
    cache.count_in_window("warm", 10)  # the pool's connection is open
    client = cache._cache.get_client(write=True)
    sent = []
    connection = client.connection_pool.get_connection("PING")
    client.connection_pool.release(connection)
    original = type(connection).send_packed_command

    def counting(self, *args, **kwargs):
        sent.append(args)
        return original(self, *args, **kwargs)

    type(connection).send_packed_command = counting
    try:
        cache.count_in_window("counted", 10)
    finally:
        type(connection).send_packed_command = original
    assert len(sent) == 1


def test_counting_at_once_from_many_threads_loses_nothing(cache):
    def count():
        for _ in range(50):
            cache.count_in_window("busy", 60)

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.count_in_window("busy", 60) == 4 * 50 + 1


@pytest.mark.django_db
def test_the_api_rate_counts_on_redis(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "mlteam.kernel.cache.ReusingRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        }
    }
    settings.API_THROTTLE_RATES = {"token": "3/minute", "anon": "2/minute"}
    _, raw = token_create(user=UserFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [client.get("/api/v1/models/").status_code for _ in range(4)] == [200, 200, 200, 429]
