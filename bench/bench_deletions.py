"""Finding records a CRM user deleted in Twenty: the key check over REST against GraphQL, and what a pull pays for
soft deletions, in requests, bytes and wall time.

    python bench/bench_deletions.py                                    # the in-process emulator, 2,000 contacts
    python bench/bench_deletions.py --contacts 5000
    python bench/bench_deletions.py --url http://127.0.0.1:3000 --api-key "$(cat key.txt)"   # a real Twenty

Seeds ``--contacts`` people (``contactId`` and emails tagged with this run's id, so a shared server only sees this
run's records; destroyed at the end unless ``--keep``) and a state that knows them, soft-deletes 5 % and destroys
5 % of them, then:

1. **key check, REST**: ``GET /rest/people?filter=id[in]:[…200 ids…],or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)``
   — every field of every record comes back;
2. **key check, GraphQL**: the same filter on ``people``, selecting only ``id deletedAt contactId``;
3. **pull of this run's contacts**, soft deletions included (``or(deletedAt…)`` added to the pull's filter), against
   the same pull before any deletion: the requests a pull spends on soft deletions;
4. **a pull's read, REST against GraphQL**: the pages a pull reads (``updatedAt,id`` order, 200 a page) over REST
   (every field) and over GraphQL with only the fields the sync maps — the candidate for a GraphQL pull.

Both key checks must find the same destroyed and soft-deleted records (checked). Requests and bytes are counted at
the HTTP client; pacing is off (this measures the API shapes, not the throttle: at Twenty's default 100 requests a
minute, a check of N records waits ⌈N/200⌉ times 0.6 s whichever way). Each check runs ``--repeat`` times, the best time
printed. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import CONTACTS, SEED_SCHEMA, StateRow, SyncEngine, SyncState
from twenty_sync._deletions import check_keys
from twenty_sync._mapping import OBJECTS
from twenty_sync.stores import LocalStore

from twenty_sdk import Filter, RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_deletions_8Qe1"
MAPPED_PERSON = (  # the fields a pull maps back (twenty_sync._mapping), and what its bookkeeping reads
    "id updatedAt deletedAt contactId name { firstName lastName } emails { primaryEmail additionalEmails } "
    "phones { primaryPhoneNumber primaryPhoneCountryCode primaryPhoneCallingCode additionalPhones } "
    "contactIdentifiers categoryCode subcategoryCode relationshipCategory llmContext communicationStats "
    "socialNetwork aiInsights recommendations syncMetadata"
)


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
    retry = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=5)
    with http, TwentyClient(base, args.api_key or API_KEY, http_client=http, rate_limit=RateLimit(enabled=False),
                            retry=retry) as twenty:  # fmt: skip
        yield twenty


def measure(meter: Meter, repeat: int, work: Callable[[], Any]) -> tuple[int, int, float, Any]:
    """(requests, bytes, best seconds, result) of ``work`` run ``repeat`` times."""
    best, result = math.inf, None
    for _ in range(repeat):
        before = (meter.requests, meter.bytes)
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
        requests, size = meter.requests - before[0], meter.bytes - before[1]
    return requests, size, best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="a real Twenty (default: the in-process emulator)")
    parser.add_argument("--api-key", help="its API key")
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="leave the seeded records")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each check; the best time is printed")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    tag = f"bdel-{run}-%"
    meter = Meter()
    obj = OBJECTS["contacts"]
    with tempfile.TemporaryDirectory() as tmp, client(args, meter) as twenty:
        people = twenty.records("people")
        twenty.metadata.ensure_schema(SEED_SCHEMA)  # contactId (on a workspace that has it: reads only)
        try:
            seeded = people.upsert_many(
                {
                    "contactId": f"bdel-{run}-{i:06d}",
                    "emails": {"primaryEmail": f"c{i}@bdel-{run}.test"},
                    "name": {"firstName": "Bench", "lastName": f"{i}"},
                }
                for i in range(args.contacts)
            )
            state = SyncState(Path(tmp) / "state.sqlite3")
            state.record("contacts", [StateRow(str(p["contactId"]), "-", "-", str(p["id"])) for p in seeded])
            engine = SyncEngine(twenty, state)
            app = LocalStore(Path(tmp) / "app.sqlite3")
            app.ensure_schema()
            scoped = Filter.like("contactId", tag)
            before = measure(meter, 1, lambda: engine.pull(app, entities=[CONTACTS], filter=scoped, check_keys=False))
            tenth = max(1, args.contacts // 20)
            soft = [str(p["id"]) for p in seeded[:tenth]]
            gone = [str(p["id"]) for p in seeded[tenth : 2 * tenth]]
            people.delete_many(Filter.in_("id", soft))
            people.delete_many(Filter.in_("id", gone), soft=False)
            after = measure(meter, 1, lambda: engine.pull(app, entities=[CONTACTS], filter=scoped, check_keys=False))

            def checked(via: Any) -> Callable[[], tuple[set[str], set[str]]]:
                def work() -> tuple[set[str], set[str]]:
                    found = list(check_keys(twenty, state, obj, via=via))
                    return {d.key for c in found for d in c.destroyed}, {d.key for c in found for d in c.soft}

                return work

            where = args.url or "the in-process emulator"
            print(f"bench_deletions: {args.contacts} contacts on {where}; {tenth} soft-deleted, {tenth} destroyed")
            print(f"{'way':<28}{'requests':>10}{'bytes':>14}{'best s':>10}")
            results = {}
            for via in ("rest", "graphql"):
                requests, size, best, result = measure(meter, args.repeat, checked(via))
                results[via] = result
                print(f"{'key check, ' + via:<28}{requests:>10}{size:>14,}{best:>10.3f}")
            print(f"{'pull, no deletion':<28}{before[0]:>10}{before[1]:>14,}{before[2]:>10.3f}")
            print(f"{'pull, with deletions':<28}{after[0]:>10}{after[1]:>14,}{after[2]:>10.3f}")
            live_and_deleted = f"contactId[like]:{tag},or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"

            def rest_read() -> int:
                return sum(1 for _ in people.iter(filter=live_and_deleted, order_by="updatedAt,id"))

            def graphql_read() -> int:
                where = {
                    "contactId": {"like": tag},
                    "or": [{"deletedAt": {"is": "NULL"}}, {"deletedAt": {"is": "NOT_NULL"}}],
                }
                order = [{"updatedAt": "AscNullsFirst"}, {"id": "AscNullsFirst"}]
                return sum(1 for _ in twenty.graphql.iter("people", MAPPED_PERSON, filter=where, order_by=order))

            for label, read in (("pull read, REST", rest_read), ("pull read, GraphQL", graphql_read)):
                requests, size, best, count = measure(meter, args.repeat, read)
                print(f"{label + f' ({count})':<28}{requests:>10}{size:>14,}{best:>10.3f}")
            destroyed, soft_found = results["rest"]
            same = results["rest"] == results["graphql"]
            print(f"found: {len(destroyed)} destroyed, {len(soft_found)} soft-deleted; REST and GraphQL agree: {same}")
            print(f"pull: {after[0] - before[0]} extra request(s) for {tenth} soft deletions")
            state.close()
            app.close()
        finally:
            if not args.keep:
                people.delete_many(Filter.raw(f"contactId[like]:{tag},or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"),
                                   soft=False)  # fmt: skip


if __name__ == "__main__":
    main()
