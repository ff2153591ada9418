"""Batch upsert against the emulator: requests per record, records per second, and pacing under a rate limit.

    python bench/bench_upsert.py [--records 10000] [--paced-records 20000] [--latency-records 6000] [--only 1|2|3]

1. **Requests per record.** ``people.upsert_many`` of N new people, then the same N again (all updates), against the
   emulator with no rate limit, in process and over a loopback socket. Bound: ⌈N/200⌉ requests (50 for 10k).
2. **Pacing efficiency.** The emulator and the client both at a scaled-down limit of Twenty's shape (short 5 per
   1 s, long 10 per 2 s: 5 tokens/s sustained, so a ceiling of 5 * 200 = 1,000 records/s), the emulator in its
   own process. Printed: the whole run against the most requests the server accepts in that time from full buckets
   (``RateLimit.ceiling``), and the steady state after the initial burst against tokens/s * 200. Goal: no 429, and
   the pacer's safety margin as the only loss: a token every 0.2 s here, taken every 0.2 s + ``RateLimit.margin``
   (25 ms), so ≥ 0.2 / 0.225 ≈ 89 % of the ceiling (on Twenty's own 0.6 s per token the same margin costs 4 %).
3. **Concurrency under latency.** The same scaled limit (a token every 0.2 s), and 300 ms added to every batch
   answer: slower than a token, as on a real Twenty (0.5-1.4 s per batch, a token every 0.6 s). Printed: records/s
   with ``upsert_many(concurrency=1)`` and ``concurrency=3`` (each run on fresh buckets, so both get the initial
   burst) and the ratio; 3 in flight should approach the token rate, 1 cannot.

Figures vary with the machine; this prints them and asserts nothing (tests hold the bounds).
"""

from __future__ import annotations

import argparse
import math
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport, serve_in_thread

from twenty_sdk import RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_9c5Jx2Lm4Qp7"
BATCH_ROUTE = "POST /rest/batch/{object}"
# Twenty's shape (a short bucket and a long one, the long one binding) made quick, and slow enough that the emulator
# answers a 200-record upsert well within one token interval on a small machine: pacing is what is measured.
SHORT = (5, 1.0)  # 5 per 1 s
LONG = (10, 2.0)  # 10 per 2 s


def people(n: int, tag: str) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "name": {"firstName": f"Bench{i}", "lastName": tag},
            "emails": {"primaryEmail": f"bench{i}@{tag}.test"},
            "jobTitle": "Benchmarker",
        }


def batch_requests(emulator: Emulator) -> int:
    return emulator.request_counts().get(BATCH_ROUTE, 0)


def unpaced(n: int, over_socket: bool) -> None:
    emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
    no_pacing = RateLimit(enabled=False)
    if over_socket:
        with serve_in_thread(emulator) as server, TwentyClient(server.url, API_KEY, rate_limit=no_pacing) as twenty:
            _unpaced_runs(twenty, emulator, n, "loopback socket")
    else:
        transport = ASGISyncTransport(create_app(emulator))
        with TwentyClient("http://twenty.local", API_KEY, transport=transport, rate_limit=no_pacing) as twenty:
            _unpaced_runs(twenty, emulator, n, "in process")


def _unpaced_runs(twenty: TwentyClient, emulator: Emulator, n: int, where: str) -> None:
    bound = math.ceil(n / 200)
    for kind in ("insert", "update"):
        emulator.reset_counts()
        started = time.perf_counter()
        stored = twenty.people.upsert_many(people(n, "unpaced"))
        elapsed = time.perf_counter() - started
        requests = batch_requests(emulator)
        print(
            f"  {where:<16} {kind:<7} {len(stored):>6} records  {requests:>4} requests (bound {bound})  "
            f"{requests / n:.4f} requests/record  {elapsed:6.2f} s  {n / elapsed:8.0f} records/s"
        )


