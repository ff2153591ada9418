"""Pacing under Twenty's rate limit: ``people.upsert_many(concurrency=C)`` of N new people, against the emulator
(in-process, on a loopback socket, Twenty's throttle and default limits) or a real Twenty (``--url``/``--api-key``).

    python bench/bench_pacing.py [--records 40000] [--concurrency 3] [--clients 1|2] [--limits 100/1000,100/60000]
    python bench/bench_pacing.py --url http://127.0.0.1:3001 --api-key "$(cat /tmp/real-twenty-default/key.txt)"

Printed per client: batch requests sent (and how many the job needs: ceil(N / batch size), 200 unless
``--batch-size``: smaller batches answer faster, to see the pacer bind on a slow server), 429s, wall time, and the
efficiency ``best / wall``. **Best schedule**: what a client that knows the server's arithmetic needs for that many
requests from full buckets: its burst (one bucket-full of requests, sent as fast as the server answers, no waiting)
and then one request per refill interval of the binding bucket (600 ms at the defaults):
``best = burst + max(0, needed - limit) * window / limit``. The burst's time is the one measured in this run (until
the answer of its first ``limit - headroom`` requests: the SDK keeps that many tokens unspent), so it is about the
waiting, not about how fast the server answers. When the server answers slowly, gaps of more than one interval
during the burst refill tokens that a pacer modelling the server can spend at once, and this figure can exceed
100 %. **Steady state**: the mean gap between successive answers over the second half of the run (past the burst)
against the refill interval -- the paced rate itself, or the server's when it answers slower than that. **Held**:
how many requests the pacer made wait, and how far apart from the previous one they left on average -- the
pacer's own cost (600 ms is the best, the margin adds 25 ms); when it held none, the server was the bottleneck.
With ``--clients 2`` two processes run at once against the same workspace (each its own domain, each with
``RetryPolicy(max_retries=8)`` as the README advises for several writers), each prints its figures, then the whole:
both jobs' requests against one best schedule. Buckets refill fully after a window of idleness: wait at least that
long between measured runs.

The people are created under a domain unique to the run (``@pace-<timestamp>-<client>.bench.test``) and deleted at
the end with one ``DELETE /rest/people?filter=emails.primaryEmail[like]:%@<domain>&soft_delete=false``. Figures vary
with the machine and the server; this prints them and asserts nothing (tests hold the bounds).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx

from twenty_sdk import Pacer, RateLimit, RetryPolicy, TwentyClient, TwentyError

API_KEY = "tw_bench_pacing_4Rk8Wq2Nz6"
BATCH = 200
UPSERT_PATH = "/rest/batch/people"


class Counting(httpx.HTTPTransport):
    """Counts the batch upserts that reach the wire, their 429s, and when each successful one was answered."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.sent = 0
        self.refused = 0
        self.answered_at: list[float] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path == UPSERT_PATH:
            with self._lock:
                self.sent += 1
                if response.status_code == 429:
                    self.refused += 1
                elif response.status_code < 400:
                    self.answered_at.append(time.time() - self.started)
        return response


class Watched(Pacer):
    """The SDK's pacer, noting the instant of each slot it hands out and whether the request had to wait for it."""

    def __init__(self, limits: RateLimit) -> None:
        super().__init__(limits)
        self.slots: list[tuple[float, bool]] = []
        self._watch = threading.Lock()

    def reserve(self) -> float:
        with self._watch:
            wait = super().reserve()
            self.slots.append((self.clock() + wait, wait > 0))
            return wait

    def held_gaps(self) -> list[float]:
        """For each request the pacer held back: how long after the previous request it left."""
        return [b - a for (a, _), (b, held) in zip(self.slots, self.slots[1:], strict=False) if held]


def parse_limits(text: str) -> RateLimit:
    """``100/1000,100/60000``: short limit/window in ms, long limit/window in ms."""
    (short_n, short_ms), (long_n, long_ms) = (part.split("/") for part in text.split(","))
    return RateLimit(
        short_limit=int(short_n),
        short_window=int(short_ms) / 1000,
        long_limit=int(long_n),
        long_window=int(long_ms) / 1000,
    )


