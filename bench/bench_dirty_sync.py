"""The sync on a dirty warehouse: what reaches Twenty, what is refused or cleaned, and what it costs in requests.

    python bench/bench_dirty_sync.py                                  # the in-process emulator (Twenty's rules)
    python bench/bench_dirty_sync.py --url http://127.0.0.1:3000 --api-key "$(cat key.txt)"   # a real Twenty

The warehouse (403 businesses, 2,008 contacts, 2,003 relationships by default, the sizes of issue #11) carries every
kind of dirt seen in the field: emails with spaces around them or in capitals, malformed emails (``bob@``), email
placeholders (``n/a``), national-format phones (``(415) 555-0101``, valid with ``--default-phone-region US``), junk
phones (``n/a``, ``call me``), list-shaped ``contact_identifiers`` (typed identifiers), two contacts sharing one
email and two businesses one domain, junk websites, NUL bytes, a 200 KB JSON value, relationships to contacts or
businesses that do not exist, missing names, emoji and right-to-left text. Every key and email is tagged with this
run's id (``@dirty-<run>.bench.test``), so a shared server only sees records of this run, and they are deleted at
the end (``--keep`` leaves them). On a workspace without the sync's schema the run creates it (custom fields and the
``contactBusinessRelationship`` object): they are kept.

Three runs are measured:

1. **first run**: per entity, records, created / updated / failed (refused by Twenty itself in brackets) / warned
   (landed without a junk value) / held, every HTTP request the SDK sent (reads, retries, re-sent batches included),
   the bound ⌈creates/200⌉ + ⌈updates/200⌉ + (records only Twenty could refuse), and the time;
2. **second run** of the unchanged warehouse: goal 0 requests (refused records are held back);
3. **CRM-side additions**: a CRM user adds a secondary link and label to companies, an additional phone and email to
   people; the warehouse renames those businesses and changes those contacts' phones; a third run; the additions
   are checked intact.

Figures vary with the machine and the server; this prints them and asserts nothing (tests hold the bounds).
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from twenty_emulator import Emulator, RateLimiter, create_app
from twenty_emulator._testing import ASGISyncTransport
from twenty_sync import (
    BUSINESSES,
    CONTACTS,
    RELATIONSHIPS,
    SEED_SCHEMA,
    Business,
    Contact,
    Relationship,
    RunReport,
    SyncEngine,
    SyncState,
)
from twenty_sync._records import JsonValue
from twenty_sync.stores import LocalStore

from twenty_sdk import Filter, RateLimit, RetryPolicy, TwentyClient

API_KEY = "tw_bench_dirty_7Qx2"
_VALUES = re.compile(r"'[^']*'|\b[0-9a-f]{8}-\S+|\d+ characters")  # values and keys out of reasons, to group them
RTL = "\u200fمحمد\u200e"
EMOJI = "😀🚀"
BIG_JSON: JsonValue = {"blob": "x" * 200_000}  # 200 KB of JSON text


class Warehouse:
    """The dirty rows, tagged with ``run`` so that they are this run's own on a shared server."""

    def __init__(self, run: str, businesses: int, contacts: int, relationships: int) -> None:
        self.run, self.b, self.c, self.r = run, businesses, contacts, relationships
        self.domain = f"dirty-{run}.bench.test"

    def bkey(self, i: int) -> str:
        return f"{self.run}-B{i:05d}"

    def ckey(self, i: int) -> str:
        return f"{self.run}-C{i:05d}"

    def email(self, i: int) -> str:
        return f"person.{i}@{self.domain}"

    def business(self, i: int, name: str | None = None) -> Business:
        website: str | None = f"https://www.b{i}.{self.domain}/"
        if i % 50 == 7:
            website = f"b{i}.{self.domain}".upper()  # no scheme, shouting
        elif i % 50 == 13:
            website = "n/a"  # junk: dropped with a warning
        elif i % 50 == 17:
            website = f"  https://b{i}.{self.domain}  "  # spaces around
        elif i % 50 == 23:
            website = f"https://www.b{i - 1}.{self.domain}/"  # shares the previous business's domain
        elif i % 50 == 29:
            website = None
        business_name = name or (f"Business {i}" if i % 40 else "")  # some without a name
        if i % 60 == 11:
            business_name = f"{RTL} شركة {EMOJI} {i}"
        data: Any = {"employees": i}
        if i == 5:
            data = BIG_JSON
        if i % 97 == 31:
            business_name = f"Bad\x00Name {i}"  # NUL: Twenty answers 500; refused before sending
        return Business(self.bkey(i), business_name, website=website, industry="Software", business_data=data)

    def identifiers(self, i: int, phone: str | None = None) -> Any:
        email = self.email(i)
        kind = i % 25
        if kind == 1:
            return {"primary_email": f"  {email.upper()}  ", "primary_phone": phone or "(415) 555-0101"}
        if kind == 2:
            return {"primary_email": email, "primary_phone": phone or "n/a"}  # junk phone: warning
        if kind == 3:
            return {"primary_email": f"bob{i}@", "primary_phone": phone}  # malformed email: refused
        if kind == 4:
            return {"primary_email": "n/a", "primary_phone": phone}  # placeholder: no email, warning
        if kind == 5:
            return [
                {"type": "email", "value": f"old.{i}@{self.domain}", "is_primary": False},
                {"type": "phone", "value": phone or "+44 20 7946 0958"},
                {"type": "email", "value": f" {email} ", "is_primary": True},
                {"type": "linkedin", "value": f"person-{i}"},
            ]
        if kind == 6:
            return {"primary_email": self.email(i - 1), "primary_phone": phone}  # shares the previous one's email
        if kind == 7:
            return {"primary_email": email, "primary_phone": phone or "call me"}
        if kind == 8:
            return {"primary_email": email, "primary_phone": phone or "+33 6 12 34 56 78"}
        return {"primary_email": email, "primary_phone": phone or f"+1 202 555 {i % 10000:04d}"}

    def contact(self, i: int, phone: str | None = None) -> Contact:
        name = f"Ada Lovelace {i}" if i % 30 else ""  # some without a name
        if i % 45 == 9:
            name = f"Zoë {RTL} 张伟 {EMOJI} {i}"
        category = "PRO" if i % 83 != 41 else "bad\x00cat"  # NUL: refused before sending
        insights: JsonValue = {"score": i}
        if i == 12:
            insights = BIG_JSON
        elif i % 70 == 3:
            insights = "plain prose, not JSON"  # a JSON field holding a bare string
        return Contact(
            self.ckey(i),
            name,
            contact_identifiers=self.identifiers(i, phone),
            category_code=category,
            llm_context={"summary": f"contact {i}"},
            ai_insights=insights,
        )

    def relationship(self, i: int) -> Relationship:
        contact, business = self.ckey(i % self.c), self.bkey(i % self.b)
        if i % 101 == 50:
            contact = f"{self.run}-C-missing-{i}"  # orphan: no such contact
        if i % 103 == 51:
            business = f"{self.run}-B-missing-{i}"
        return Relationship(f"{self.run}-R{i:05d}", contact, business, role="CTO", relationship_type="employee")

    def load(self, store: LocalStore) -> None:
        store.upsert(BUSINESSES, (self.business(i) for i in range(self.b)))
        store.upsert(CONTACTS, (self.contact(i) for i in range(self.c)))
        store.upsert(RELATIONSHIPS, (self.relationship(i) for i in range(self.r)))


