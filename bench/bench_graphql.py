"""Reading N companies with their people: REST against GraphQL, in requests, bytes and wall time.

    python bench/bench_graphql.py                                     # the in-process emulator
    python bench/bench_graphql.py --companies 400 --people 5          # bigger
    python bench/bench_graphql.py --url http://127.0.0.1:3000 --api-key "$(cat key.txt)"   # a real Twenty

Seeds ``--companies`` companies with ``--people`` people each (names and emails tagged with this run's id, so a
shared server only sees this run's records; destroyed at the end unless ``--keep``), then reads them back with each
way the SDK offers, and checks every way got the same companies and people:

1. **REST, one by one**: the companies (200 a request), then each company's people (one request each) — what a
   client without relations does;
2. **REST, batched**: the companies, then their people with ``companyId[in]:[…]`` (50 ids a request);
3. **REST, depth=1**: the companies with every relation embedded (all fields of people, notes, tasks, …);
4. **GraphQL**: ``twenty.graphql.iter`` — the companies and their people's chosen fields in one request per 200
   companies.

Requests and bytes are counted at the HTTP client (every request the SDK sent). Pacing is off (the emulator's rate
limit too): this measures the API shapes, not the throttle. Each way runs ``--repeat`` times (default 2) and the
best time is printed (requests and bytes are per run). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport

from twenty_sdk import Filter, RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_graphql_5Lm2"
NO_PACING = RateLimit(enabled=False)
PEOPLE_FIELDS = "id name { firstName lastName } emails { primaryEmail } jobTitle"


class Meter:
    """Counts the requests an ``httpx.Client`` sends and the bytes it receives."""

    def __init__(self) -> None:
        self.requests = 0
        self.bytes = 0

    def on_request(self, request: httpx.Request) -> None:
        self.requests += 1

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.bytes += len(response.content)


@contextmanager
def client(args: argparse.Namespace, meter: Meter) -> Iterator[TwentyClient]:
    hooks: dict[str, list[Callable[[Any], None]]] = {"request": [meter.on_request], "response": [meter.on_response]}
    if args.url:
        http = httpx.Client(timeout=120, event_hooks=hooks)
        base = args.url
    else:
        emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
        http = httpx.Client(transport=ASGISyncTransport(create_app(emulator)), timeout=120, event_hooks=hooks)
        base = "http://emulator.local"
    key = args.api_key or API_KEY
    retry = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=5)
    with http, TwentyClient(base, key, http_client=http, rate_limit=NO_PACING, retry=retry) as twenty:
        yield twenty


def seed(twenty: TwentyClient, run: str, companies: int, people: int) -> None:
    twenty.records("companies").upsert_many(
        {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run}-{c}")), "name": f"gql-{run}-{c:05d}"}
        for c in range(companies)
    )
    twenty.records("people").upsert_many(
        {
            "name": {"firstName": f"P{p}", "lastName": f"gql-{run}-{c:05d}"},
            "emails": {"primaryEmail": f"p{p}.c{c}@gql-{run}.bench.test"},
            "companyId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run}-{c}")),
        }
        for c in range(companies)
        for p in range(people)
    )


Result = dict[str, set[str]]  # company name → its people's emails


def rest_one_by_one(twenty: TwentyClient, run: str) -> Result:
    out: Result = {}
    for company in twenty.records("companies").iter(filter=Filter.like("name", f"gql-{run}-%")):
        people = twenty.records("people").iter(filter=Filter.eq("companyId", company["id"]))
        out[company["name"]] = {p["emails"]["primaryEmail"] for p in people}
    return out


def rest_batched(twenty: TwentyClient, run: str) -> Result:
    companies = list(twenty.records("companies").iter(filter=Filter.like("name", f"gql-{run}-%")))
    names = {c["id"]: c["name"] for c in companies}
    out: Result = {name: set() for name in names.values()}
    ids = list(names)
    for start in range(0, len(ids), 50):
        for p in twenty.records("people").iter(filter=Filter.in_("companyId", ids[start : start + 50])):
            out[names[p["companyId"]]].add(p["emails"]["primaryEmail"])
    return out


def rest_depth_1(twenty: TwentyClient, run: str) -> Result:
    companies = twenty.records("companies").iter(filter=Filter.like("name", f"gql-{run}-%"), depth=1)
    return {c["name"]: {p["emails"]["primaryEmail"] for p in c["people"]} for c in companies}


def graphql(twenty: TwentyClient, run: str) -> Result:
    nodes = twenty.graphql.iter(
        "companies",
        f"name people {{ edges {{ node {{ {PEOPLE_FIELDS} }} }} }}",
        filter={"name": {"like": f"gql-{run}-%"}},
    )
    return {n["name"]: {e["node"]["emails"]["primaryEmail"] for e in n["people"]["edges"]} for n in nodes}


WAYS: list[tuple[str, Callable[[TwentyClient, str], Result]]] = [
    ("REST, one by one", rest_one_by_one),
    ("REST, batched (companyId[in])", rest_batched),
    ("REST, depth=1", rest_depth_1),
    ("GraphQL, nested", graphql),
]


def cleanup(twenty: TwentyClient, run: str) -> None:
    twenty.records("people").delete_many(Filter.like("emails.primaryEmail", f"%@gql-{run}.bench.test"), soft=False)
    twenty.records("companies").delete_many(Filter.like("name", f"gql-{run}-%"), soft=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="a real Twenty (default: the in-process emulator)")
    parser.add_argument("--api-key", help="its API key")
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--people", type=int, default=5, help="people per company (≤ 60: a nested connection's cap)")
    parser.add_argument("--keep", action="store_true", help="leave the seeded records")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each way; the best time is printed")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    meter = Meter()
    where = args.url or "the in-process emulator"
    with client(args, meter) as twenty:
        seed(twenty, run, args.companies, args.people)
        try:
            print(f"{args.companies} companies x {args.people} people, on {where}")
            print(f"{'way':32} {'requests':>9} {'KiB':>9} {'seconds':>8}  same answer")
            reference: Result | None = None
            for label, way in WAYS:
                elapsed = math.inf
                for _ in range(args.repeat):  # the best of the runs: the first pays one-off costs (imports, caches)
                    meter.requests = meter.bytes = 0
                    started = time.perf_counter()
                    result = way(twenty, run)
                    elapsed = min(elapsed, time.perf_counter() - started)
                reference = reference if reference is not None else result
                same = result == reference and len(result) == args.companies
                print(f"{label:32} {meter.requests:>9} {meter.bytes / 1024:>9.0f} {elapsed:>8.2f}  {same}")
        finally:
            if not args.keep:
                cleanup(twenty, run)


if __name__ == "__main__":
    main()