def people(n: int, domain: str) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"name": {"firstName": f"Pace{i}", "lastName": "Bench"}, "emails": {"primaryEmail": f"p{i}@{domain}"}}


def best_time(limits: RateLimit, needed: int, burst: float) -> float:
    return burst + limits.best_paced_time(needed)


def burst_time(limits: RateLimit, answered_at: list[float]) -> float:
    """When the answer of the first ``limit - headroom`` requests had come back (the whole run if it was shorter)."""
    times = sorted(answered_at)
    k = max(1, min(limits.long_limit, limits.short_limit) - limits.headroom)
    return times[min(k, len(times)) - 1] if times else 0.0


def delete_domain(twenty: TwentyClient, domain: str) -> None:
    twenty.transport.request(
        "DELETE",
        "/rest/people",
        params={"filter": f"emails.primaryEmail[like]:%@{domain}", "soft_delete": "false"},
    )


def run_client(
    url: str,
    key: str,
    records: int,
    *,
    concurrency: int,
    limits: RateLimit,
    retries: int,
    domain: str,
    started: float,
    batch_size: int = BATCH,
) -> dict[str, Any]:
    """One client's job; returns its figures (times relative to ``started``, a ``time.time()``)."""
    counting = Counting(started)
    pacer = Watched(limits)
    error = None
    retry = RetryPolicy(max_retries=retries)
    with TwentyClient(url, key, transport=counting, rate_limit=limits, retry=retry, pacer=pacer) as twenty:
        begun = time.time() - started
        try:
            rows = people(records, domain)
            stored = len(twenty.people.upsert_many(rows, concurrency=concurrency, batch_size=batch_size))
        except Exception as exc:  # the figures are still worth printing
            stored, error = 0, f"{type(exc).__name__}: {exc}"
        ended = time.time() - started
    return {
        "domain": domain,
        "records": records,
        "stored": stored,
        "needed": math.ceil(records / batch_size),
        "sent": counting.sent,
        "refused": counting.refused,
        "begun": begun,
        "ended": ended,
        "answered_at": counting.answered_at,
        "error": error,
        "held_gaps": pacer.held_gaps(),
    }