def rows(report: RunReport, elapsed: float, totals: dict[str, int]) -> Iterator[str]:
    yield (
        f"{'entity':<14}{'records':>8}{'created':>9}{'updated':>9}{'failed':>8}{'(Twenty)':>9}{'warned':>8}"
        f"{'held':>6}{'requests':>10}{'bound':>7}"
    )
    for e in report.entities:
        c = e.counts
        bound = math.ceil(c["created"] / 200) + math.ceil(c["updated"] / 200) + c["refused"]
        yield (
            f"{e.entity:<14}{totals[e.entity]:>8}{c['created']:>9}{c['updated']:>9}{c['failed']:>8}"
            f"{c['refused']:>9}{c['warned']:>8}{c['held']:>6}{e.requests:>10}{bound:>7}"
        )
    yield f"{'all':<14}{sum(totals.values()):>8}{'':>57}{sum(e.requests for e in report.entities):>10}  {elapsed:.1f} s"


def crm_additions(client: TwentyClient, wh: Warehouse, n: int) -> tuple[list[str], list[str]]:
    """A CRM user adds a label and a secondary link to ``n`` companies and an additional phone and email to ``n``
    people (those with a clean phone); their keys."""
    companies = [
        c
        for c in client.records("companies").iter(
            filter=Filter.in_("businessId", [wh.bkey(i) for i in range(0, 5 * n, 5)])
        )
        if c["domainName"]["primaryLinkUrl"]
    ][:n]
    for company in companies:
        client.records("companies").update(
            company["id"],
            {"domainName": {**company["domainName"], "primaryLinkLabel": "Home",
                            "secondaryLinks": [{"url": f"https://blog.{wh.domain}", "label": "Blog"}]}},
        )  # fmt: skip
    people = list(
        client.records("people").iter(filter=Filter.in_("contactId", [wh.ckey(i) for i in range(10, 10 + 25 * n, 25)]))
    )[:n]
    for person in people:
        client.records("people").update(
            person["id"],
            {
                "phones": {
                    **person["phones"],
                    "additionalPhones": [{"number": "612345678", "countryCode": "FR", "callingCode": "+33"}],
                },
                "emails": {**person["emails"], "additionalEmails": [f"home.{person['contactId'].lower()}@{wh.domain}"]},
            },
        )
    return [c["businessId"] for c in companies], [p["contactId"] for p in people]


