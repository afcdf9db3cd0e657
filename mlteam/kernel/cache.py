"""Django's Redis cache, keeping one client per connection pool, with a one-round-trip counter.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object for every cache call; its set-up
(hundreds of response callbacks) cost more CPU than the round trip itself on the API's hot path,
which makes two cache calls a request (the token lookup and the rate counter). A ``redis.Redis``
is safe to share, and the pools it wraps are already kept, so the client can be kept too.

``count_in_window`` is the rate counter's increment: Django's ``incr`` asks ``EXISTS`` first (two
round trips) and cannot start a counter with its expiry.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def count_in_window(self, key: str, seconds: int, amount: int = 1) -> int:
        """``key``'s counter after adding ``amount``; a new counter expires after ``seconds``.
        One round trip: ``SET key 0 EX seconds NX`` (a no-op once the window is open), then
        ``INCRBY``. Each command is atomic, so servers counting at once never lose a request."""
        pipe = self.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=seconds, nx=True)
        pipe.incrby(key, amount)
        return pipe.execute()[1]


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def count_in_window(self, key: str, seconds: int, amount: int = 1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        return self._cache.count_in_window(key, seconds, amount)