def report(label: str, limits: RateLimit, figures: list[dict[str, Any]]) -> str:
    begun = min(f["begun"] for f in figures)
    wall = max(f["ended"] for f in figures) - begun
    needed = sum(f["needed"] for f in figures)
    burst = burst_time(limits, [t - begun for f in figures for t in f["answered_at"]])
    best = best_time(limits, needed, burst)
    errors = [f["error"] for f in figures if f["error"]]
    answers = sorted(t for f in figures for t in f["answered_at"])
    steady = ""
    if len(answers) >= 4 and needed > min(limits.short_limit, limits.long_limit) + 2:
        half = answers[len(answers) // 2 :]  # the second half of the answers: past the burst, paced
        gap = (half[-1] - half[0]) / (len(half) - 1)
        interval = max(limits.short_window / limits.short_limit, limits.long_window / limits.long_limit)
        steady = f"; steady state {gap * 1000:.0f} ms per request (best {interval * 1000:.0f}): {interval / gap:.1%}"
    gaps = [g for f in figures for g in f["held_gaps"]]
    if gaps and len(figures) == 1:
        interval = max(limits.short_window / limits.short_limit, limits.long_window / limits.long_limit)
        mean = sum(gaps) / len(gaps)
        steady += f"; held {len(gaps)} requests, sent {mean * 1000:.0f} ms apart (best {interval * 1000:.0f})"
    return (
        f"{label}: {sum(f['stored'] for f in figures)}/{sum(f['records'] for f in figures)} people, "
        f"{sum(f['sent'] for f in figures)} requests (needed {needed}), {sum(f['refused'] for f in figures)} x 429, "
        f"wall {wall:.1f} s, best {best:.1f} s (burst {burst:.1f} s + {limits.best_paced_time(needed):.1f} s paced), "
        f"efficiency {best / wall:.1%}{steady}" + (f"  FAILED: {errors}" if errors else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a Twenty server (default: the emulator, in-process)")
    parser.add_argument("--api-key", help="its API key")
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=BATCH, help="records per request (Twenty's maximum: 200)")
    parser.add_argument("--clients", type=int, default=1, choices=(1, 2))
    parser.add_argument("--limits", default="100/1000,100/60000", help="short/ms,long/ms (server's and client's)")
    parser.add_argument(
        "--max-retries", type=int, help="the retry policy's (default 4 alone, 8 with --clients 2: the README's advice)"
    )
    parser.add_argument("--child", metavar="DOMAIN", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    limits = parse_limits(args.limits)
    retries = args.max_retries if args.max_retries is not None else (4 if args.clients == 1 else 8)
    if args.child:  # one of the --clients 2 processes: run, print, hand the figures back on the last line
        figures = run_client(
            args.url,
            args.api_key,
            args.records,
            concurrency=args.concurrency,
            limits=limits,
            retries=retries,
            domain=args.child,
            started=args.started,
            batch_size=args.batch_size,
        )
        print(report(f"  client {args.child}", limits, [figures]), flush=True)
        print(json.dumps(figures))
        return 0

    tag = f"pace-{int(time.time() * 1000)}"
    with ExitStack() as stack:
        url, key = args.url, args.api_key
        where = url
        if url is None:
            from twenty_emulator import Emulator, RateLimiter  # not in the --clients 2 processes: they need no server
            from twenty_emulator._testing import serve_in_thread

            limiter = RateLimiter(
                limits.short_limit,
                round(limits.short_window * 1000),
                limits.long_limit,
                round(limits.long_window * 1000),
            )
            server = stack.enter_context(serve_in_thread(Emulator(api_key=API_KEY, rate_limiter=limiter)))
            url, key, where = server.url, API_KEY, "emulator (in-process, Twenty's throttle)"
        elif key is None:
            parser.error("--url needs --api-key")
        print(
            f"pacing: upsert_many(concurrency={args.concurrency}, batch_size={args.batch_size}) of {args.records:,} "
            "people per client, "
            f"{args.clients} client(s), limits {args.limits}, max_retries={retries}, against {where}"
        )
        started = time.time()
        domains = [f"{tag}-{i}.bench.test" for i in range(args.clients)]
        if args.clients == 1:
            results = [
                run_client(
                    url,
                    key,
                    args.records,
                    concurrency=args.concurrency,
                    limits=limits,
                    retries=retries,
                    domain=domains[0],
                    started=started,
                    batch_size=args.batch_size,
                )
            ]
        else:
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--url",
                        url,
                        "--api-key",
                        key,
                        "--records",
                        str(args.records),
                        "--concurrency",
                        str(args.concurrency),
                        "--limits",
                        args.limits,
                        "--max-retries",
                        str(retries),
                        "--batch-size",
                        str(args.batch_size),
                        "--child",
                        domain,
                        "--started",
                        str(started),
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for domain in domains
            ]
            results = []
            for proc in procs:
                out, _ = proc.communicate()
                lines = out.strip().splitlines()
                print("\n".join(lines[:-1]))
                results.append(json.loads(lines[-1]))
        print(report("  all" if args.clients > 1 else "  run", limits, results))
        with TwentyClient(url, key, rate_limit=RateLimit(long_initial=0), timeout=120) as twenty:
            for domain in domains:
                try:
                    delete_domain(twenty, domain)
                except TwentyError as exc:  # e.g. Twenty's query timeout on a loaded server: the figures stand
                    print(f"  could not delete the people of {domain} ({exc}); delete them again later")
                    return 1
        print(f"  deleted the people of {', '.join(domains)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