def intact(client: TwentyClient, wh: Warehouse, businesses: list[str], contacts: list[str]) -> tuple[int, int]:
    ok_b = sum(
        1
        for c in client.records("companies").iter(filter=Filter.in_("businessId", businesses))
        if c["domainName"]["primaryLinkLabel"] == "Home" and len(c["domainName"]["secondaryLinks"]) == 1
        and c["name"].startswith("Renamed")
    )  # fmt: skip
    ok_c = sum(
        1
        for p in client.records("people").iter(filter=Filter.in_("contactId", contacts))
        if len(p["phones"]["additionalPhones"]) == 1 and len(p["emails"]["additionalEmails"]) == 1
        and p["phones"]["primaryPhoneNumber"] == "2025550199"
    )  # fmt: skip
    return ok_b, ok_c


def cleanup(client: TwentyClient, wh: Warehouse) -> None:
    for name, field in (
        ("contactBusinessRelationships", "relationshipId"),
        ("people", "contactId"),
        ("companies", "businessId"),
    ):
        client.records(name).delete_many(Filter.like(field, f"{wh.run}-%"), soft=False)
    # records whose key never landed but whose email did not either: none; people without contactId are not ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a real Twenty (default: the emulator, in process)")
    parser.add_argument("--api-key")
    parser.add_argument("--businesses", type=int, default=403)
    parser.add_argument("--contacts", type=int, default=2008)
    parser.add_argument("--relationships", type=int, default=2003)
    parser.add_argument("--default-phone-region", default="US")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--crm-edits", type=int, default=20, help="companies and people a CRM user edits")
    parser.add_argument("--keep", action="store_true", help="leave this run's records in Twenty")
    parser.add_argument(
        "--unchecked-phones",
        action="store_true",
        help="send phones as written, unchecked (stands for a rule of Twenty's the sync does not know): Twenty then "
        "refuses the junk ones itself, and each costs one request",
    )
    args = parser.parse_args()

    if args.unchecked_phones:
        import twenty_sync._mapping as mapping

        setattr(mapping, "clean_phone", lambda text, region: {"primaryPhoneNumber": text.strip()})  # noqa: B010
    run = uuid.uuid4().hex[:8]
    wh = Warehouse(run, args.businesses, args.contacts, args.relationships)
    if args.url:
        client = TwentyClient(args.url, args.api_key)
        where = args.url
    else:
        emulator = Emulator(api_key=API_KEY, rate_limiter=RateLimiter(enabled=False))
        client = TwentyClient(
            "http://twenty.local", API_KEY, transport=ASGISyncTransport(create_app(emulator)),
            rate_limit=RateLimit(enabled=False), retry=RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0),
        )  # fmt: skip
        where = "emulator (in process, no rate limit)"
    totals = {"businesses": args.businesses, "contacts": args.contacts, "relationships": args.relationships}
    checked = "phones unchecked" if args.unchecked_phones else f"default phone region {args.default_phone_region}"
    print(f"dirty sync bench, run {run}, against {where}, {checked}")
    with tempfile.TemporaryDirectory() as tmp, client:
        source = LocalStore(Path(tmp) / "warehouse.sqlite3")
        source.ensure_schema()
        wh.load(source)
        state = SyncState(Path(tmp) / "state.sqlite3")
        client.metadata.ensure_schema(SEED_SCHEMA)

        def engine() -> SyncEngine:
            return SyncEngine(
                client, state, default_phone_region=args.default_phone_region, concurrency=args.concurrency
            )

        try:
            for title in ("first run", "second run, nothing changed"):
                t0 = time.perf_counter()
                report = engine().run(source, ensure_schema=False)
                elapsed = time.perf_counter() - t0
                print(f"\n{title}")
                for line in rows(report, elapsed, totals):
                    print("  " + line)
                if title == "first run":
                    reasons: dict[str, int] = {}
                    for kind, items in (("error", report.errors), ("warning", report.warnings)):
                        for entity, _, reason in items:
                            short = f"{entity} {kind}: " + _VALUES.sub("…", reason)
                            reasons[short] = reasons.get(short, 0) + 1
                    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
                        print(f"    {n:>5}  {reason[:112]}")

            businesses, contacts = crm_additions(client, wh, args.crm_edits)
            source.upsert(BUSINESSES, [wh.business(int(k.rsplit("B", 1)[1]), name=f"Renamed {k}") for k in businesses])
            source.upsert(CONTACTS, [wh.contact(int(k.rsplit("C", 1)[1]), phone="+1 202 555 0199") for k in contacts])
            t0 = time.perf_counter()
            report = engine().run(source, ensure_schema=False)
            elapsed = time.perf_counter() - t0
            print(
                f"\nthird run: {len(businesses)} businesses renamed and {len(contacts)} phones changed in the "
                "warehouse, after a CRM user added links, phones and emails to them (an update changing a phone or "
                "a link reads its batch once: +1 request over the bound)"
            )
            for line in rows(report, elapsed, totals):
                print("  " + line)
            ok_b, ok_c = intact(client, wh, businesses, contacts)
            print(f"  CRM additions intact: {ok_b}/{len(businesses)} companies (label + secondary link), "
                  f"{ok_c}/{len(contacts)} people (additional phone + email)")  # fmt: skip
        finally:
            if not args.keep:
                cleanup(client, wh)
            source.close()
            state.close()


if __name__ == "__main__":
    main()
