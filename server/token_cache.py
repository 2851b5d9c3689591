"""API tokens by hash, cached for the task-sync hot path (SPEC 2, issue: performance).

Revocation removes the entry synchronously before the revoke is answered, so the very next
request with that token reads the database again and finds it revoked. A lookup that was
already reading the row when a revocation landed may hold a stale copy: `put` refuses it
when the cache's generation moved since the read began. Entries for unknown hashes are never
cached: a flood of random tokens cannot grow the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CachedToken:
    id: str
    project_id: str
    token_prefix: str
    status_map: dict[str, str]
    backfill_until: datetime
    revoked: bool


class TokenCache:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._by_hash: OrderedDict[str, CachedToken] = OrderedDict()
        self.generation = 0

    def get(self, token_hash: str) -> CachedToken | None:
        found = self._by_hash.get(token_hash)
        if found is not None:
            self._by_hash.move_to_end(token_hash)
        return found

    def put(self, token_hash: str, token: CachedToken, *, read_at: int) -> None:
        """Cache `token`, read from the database when `generation` was `read_at`."""
        if read_at != self.generation:
            return
        self._by_hash[token_hash] = token
        self._by_hash.move_to_end(token_hash)
        while len(self._by_hash) > self._capacity:
            self._by_hash.popitem(last=False)

    def forget(self, token_id: str) -> None:
        self.generation += 1
        for token_hash, token in list(self._by_hash.items()):
            if token.id == token_id:
                del self._by_hash[token_hash]

    def clear(self) -> None:
        self.generation += 1
        self._by_hash.clear()
