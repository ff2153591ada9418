"""Fault injection for reliability tests, reproducible under a seed: added latency, 5xx and 429 answers,
dropped connections and slow bodies, each at a rate per route pattern."""

from __future__ import annotations

import fnmatch
import random
import threading

import attrs

__all__ = ["FaultDecision", "FaultRule", "Faults"]


@attrs.define(frozen=True)
class FaultRule:
    """Faults for requests whose ``METHOD /path`` matches ``route`` (a glob, e.g. ``"POST /rest/batch/*"``).

    Rates are probabilities in [0, 1]; ``latency_ms`` is added to every matching request;
    ``slow_body_ms`` spreads the answer's body over that long.
    """

    route: str = "*"
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    slow_body_ms: float = 0.0


@attrs.define(frozen=True)
class FaultDecision:
    kind: str  # "none" | "error" | "rate_limit" | "drop"
    status: int = 0
    latency_ms: float = 0.0
    slow_body_ms: float = 0.0


class Faults:
    """The fault rules in force and the seeded random source that decides each request's fate."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self.rules: list[FaultRule] = list(rules or [])
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def set(self, rules: list[FaultRule], seed: int | None = None) -> None:
        with self._lock:
            self.rules = list(rules)
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        self.set([])

    def decide(self, method: str, path: str) -> FaultDecision:
        key = f"{method} {path}"
        with self._lock:
            latency = slow = 0.0
            for rule in self.rules:
                if not fnmatch.fnmatchcase(key, rule.route):
                    continue
                latency += rule.latency_ms
                slow = max(slow, rule.slow_body_ms)
                roll = self._rng.random()
                if roll < rule.drop_rate:
                    return FaultDecision("drop", latency_ms=latency)
                roll -= rule.drop_rate
                if roll < rule.error_rate:
                    return FaultDecision("error", rule.error_status, latency_ms=latency)
                roll -= rule.error_rate
                if roll < rule.rate_limit_rate:
                    return FaultDecision("rate_limit", 429, latency_ms=latency)
            return FaultDecision("none", latency_ms=latency, slow_body_ms=slow)