@contextmanager
def emulator_process(*flags: str) -> Iterator[str]:
    """An emulator in its own process (so that it does not share the client's GIL), on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "twenty_emulator._cli", "serve", "--port", str(port), "--api-key", API_KEY]
    process = subprocess.Popen([*command, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def paced(n: int) -> None:
    limits = RateLimit(short_limit=SHORT[0], short_window=SHORT[1], long_limit=LONG[0], long_window=LONG[1])
    tokens_per_s = min(SHORT[0] / SHORT[1], LONG[0] / LONG[1])
    flags = ["--short-limit", str(SHORT[0]), "--short-ttl-ms", str(int(SHORT[1] * 1000))]
    flags += ["--long-limit", str(LONG[0]), "--long-ttl-ms", str(int(LONG[1] * 1000))]
    done: list[float] = []  # when each batch answer arrived

    def on_response(response: httpx.Response) -> None:
        if response.request.url.path.startswith("/rest/batch/") and response.status_code != 429:
            done.append(time.perf_counter())

    retry = RetryPolicy(max_retries=8, initial_delay=0.2, max_delay=2.0)  # a 429 is counted, and survived
    with (
        emulator_process(*flags) as url,
        httpx.Client(timeout=60, event_hooks={"response": [on_response]}) as http,
        TwentyClient(url, API_KEY, http_client=http, rate_limit=limits, retry=retry) as twenty,
    ):
        started = time.perf_counter()
        stored = twenty.people.upsert_many(people(n, "paced"))
        elapsed = time.perf_counter() - started
        counters = http.get(f"{url}/_emulator/counters", headers={"Authorization": f"Bearer {API_KEY}"}).json()
    sent = counters["counters"].get(BATCH_ROUTE, 0)
    needed = math.ceil(n / 200)
    achieved = len(stored) / elapsed
    steady_ceiling = tokens_per_s * 200
    burst = LONG[0]
    steady = (len(done) - burst) / (done[-1] - done[burst - 1]) * 200 if len(done) > burst + 1 else float("nan")
    print(
        f"  {len(stored)} records, {needed} requests, {elapsed:.2f} s: {achieved:.0f} records/s; "
        f"429s seen: {sent - needed}"
    )
    print(
        f"  the most the server accepts in {elapsed:.2f} s from full buckets: {limits.ceiling(elapsed):.1f} requests "
        f"-> {100 * needed / limits.ceiling(elapsed):.1f} % used"
    )
    print(
        f"  steady state (after the first {burst} requests, the initial burst): {steady:.0f} records/s of "
        f"{steady_ceiling:.0f} (tokens/s * 200) -> {100 * steady / steady_ceiling:.1f} %"
    )


LATENCY_MS = 300


def concurrent(n: int) -> None:
    limits = RateLimit(short_limit=SHORT[0], short_window=SHORT[1], long_limit=LONG[0], long_window=LONG[1])
    flags = ["--short-limit", str(SHORT[0]), "--short-ttl-ms", str(int(SHORT[1] * 1000))]
    flags += ["--long-limit", str(LONG[0]), "--long-ttl-ms", str(int(LONG[1] * 1000))]
    auth = {"Authorization": f"Bearer {API_KEY}"}
    rates: dict[int, float] = {}
    retry = RetryPolicy(max_retries=8, initial_delay=0.2, max_delay=2.0)
    for concurrency in (1, 3):
        with emulator_process(*flags) as url, httpx.Client(timeout=60) as http:
            latency = {"rules": [{"route": "POST /rest/batch/*", "latency_ms": LATENCY_MS}], "seed": 1}
            http.put(f"{url}/_emulator/faults", json=latency, headers=auth).raise_for_status()
            with TwentyClient(url, API_KEY, http_client=http, rate_limit=limits, retry=retry) as twenty:
                started = time.perf_counter()
                stored = twenty.people.upsert_many(people(n, f"c{concurrency}"), concurrency=concurrency)
                elapsed = time.perf_counter() - started
            counters = http.get(f"{url}/_emulator/counters", headers=auth).json()["counters"]
        rates[concurrency] = len(stored) / elapsed
        extra = counters.get(BATCH_ROUTE, 0) - math.ceil(n / 200)
        print(
            f"  concurrency={concurrency}: {len(stored)} records in {elapsed:.2f} s: {rates[concurrency]:.0f} "
            f"records/s; 429s seen: {extra}"
        )
    ceiling = min(SHORT[0] / SHORT[1], LONG[0] / LONG[1]) * 200
    print(f"  concurrency 3 vs 1: x{rates[3] / rates[1]:.2f} (the token rate allows {ceiling:.0f} records/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="people per unpaced upsert (default 10000)")
    parser.add_argument("--paced-records", type=int, default=20_000, help="people per paced upsert (default 20000)")
    parser.add_argument(
        "--latency-records", type=int, default=6_000, help="people per upsert under latency (default 6000)"
    )
    parser.add_argument("--only", choices=["1", "2", "3"], help="run one figure only (default: all)")
    args = parser.parse_args()

    if args.only in (None, "1"):
        print(f"1. upsert_many of {args.records} people, no rate limit")
        unpaced(args.records, over_socket=False)
        unpaced(args.records, over_socket=True)
    if args.only in (None, "2"):
        print(
            f"2. pacing: upsert_many of {args.paced_records} people, emulator and client at short {SHORT[0]} per "
            f"{SHORT[1]:g} s, long {LONG[0]} per {LONG[1]:g} s (emulator in its own process, loopback socket)"
        )
        paced(args.paced_records)
    if args.only in (None, "3"):
        print(
            f"3. concurrency: upsert_many of {args.latency_records} people, {LATENCY_MS} ms added to each batch "
            "answer, same limits"
        )
        concurrent(args.latency_records)


if __name__ == "__main__":
    main()
