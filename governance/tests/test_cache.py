"""The Redis cache makes one client per connection pool and shares it between threads."""

from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache, caches

from governance.cache import RedisCache


def test_the_cache_is_ours_and_reuses_its_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=True) is client
    assert backend._cache.get_client() is client  # one server: reads and writes share it


def test_commands_through_the_shared_client_from_many_threads():
    cache.delete("test-cache-counter")
    cache.add("test-cache-counter", 0, timeout=60)

    def bump(_):
        for _ in range(100):
            cache.incr("test-cache-counter")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bump, range(8)))
    assert cache.get("test-cache-counter") == 800
    assert not cache.add("test-cache-counter", 5, timeout=60)  # NX: kept
    assert cache.delete("test-cache-counter")
    assert cache.get("test-cache-counter") is None
