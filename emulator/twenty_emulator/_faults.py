"""Fault injection for reliability tests, reproducible under a seed: added latency, 5xx and 429 answers,
dropped connections and slow bodies, each at a rate per route pattern.

Errors, 429s and drops strike *before* the request is applied: the server never saw it. A *lost answer*
(``lose_rate``) strikes after: the write is applied, then its answer is lost (the connection drops, or a gateway
answers ``lose_status``), which is what proves a client's retries idempotent."""

from __future__ import annotations

import fnmatch
import random
import threading
from typing import Any

import attrs

__all__ = ["FaultDecision", "FaultRule", "Faults", "rules_from_json"]


def _route(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"route must be a glob such as 'POST /rest/batch/*', got {value!r}")


def _rate(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be a number from 0 to 1, got {value!r}")


def _duration(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise ValueError(f"{attribute.name} must be a number of milliseconds >= 0, got {value!r}")


def _status(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ValueError(f"{attribute.name} must be an HTTP status, got {value!r}")


def _error_status_or_none(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599):
        raise ValueError(f"{attribute.name} must be null (drop the connection) or an HTTP error status, got {value!r}")


@attrs.define(frozen=True)
class FaultRule:
    """Faults for requests whose ``METHOD /path`` matches ``route`` (a glob, e.g. ``"POST /rest/batch/*"``).

    Rates are probabilities in [0, 1]; ``latency_ms`` is added to every matching request;
    ``slow_body_ms`` spreads the answer's body over that long. Bad values raise ValueError (or TypeError).

    Before the request is applied: ``drop_rate`` (the connection breaks mid-answer), ``error_rate`` (an
    ``error_status`` answer in Twenty's shape), ``rate_limit_rate`` (Twenty's 429). After it is applied:
    ``lose_rate`` (the answer is lost: the connection breaks, or, with ``lose_status`` set to e.g. 502 or 504, a
    gateway's error page replaces it).
    """

    route: str = attrs.field(default="*", validator=_route)
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    error_status: int = attrs.field(default=503, validator=_status)
    rate_limit_rate: float = attrs.field(default=0.0, validator=_rate)
    drop_rate: float = attrs.field(default=0.0, validator=_rate)
    latency_ms: float = attrs.field(default=0.0, validator=_duration)
    slow_body_ms: float = attrs.field(default=0.0, validator=_duration)
    lose_rate: float = attrs.field(default=0.0, validator=_rate)
    lose_status: int | None = attrs.field(default=None, validator=_error_status_or_none)


def rules_from_json(payload: Any) -> tuple[list[FaultRule], int | None]:
    """The body of ``PUT /_emulator/faults`` (``{"rules": [{"route": ..., "error_rate": ...}], "seed": 7}``) → the
    rules and the seed; ValueError or TypeError saying what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError('expected a JSON object: {"rules": [...], "seed": N}')
    unknown = sorted(set(payload) - {"rules", "seed"})
    if unknown:
        raise ValueError(f"unknown keys {unknown}; known: ['rules', 'seed']")
    rules = payload.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ValueError('"rules" must be a list of objects')
    known = {a.name for a in attrs.fields(FaultRule)}
    for rule in rules:
        if set(rule) - known:
            raise ValueError(f"unknown fault settings {sorted(set(rule) - known)}; known: {sorted(known)}")
    seed = payload.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f'"seed" must be an integer, got {seed!r}')
    return [FaultRule(**rule) for rule in rules], seed


@attrs.define(frozen=True)
class FaultDecision:
    """One request's fate. ``kind`` "lose" applies the request first; its ``status`` is 0 for a dropped connection."""

    kind: str  # "none" | "error" | "rate_limit" | "drop" | "lose"
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
                roll -= rule.rate_limit_rate
                if roll < rule.lose_rate:
                    return FaultDecision("lose", rule.lose_status or 0, latency_ms=latency)
            return FaultDecision("none", latency_ms=latency, slow_body_ms=slow)
