"""Cache replacement policies over integer keys.

``lookup(key, now)`` answers hit or miss and, on a miss, inserts the key at once (as with
request coalescing: the second request for a key being fetched waits for that fetch rather
than counting a second miss). That is also the reference model behind Che's approximation,
so an LRU cache's simulated hit ratio can be checked against theory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class Policy(Protocol):
    def lookup(self, key: int, now: float) -> bool: ...

    def clear(self) -> None: ...


class LRU:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[int, None] = OrderedDict()

    def clear(self) -> None:
        self.entries.clear()

    def lookup(self, key: int, now: float) -> bool:
        entries = self.entries
        if key in entries:
            entries.move_to_end(key)
            return True
        if len(entries) >= self.capacity:
            entries.popitem(last=False)
        entries[key] = None
        return False


class LFU:
    """Least frequently used, least recently used among equals; O(1) per lookup."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.freq: dict[int, int] = {}
        self.buckets: dict[int, OrderedDict[int, None]] = {}
        self.min_freq = 0

    def clear(self) -> None:
        self.freq.clear()
        self.buckets.clear()
        self.min_freq = 0

    def lookup(self, key: int, now: float) -> bool:
        f = self.freq.get(key)
        if f is not None:
            bucket = self.buckets[f]
            del bucket[key]
            if not bucket:
                del self.buckets[f]
                if self.min_freq == f:
                    self.min_freq = f + 1
            self.freq[key] = f + 1
            self.buckets.setdefault(f + 1, OrderedDict())[key] = None
            return True
        if len(self.freq) >= self.capacity:
            bucket = self.buckets[self.min_freq]
            victim, _ = bucket.popitem(last=False)
            if not bucket:
                del self.buckets[self.min_freq]
            del self.freq[victim]
        self.freq[key] = 1
        self.buckets.setdefault(1, OrderedDict())[key] = None
        self.min_freq = 1
        return False


class TTL:
    """Entries live ``ttl_s`` after they were fetched; when full, the oldest goes first."""

    def __init__(self, capacity: int, ttl_s: float) -> None:
        self.capacity = capacity
        self.ttl = ttl_s
        self.expiry: OrderedDict[int, float] = OrderedDict()

    def clear(self) -> None:
        self.expiry.clear()

    def lookup(self, key: int, now: float) -> bool:
        exp = self.expiry.get(key)
        if exp is not None and exp > now:
            return True
        if exp is not None:
            del self.expiry[key]
        elif len(self.expiry) >= self.capacity:
            self.expiry.popitem(last=False)
        self.expiry[key] = now + self.ttl
        return False


POLICIES: dict[str, Callable[[int, float | None], Policy]] = {
    "lru": lambda capacity, ttl_s: LRU(capacity),
    "lfu": lambda capacity, ttl_s: LFU(capacity),
    "ttl": lambda capacity, ttl_s: TTL(capacity, float(ttl_s or 60.0)),
}


def make_policy(name: str, capacity: int, ttl_s: float | None) -> Policy:
    try:
        factory = POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown cache policy {name!r}") from None
    return factory(capacity, ttl_s)
