"""Load-balancing strategies: each picks a replica index for a request.

They see replicas through ``load(i)`` = requests in service + waiting at replica i, the
number a real balancer tracks as open connections.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Protocol

Load = Callable[[int], int]


class Strategy(Protocol):
    def pick(self, key: int | None, rid: int) -> int: ...


class RoundRobin:
    """Replica 0, 1, ..., n-1, 0, ...: over n*m requests each replica gets exactly m."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = -1

    def pick(self, key: int | None, rid: int) -> int:
        self.i = (self.i + 1) % self.n
        return self.i


class RandomPick:
    def __init__(self, n: int, rnd: random.Random) -> None:
        self.n = n
        self.random = rnd.random

    def pick(self, key: int | None, rid: int) -> int:
        return int(self.random() * self.n)


class LeastConnections:
    """The replica with the fewest open requests; ties rotate so idle replicas share work."""

    def __init__(self, n: int, load: Load) -> None:
        self.n = n
        self.load = load
        self.start = -1

    def pick(self, key: int | None, rid: int) -> int:
        n = self.n
        self.start = (self.start + 1) % n
        best = self.start
        best_load = self.load(best)
        for off in range(1, n):
            if best_load == 0:
                break
            j = (self.start + off) % n
            lj = self.load(j)
            if lj < best_load:
                best, best_load = j, lj
        return best


class PowerOfTwo:
    """Two distinct replicas at random, the less loaded wins (Mitzenmacher's two choices)."""

    def __init__(self, n: int, load: Load, rnd: random.Random) -> None:
        self.n = n
        self.load = load
        self.random = rnd.random

    def pick(self, key: int | None, rid: int) -> int:
        n = self.n
        if n == 1:
            return 0
        a = int(self.random() * n)
        b = int(self.random() * (n - 1))
        if b >= a:
            b += 1
        return a if self.load(a) <= self.load(b) else b


def _h64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class ConsistentHash:
    """A hash ring with virtual nodes: a key always lands on the same replica, and adding a
    replica moves only about 1/n of the keys. Requests without a key hash their id."""

    VNODES = 64

    def __init__(self, replica_names: Sequence[str]) -> None:
        points = sorted(
            (_h64(f"{name}#{v}"), i)
            for i, name in enumerate(replica_names)
            for v in range(self.VNODES)
        )
        self.hashes = [p[0] for p in points]
        self.owners = [p[1] for p in points]
        self.memo: dict[int, int] = {}

    def owner(self, key: int) -> int:
        hit = self.memo.get(key)
        if hit is None:
            j = bisect.bisect_left(self.hashes, _h64(f"key:{key}")) % len(self.hashes)
            hit = self.memo[key] = self.owners[j]
        return hit

    def pick(self, key: int | None, rid: int) -> int:
        if key is None:
            j = bisect.bisect_left(self.hashes, _h64(f"req:{rid}")) % len(self.hashes)
            return self.owners[j]
        return self.owner(key)


# Each strategy built from what it needs: the replica names, their loads, a random stream.
Factory = Callable[[Sequence[str], Load, random.Random], Strategy]
STRATEGIES: dict[str, Factory] = {
    "round_robin": lambda names, load, rnd: RoundRobin(len(names)),
    "random": lambda names, load, rnd: RandomPick(len(names), rnd),
    "least_connections": lambda names, load, rnd: LeastConnections(len(names), load),
    "power_of_two": lambda names, load, rnd: PowerOfTwo(len(names), load, rnd),
    "consistent_hash": lambda names, load, rnd: ConsistentHash(names),
}


def make_strategy(
    name: str, replica_names: Sequence[str], load: Load, rnd: random.Random
) -> Strategy:
    try:
        factory = STRATEGIES[name]
    except KeyError:
        raise ValueError(f"unknown strategy {name!r}") from None
    return factory(replica_names, load, rnd)
