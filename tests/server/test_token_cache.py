from __future__ import annotations

from datetime import UTC, datetime

from server.token_cache import CachedToken, TokenCache


def _token(token_id: str = "t1", *, revoked: bool = False) -> CachedToken:
    return CachedToken(
        id=token_id,
        project_id="p1",
        token_prefix="abcdef01",
        status_map={},
        backfill_until=datetime(2026, 1, 1, tzinfo=UTC),
        revoked=revoked,
    )


def test_forget_removes_every_hash_of_the_token() -> None:
    cache = TokenCache()
    cache.put("h1", _token(), read_at=cache.generation)

    cache.forget("t1")

    assert cache.get("h1") is None


def test_a_row_read_before_a_revocation_is_not_cached_after_it() -> None:
    cache = TokenCache()
    read_at = cache.generation  # a lookup starts reading the row …
    cache.forget("t1")  # … a revocation commits meanwhile …

    cache.put("h1", _token(), read_at=read_at)  # … the stale copy arrives

    assert cache.get("h1") is None


def test_the_least_recently_used_entry_leaves_first() -> None:
    cache = TokenCache(capacity=2)
    for name in ("a", "b"):
        cache.put(name, _token(name), read_at=cache.generation)
    cache.get("a")

    cache.put("c", _token("c"), read_at=cache.generation)

    assert cache.get("b") is None
    assert cache.get("a") is not None
