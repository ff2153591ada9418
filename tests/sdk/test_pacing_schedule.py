"""The pacer against the emulator's copy of Twenty's throttle, on one fake clock: a discrete-event run of
``upsert_many(concurrency=C)``-like workers whose requests reach the server after a random delay and are answered
after a random latency, as on a real Twenty (a 200-record batch answers in 0.3-1.2 s; a 429 at once). Proves: no 429
from a client's own traffic when the arrival jitter stays within the margin, >= 95 % of the best schedule, and two
clients sharing one workspace both finish, with the patient retry policy the README advises for several writers,
without a storm of 429s. Nothing sleeps."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

import attrs
import pytest
from twenty_emulator import RateLimiter

from twenty_sdk import Pacer, RateLimit, RetryPolicy

LIMITS = RateLimit()  # Twenty's defaults, 100 per 1 s and 100 per 60 s
RETRY = RetryPolicy()  # the transport's default: 4 retries, exponential backoff with full jitter
PATIENT = RetryPolicy(max_retries=8)  # what the README advises for several processes writing to one workspace


@attrs.define
class Client:
    pacer: Pacer
    todo: int
    sent: int = 0
    refused: int = 0
    done: int = 0
    gave_up: int = 0  # requests refused more often than the retry policy allows: RateLimitError
    answered_at: list[float] = attrs.Factory(list)


@attrs.frozen
class Network:
    arrival: tuple[float, float] = (0.005, 0.025)  # send -> the server's throttle check (jitter 20 ms < margin 25)
    latency: tuple[float, float] = (0.3, 1.2)  # the throttle check -> a 2xx answer back


def run(
    requests: list[int],
    *,
    concurrency: int = 3,
    network: Network = Network(),
    retry: RetryPolicy = RETRY,
    seed: int = 0,
) -> tuple[list[Client], float]:
    """Each client sends its ``requests[i]`` requests with ``concurrency`` workers; returns the clients and when the
    last one finished."""
    rng = random.Random(seed)
    now = [0.0]

    def clock() -> float:
        return now[0]

    server = RateLimiter(clock=clock)
    clients = [Client(Pacer(LIMITS, clock=clock, rng=random.Random(seed * 100 + i)), n) for i, n in enumerate(requests)]
    events: list[tuple[float, int, Callable[[], None]]] = []
    order = [0]

    def at(t: float, action: Callable[[], None]) -> None:
        order[0] += 1
        heapq.heappush(events, (t, order[0], action))

    def start(client: Client, attempt: int) -> None:
        if attempt == 1:
            if client.todo == 0:
                return
            client.todo -= 1
        take_slot(client, attempt)

    def take_slot(client: Client, attempt: int) -> None:
        epoch = client.pacer._epoch  # as Pacer.acquire does
        wait = client.pacer.reserve()
        at(now[0] + wait, lambda: send(client, attempt) if wait <= 0 else woken(client, attempt, epoch))

    def woken(client: Client, attempt: int, epoch: int) -> None:  # Pacer.acquire after its sleep
        if epoch != client.pacer._epoch:
            take_slot(client, attempt)
        else:
            send(client, attempt)

    def send(client: Client, attempt: int) -> None:
        client.sent += 1
        sent_at = now[0]
        at(now[0] + rng.uniform(*network.arrival), lambda: arrive(client, attempt, sent_at))

    def arrive(client: Client, attempt: int, sent_at: float) -> None:
        refusal = server.take()
        if refusal is None:
            at(now[0] + rng.uniform(*network.latency), lambda: admitted(client))
        else:
            at(now[0] + 0.01, lambda: refused(client, attempt, refusal, sent_at))

    def admitted(client: Client) -> None:
        client.done += 1
        client.answered_at.append(now[0])
        start(client, 1)

    def refused(client: Client, attempt: int, message: str, sent_at: float) -> None:
        client.refused += 1
        client.pacer.on_rate_limited(message, sent_at=sent_at)
        if not retry.should_retry("POST", 429, attempt):
            client.gave_up += 1
            start(client, 1)
            return
        at(now[0] + retry.retry_delay(attempt, rng), lambda: start(client, attempt + 1))

    for client in clients:
        for _ in range(concurrency):
            at(0.0, lambda client=client: start(client, 1))  # type: ignore[misc]
    while events:
        now[0], _, action = heapq.heappop(events)
        action()
    return clients, max(max(c.answered_at) for c in clients)


def best(client: Client, n: int) -> float:
    """The best schedule: the burst (its measured time, as in bench_pacing.py), then one request per 600 ms."""
    burst = sorted(client.answered_at)[LIMITS.long_limit - LIMITS.headroom - 1]
    return burst + LIMITS.best_paced_time(n)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    ("concurrency", "network"),
    [
        pytest.param(3, Network(), id="3 in flight, answers in 0.3-1.2 s"),
        pytest.param(1, Network(latency=(0.1, 0.5)), id="1 in flight, answers in 0.1-0.5 s"),
    ],
)
def test_one_client_draws_no_429_and_reaches_95_percent_of_the_best_schedule(
    concurrency: int, network: Network, seed: int
) -> None:
    (client,), wall = run([200], concurrency=concurrency, network=network, seed=seed)
    assert (client.done, client.refused) == (200, 0)
    assert best(client, 200) / wall >= 0.95


@pytest.mark.parametrize("seed", range(3))
def test_one_client_under_a_fast_server_paces_at_the_refill_interval_and_margin(seed: int) -> None:
    (client,), wall = run([300], network=Network(latency=(0.02, 0.05)), seed=seed)
    assert client.refused == 0
    burst = sorted(client.answered_at)[97]  # 98 at once (2 kept back), then one per 625 ms
    assert wall == pytest.approx(burst + (300 - 98) * 0.625, abs=0.3)


@pytest.mark.parametrize("seed", range(3))
def test_jitter_beyond_the_margin_costs_a_few_429s_not_a_storm(seed: int) -> None:
    (client,), _ = run([200], network=Network(arrival=(0.0, 0.1)), seed=seed)
    assert client.done == 200
    assert client.gave_up == 0
    assert client.refused <= 5


@pytest.mark.parametrize("seed", range(8))
def test_two_clients_sharing_a_workspace_both_finish_without_a_storm(seed: int) -> None:
    clients, wall = run([200, 200], retry=PATIENT, seed=seed)
    assert [c.done for c in clients] == [200, 200]
    assert [c.gave_up for c in clients] == [0, 0]  # no RateLimitError
    assert sum(c.refused for c in clients) <= 0.1 * 400
    assert wall < 2 * (25 + LIMITS.best_paced_time(400))  # well under twice the best for the pair
