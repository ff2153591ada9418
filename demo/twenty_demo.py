"""The twenty-sdk demo: a warehouse kept in step with Twenty, end to end, with nothing to configure.

    nox -s demo                          # or: python demo/twenty_demo.py [--scale 0.1] [--seed 7] [--keep DIR]

1. starts a Twenty emulator in this process (Twenty's rate limit, scaled up so the demo takes seconds, not minutes);
2. fills an embedded warehouse (a SQLite file in a temporary directory) with a seeded sample of 5,000 contacts,
   1,000 businesses and 5,000 relationships, as messy as real data (see :func:`generate_sample`);
3. provisions Twenty's schema for the sync (custom fields and objects) and prints the report;
4. plans and pushes the warehouse to Twenty, 200 records per request, with a progress line;
5. runs the sync again: nothing to do, no write;
6. changes a few rows in the warehouse and syncs again: only those are sent;
7. edits a person in Twenty through the SDK and pulls the edit back into the warehouse;
8. prints a summary: records per object in the warehouse and in Twenty, requests per step, and the records Twenty
   could not take (from the sync's ``sync_errors`` log) with the reason for each.

:func:`run_demo` returns the figures as a :class:`DemoSummary` (``tests/demo/test_demo.py`` runs it at a small scale).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

import attrs
from twenty_emulator import Emulator, RateLimiter
from twenty_emulator._testing import serve_in_thread
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
    SyncMapping,
    SyncState,
)
from twenty_sync.stores import LocalStore

from twenty_sdk import RateLimit, TwentyClient, normalize_link

__all__ = [
    "DEMO_RATE_LIMIT",
    "MESS_KINDS",
    "MIN_SCALE",
    "DemoSummary",
    "Sample",
    "generate_sample",
    "main",
    "run_demo",
]

CONTACTS_AT_SCALE_1 = 5_000
BUSINESSES_AT_SCALE_1 = 1_000
RELATIONSHIPS_AT_SCALE_1 = 5_000
DEFAULT_SEED = 20_260_101
EDITED_NAME = "Grace Hopper-Edited"  # what the demo renames a person to, in Twenty
MIN_SCALE = 0.02  # 100 contacts, 20 businesses, 100 relationships: room for every kind of mess
LONG_TEXT = 20_000  # characters: long, but under the sync's limit (twenty_sync.Limits.max_text, 100,000)
TOO_LONG_TEXT = 120_000  # over it: refused before it is sent

# Twenty's default rate limit is 100 requests per second and 100 per minute per workspace; the demo scales the
# per-minute bucket up 6x (the per-second one as is) so that it runs in seconds. Client and server agree on it.
DEMO_RATE_LIMIT = {"short_limit": 100, "short_ttl_ms": 1_000, "long_limit": 600, "long_ttl_ms": 60_000}

MESS_KINDS = (
    "odd_casing",  # "ADA LOVELACE", "grace hopper", "lINUS tORVALDS"
    "extra_spaces",  # "  Ada   Lovelace "
    "duplicate_email",  # a second contact with the same email in another case (refused: the email is taken)
    "shared_domain",  # a second business with the same website, spelled differently (refused: the domain is taken)
    "website_spelling",  # websites with and without a scheme, with and without a trailing slash, www. or not
    "invalid_email",  # "not-an-email", "jane@", ... (refused: not an email address)
    "accents",  # José, Zoë, Søren, Łukasz
    "cjk",  # 山田 太郎, 王 小明, 김 민준
    "emoji",  # "Rocket 🚀 Labs"
    "long_text",  # 20,000 characters of notes (sent)
    "too_long_text",  # 120,000 characters of notes (refused: over the limit)
    "spaced_email",  # "  ada.lovelace.3@example.com " (trimmed: sent)
    "national_phone",  # "(415) 555-0142": sent parsed with a default region, else without it (a warning)
    "junk_phone",  # "n/a", "call me" (the contact is sent without it, with a warning)
)

_FIRST = (
    *("Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia", "Tim", "Hedy"),
    *("Katherine", "John", "Sophie", "Omar", "Ngozi", "Priya", "Carlos", "Mei", "Ivan", "Fatima", "Lars", "Aiko"),
)
_LAST = (
    *("Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Thompson", "Perlman"),
    *("Berners-Lee", "Lamarr", "Johnson", "McCarthy", "Wilson", "Haddad", "Okafor", "Patel", "Rivera", "Chen"),
)
_ACCENTED = (("José", "Müller"), ("Zoë", "Brontë"), ("Søren", "Kierkegaard"), ("Łukasz", "Wójcik"), ("Inès", "Doré"))
_CJK = (("山田", "太郎"), ("王", "小明"), ("김", "민준"), ("佐藤", "花子"), ("李", "娜"))
_EMOJI_BUSINESS = ("Rocket 🚀 Labs", "Taco 🌮 Express", "Green 🌱 Energy", "Coffee ☕ & Code", "Pixel 🎨 Studio")
_WORDS = (
    *("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne"),
    *("Aperture", "Massive", "Pied Piper", "Wonka", "Oscorp", "Nakatomi", "Monarch", "Gringotts", "Duff"),
)
_SUFFIXES = ("Inc.", "LLC", "GmbH", "Ltd", "S.A.", "Analytics", "Systems", "Partners", "Group", "Labs")
_ACCENTED_BUSINESS = ("Café Müller", "Crème Brûlée Société", "Ångström Optik", "Señor Nacho", "Zürich Ürün AG")
_CJK_BUSINESS = ("北京科技有限公司", "東京ロボティクス", "서울 소프트", "上海数据", "大阪フーズ")
_INDUSTRIES = ("Software", "Retail", "Manufacturing", "Finance", "Healthcare", "Education", "Logistics", None)
_TYPES = ("customer", "partner", "prospect", "vendor", None)
_CATEGORIES = ("PRO", "PERSONAL", "VIP", "PRESS", None)
_ROLES = ("CEO", "CTO", "Engineer", "Head of Sales", "Advisor", "  account manager ", "顾问", "Founder 🚀", None)
_RELATIONSHIP_TYPES = ("employee", "advisor", "investor", "board member", "contractor")
_INVALID_EMAILS = ("not-an-email", "jane@", "@example.com", "bob at example.com", "carol@localhost", "dave@@x.io")
_MAIL_DOMAINS = ("example.com", "Example.org", "mail.test", "corp.example", "EXAMPLE.NET")


@attrs.frozen
class Sample:
    """A generated warehouse: its records (key order), the keys showing each kind of mess, and the keys Twenty
    cannot take (per entity: refused by the sync, with a reason in ``sync_errors``)."""

    contacts: tuple[Contact, ...]
    businesses: tuple[Business, ...]
    relationships: tuple[Relationship, ...]
    mess: Mapping[str, tuple[str, ...]]
    rejected: Mapping[str, frozenset[str]]

    def counts(self) -> dict[str, int]:
        """Records per entity."""
        return {
            "contacts": len(self.contacts),
            "businesses": len(self.businesses),
            "relationships": len(self.relationships),
        }


def _ascii(text: str) -> str:
    """``"Zoë Brontë"`` → ``"zoebronte"``: letters and digits only, accents dropped ("" for CJK)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def _mess_count(total: int, per: int, minimum: int) -> int:
    return max(minimum, total // per)


def _odd_case(name: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    return name.upper() if style == 0 else name.lower() if style == 1 else name.swapcase()


def _spaced(name: str) -> str:
    return "  " + "   ".join(name.split(" ")) + " "


def _long_text(rng: random.Random, length: int) -> str:
    words = ("meeting", "renewal", "pricing", "follow-up", "integration", "café", "naïve", "日本", "budget", "Q3")
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(words)
        size += len(word) + (1 if out else 0)
        out.append(word)
    return " ".join(out)[:length]


def generate_sample(scale: float = 1.0, seed: int = DEFAULT_SEED) -> Sample:
    """A reproducible, messy warehouse: ``round(5000 * scale)`` contacts, ``round(1000 * scale)`` businesses and
    ``round(5000 * scale)`` relationships (at least one each), the same for the same ``scale`` and ``seed``.

    Every kind of :data:`MESS_KINDS` is present at any scale from :data:`MIN_SCALE`: names in odd casing and with
    extra spaces, accents, CJK and emoji; websites spelled every way; duplicate contacts (the same email in another
    case), businesses sharing a domain, invalid emails and over-long texts — those last four Twenty cannot take
    (``Sample.rejected``), nor the relationships pointing at them.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE} (100 contacts), not {scale}")
    rng = random.Random(seed)
    n_contacts = _scaled(CONTACTS_AT_SCALE_1, scale)
    n_businesses = _scaled(BUSINESSES_AT_SCALE_1, scale)
    n_relationships = _scaled(RELATIONSHIPS_AT_SCALE_1, scale)
    mess: dict[str, list[str]] = {kind: [] for kind in MESS_KINDS}

    # --- businesses -----------------------------------------------------------------------------------------------
    n_shared = _mess_count(n_businesses, 100, 2)
    specials_b = rng.sample(range(1, n_businesses), min(n_businesses - 1, n_shared + 15))
    shared_b = set(specials_b[:n_shared])
    accent_b = specials_b[n_shared : n_shared + 5]
    cjk_b = specials_b[n_shared + 5 : n_shared + 10]
    emoji_b = specials_b[n_shared + 10 : n_shared + 15]
    businesses: list[Business] = []
    websites: list[str | None] = []
    for i in range(n_businesses):
        key = f"B-{i:05d}"
        if i in accent_b:
            name = _ACCENTED_BUSINESS[accent_b.index(i) % len(_ACCENTED_BUSINESS)]
            mess["accents"].append(key)
        elif i in cjk_b:
            name = _CJK_BUSINESS[cjk_b.index(i) % len(_CJK_BUSINESS)]
            mess["cjk"].append(key)
        elif i in emoji_b:
            name = _EMOJI_BUSINESS[emoji_b.index(i) % len(_EMOJI_BUSINESS)]
            mess["emoji"].append(key)
        else:
            name = f"{rng.choice(_WORDS)} {rng.choice(_SUFFIXES)}"
            if i % 10 == 3:
                name = _odd_case(name, rng)
                mess["odd_casing"].append(key)
            elif i % 10 == 7:
                name = _spaced(name)
                mess["extra_spaces"].append(key)
        website: str | None
        if i in shared_b:
            candidates = [j for j in range(i) if j not in shared_b and "://" in (websites[j] or "")]
            original = websites[rng.choice(candidates[-50:])] if candidates else None
            original = original or "https://shared.example.com"
            # the same site, spelled otherwise: upper-case host, a trailing slash (Twenty folds both away)
            scheme, _, host = original.partition("://")
            website = f"{scheme}://{host.rstrip('/').upper()}" + ("" if original.endswith("/") else "/")
            mess["shared_domain"].append(key)
        elif rng.random() < 0.06:
            website = None
        else:
            domain = f"{_ascii(name) or 'biz'}-{i}.example.com"
            style = i % 6
            website = (
                f"https://{domain}",
                f"https://{domain}/",
                f"http://www.{domain}",
                f"HTTPS://WWW.{domain.upper()}/",
                domain,  # no scheme: kept as is
                f"www.{domain}/",
            )[style]
            if style in (1, 3, 4, 5):
                mess["website_spelling"].append(key)
        websites.append(website)
        businesses.append(
            Business(
                business_id=key,
                business_name=name,
                website=website,
                industry=rng.choice(_INDUSTRIES),
                business_type=rng.choice(_TYPES),
                business_data={"employees": rng.randrange(1, 5000), "founded": rng.randrange(1950, 2025)},
                relationship_stats={"contacts": rng.randrange(0, 40)},
                llm_context=None if rng.random() < 0.5 else f"{name.strip()} — notes from the CRM import",
            )
        )

    # --- contacts -------------------------------------------------------------------------------------------------
    n_dup = _mess_count(n_contacts, 200, 2)
    n_invalid = _mess_count(n_contacts, 1000, 2)
    n_too_long = 2
    n_long = 3
    n_specials = n_dup + n_invalid + n_too_long + n_long + 5 + 5
    specials = rng.sample(range(1, n_contacts), min(n_contacts - 1, n_specials))
    cut = iter((n_dup, n_invalid, n_too_long, n_long, 5, 5))
    groups: list[list[int]] = []
    start = 0
    for size in cut:
        groups.append(specials[start : start + size])
        start += size
    dup_c, invalid_c, too_long_c, long_c, accent_c, cjk_c = (set(g) for g in groups)
    special_c = set(specials)
    contacts: list[Contact] = []
    emails: list[str | None] = []
    names: list[str] = []
    for i in range(n_contacts):
        key = f"C-{i:06d}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if i in accent_c:
            first, last = rng.choice(_ACCENTED)
            mess["accents"].append(key)
        elif i in cjk_c:
            first, last = rng.choice(_CJK)
            mess["cjk"].append(key)
        name = f"{first} {last}"
        local = f"{_ascii(first)}.{_ascii(last)}" if _ascii(first) and _ascii(last) else "contact"
        address = f"{local}.{i}@{rng.choice(_MAIL_DOMAINS)}"
        if rng.random() < 0.3:
            address = address.title()  # "Ada.Lovelace.12@Example.Com": fine, Twenty lower-cases it
        email: str | None = address
        if rng.random() < 0.05 and i not in special_c:
            email = None
        llm_context: Any = {"summary": f"{first} {last}, met at a conference", "score": rng.randrange(0, 100)}
        if i in dup_c:
            earlier = rng.choice([j for j in range(max(0, i - 100), i) if j not in special_c and emails[j]] or [0])
            original = emails[earlier] or "contact.0@example.com"
            email = original.swapcase()  # the same address, another case: the same person twice
            name = _odd_case(names[earlier], rng)
            mess["duplicate_email"].append(key)
        elif i in invalid_c:
            email = _INVALID_EMAILS[len(mess["invalid_email"]) % len(_INVALID_EMAILS)]
            mess["invalid_email"].append(key)
        elif i in too_long_c:
            llm_context = _long_text(rng, TOO_LONG_TEXT)
            mess["too_long_text"].append(key)
        elif i in long_c:
            llm_context = _long_text(rng, LONG_TEXT)
            mess["long_text"].append(key)
        elif i not in special_c:
            if i % 10 == 3:
                name = _odd_case(name, rng)
                mess["odd_casing"].append(key)
            elif i % 10 == 7:
                name = _spaced(name)
                mess["extra_spaces"].append(key)
            elif i % 25 == 11:
                name = f"{first} {last} 🎉"
                mess["emoji"].append(key)
        phone = None if rng.random() < 0.4 else f"+1415555{rng.randrange(10_000):04d}"
        if i not in special_c and email is not None and i % 20 == 9:
            email = f"  {email} "  # spaces around it: trimmed, the same address
            mess["spaced_email"].append(key)
        if i not in special_c and i % 20 == 13:
            phone = f"(415) 555-{i % 10_000:04d}"  # national format: valid only with a default region
            mess["national_phone"].append(key)
        elif i not in special_c and i % 20 == 17:
            phone = ("n/a", "call me", "-")[i % 3]
            mess["junk_phone"].append(key)
        emails.append(email)
        names.append(name)
        contacts.append(
            Contact(
                contact_id=key,
                canonical_name=name,
                contact_identifiers={"primary_email": email, "primary_phone": phone},
                category_code=rng.choice(_CATEGORIES),
                relationship_category=rng.choice(("work", "personal", None)),
                llm_context=llm_context,
                communication_stats={"emails_sent": rng.randrange(0, 500), "last_contact_days": rng.randrange(365)},
                social_network={"linkedin": f"https://linkedin.example/in/{local}-{i}"} if rng.random() < 0.5 else None,
                recommendations=["follow up"] if rng.random() < 0.2 else None,
            )
        )

    # --- relationships --------------------------------------------------------------------------------------------
    rejected_c = {f"C-{i:06d}" for i in dup_c | invalid_c | too_long_c}
    rejected_b = {f"B-{i:05d}" for i in shared_b}
    relationships: list[Relationship] = []
    rejected_r: set[str] = set()
    for i in range(n_relationships):
        key = f"R-{i:06d}"
        contact_id = f"C-{rng.randrange(n_contacts):06d}"
        business_id = f"B-{rng.randrange(n_businesses):05d}"
        if contact_id in rejected_c or business_id in rejected_b:
            rejected_r.add(key)
        relationships.append(
            Relationship(
                relationship_id=key,
                contact_id=contact_id,
                business_id=business_id,
                role=rng.choice(_ROLES),
                relationship_type=rng.choice(_RELATIONSHIP_TYPES),
            )
        )
    return Sample(
        contacts=tuple(contacts),
        businesses=tuple(businesses),
        relationships=tuple(relationships),
        mess={kind: tuple(sorted(keys)) for kind, keys in mess.items()},
        rejected={
            "contacts": frozenset(rejected_c),
            "businesses": frozenset(rejected_b),
            "relationships": frozenset(rejected_r),
        },
    )


# --- the demo ---------------------------------------------------------------------------------------------------

_MAPPING = SyncMapping.default()
_PLURALS = {  # the Twenty object each entity of the seed's tables lands in, by its REST name
    e.entity: next(s.name_plural for s in SEED_SCHEMA if s.name_singular == e.object_name) for e in _MAPPING.entities()
}
_ENTITY_ORDER = ("contacts", "businesses", "relationships")


@attrs.frozen
class DemoSummary:
    """What :func:`run_demo` did, in figures.

    ``source`` / ``twenty``: records per entity in the warehouse and in Twenty at the end; ``rejected``: per entity,
    the ``(key, reason)`` of each record the first sync could not send (from ``sync_errors``); ``requests``: per
    step, the emulator's request counts by route; ``*_written``: records created or updated by each push.
    """

    source: Mapping[str, int]
    twenty: Mapping[str, int]
    rejected: Mapping[str, tuple[tuple[str, str], ...]]
    expected_rejected: Mapping[str, frozenset[str]]
    first_written: int
    rerun_written: int
    changed_keys: tuple[str, ...]
    changed_written: Mapping[str, int]
    pulled_key: str
    pulled_name: str
    warehouse_name: str
    warehouse_category: str | None
    after_pull_written: int
    requests: Mapping[str, Mapping[str, int]]
    seconds: float

    def rejected_keys(self, entity: str) -> frozenset[str]:
        return frozenset(key for key, _ in self.rejected[entity])

    @property
    def consistent(self) -> bool:
        """Every source record is in Twenty, except the ones refused (and logged)."""
        return all(self.twenty[e] == self.source[e] - len(self.rejected[e]) for e in _ENTITY_ORDER)


class _ProgressLine:
    """The engine's progress hook: one line per entity on stderr, redrawn in place on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.totals: Mapping[str, int] = {}
        self.started = self.previous = time.monotonic()
        self.current: tuple[str, str] | None = None
        self.last = ""

    def begin(self, totals: Mapping[str, int] | None = None) -> None:
        """Before a push or pull: the records expected per entity (None: unknown)."""
        self.totals = totals or {}
        self.started = self.previous = time.monotonic()

    def __call__(self, operation: str, entity: str, done: int) -> None:
        now = time.monotonic()
        if self.current != (operation, entity):
            self.finish()
            self.started = self.previous  # this entity's work began when the last one's ended
        self.current = (operation, entity)
        self.previous = now
        total = self.totals.get(entity)
        if total:
            filled = round(24 * min(done, total) / total)
            shown = f"[{'#' * filled}{'.' * (24 - filled)}] {done:>6,}/{total:<6,}"
            rate = done / max(now - self.started, 1e-3)
            shown += f" {rate:>7,.0f} records/s"
        else:
            shown = f"{done:>6,} record{'' if done == 1 else 's'}"
        self.last = f"  {operation} {entity:<14} {shown}"
        if self.tty:
            self.stream.write("\r" + self.last)
            self.stream.flush()

    def finish(self) -> None:
        if self.current is not None and (self.tty or not self.last.endswith(" 0 records")):
            self.stream.write(("\r" if self.tty else "") + self.last + "\n")
            self.stream.flush()
        self.current = None


def _counts_table(report: RunReport) -> str:
    """A run's table without its error lines (they are listed once, in the summary)."""
    return "\n".join(line for line in report.table().splitlines() if not line.startswith("  "))


def _phase_line(name: str, counts: Mapping[str, int]) -> str:
    writes = sum(n for route, n in counts.items() if "/metadata" not in route and not route.startswith("GET"))
    reads = sum(n for route, n in counts.items() if "/metadata" not in route and route.startswith("GET"))
    meta = sum(n for route, n in counts.items() if "/metadata" in route)
    return f"  {name:<34}{writes:>8}{reads:>8}{meta:>10}{sum(counts.values()):>8}"


def _same(records: Sequence[Any], key: str, value: Callable[[Any], str]) -> str:
    """The key of the first other record whose ``value`` equals that of record ``key``."""
    target = value(next(r for r in records if r.key == key))
    return str(next(r.key for r in records if r.key != key and value(r) == target))


def _reason_shape(reason: str) -> str:
    """A reason with its quoted values and numbers blanked: the kind of problem."""
    return re.sub(r"'[^']*'|\d+", "_", reason)


def _tidy(name: str) -> str:
    return " ".join(name.split()).title()


def run_demo(
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    *,
    workdir: Path | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> DemoSummary:
    """Run the whole demo (see the module docstring) and return its figures. ``workdir``: where the warehouse and
    the sync's state go (default: a temporary directory, removed at the end)."""
    began = time.monotonic()

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    def step(text: str) -> None:
        say()
        say(f"== {text}")

    requests: dict[str, dict[str, int]] = {}
    with ExitStack() as stack:
        tmp = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="twenty-demo-")))
        tmp.mkdir(parents=True, exist_ok=True)

        step("1. Start Twenty (the emulator, in this process)")
        emulator = Emulator(
            api_key="tw_demo_local_only",
            rate_limiter=RateLimiter(
                short_limit=DEMO_RATE_LIMIT["short_limit"],
                short_ttl_ms=DEMO_RATE_LIMIT["short_ttl_ms"],
                long_limit=DEMO_RATE_LIMIT["long_limit"],
                long_ttl_ms=DEMO_RATE_LIMIT["long_ttl_ms"],
            ),
        )
        server = stack.enter_context(serve_in_thread(emulator))
        say(f"Twenty 2.21.0's standard workspace at {server.url}")
        say(
            f"rate limit: {DEMO_RATE_LIMIT['short_limit']} requests per second and {DEMO_RATE_LIMIT['long_limit']} per "
            "minute. Twenty's default is 100 per minute: it is scaled up here so the demo takes seconds, not minutes "
            "(the SDK paces its requests under whatever limit it is given)."
        )
        client = stack.enter_context(
            TwentyClient(
                server.url,
                emulator.api_key,
                rate_limit=RateLimit(
                    short_limit=DEMO_RATE_LIMIT["short_limit"],
                    short_window=DEMO_RATE_LIMIT["short_ttl_ms"] / 1000,
                    long_limit=DEMO_RATE_LIMIT["long_limit"],
                    long_window=DEMO_RATE_LIMIT["long_ttl_ms"] / 1000,
                ),
            )
        )

        step("2. Fill a warehouse with a realistic, messy sample")
        sample = generate_sample(scale, seed)
        warehouse = LocalStore(tmp / "warehouse.sqlite3")
        stack.callback(warehouse.close)
        warehouse.ensure_schema()
        warehouse.upsert(BUSINESSES, sample.businesses)
        warehouse.upsert(CONTACTS, sample.contacts)
        warehouse.upsert(RELATIONSHIPS, sample.relationships)
        source = sample.counts()
        say(
            f"{warehouse!r}: {source['contacts']:,} contacts, {source['businesses']:,} businesses, "
            f"{source['relationships']:,} relationships (seed {seed})"
        )
        say("the mess in it, as found in real data:")
        by_key = {c.contact_id: c.canonical_name for c in sample.contacts} | {
            b.business_id: b.business_name for b in sample.businesses
        }
        websites = {b.business_id: b.website for b in sample.businesses}
        emails = {c.contact_id: c.primary_email for c in sample.contacts}
        for kind in MESS_KINDS:
            keys = sample.mess[kind]
            example = keys[0]
            if kind == "shared_domain":
                same = _same(sample.businesses, example, lambda b: normalize_link(b.website or ""))
                shown = f"{websites[example]!r}, the site of {same} {websites[same]!r}"
            elif kind == "duplicate_email":
                same = _same(sample.contacts, example, lambda c: (c.primary_email or "").lower())
                shown = f"{emails[example]!r}, the email of {same} {emails[same]!r}"
            elif kind == "website_spelling":
                shown = ", ".join(repr(websites[k]) for k in keys[:4])
            elif kind == "invalid_email":
                shown = repr(emails[example])
            elif kind in ("long_text", "too_long_text"):
                shown = f"{by_key[example]!r}, notes of {LONG_TEXT if kind == 'long_text' else TOO_LONG_TEXT:,} chars"
            else:
                shown = repr(by_key[example])
            say(f"  {kind.replace('_', ' '):<17}{len(keys):>5}  e.g. {example} {shown}")

        step("3. Set up Twenty: the custom fields and objects the sync needs")
        emulator.reset_counts()
        schema_report = client.metadata.ensure_schema(SEED_SCHEMA)
        say(str(schema_report))
        requests["3. setup (schema)"] = emulator.request_counts()

        step("4. Plan, then sync the warehouse to Twenty")
        state = SyncState(tmp / "sync-state.sqlite3")
        stack.callback(state.close)
        progress = _ProgressLine(err)
        engine = SyncEngine(client, state, source_name="warehouse", progress=progress)
        plan = engine.plan(warehouse, sample_size=3)
        say("\n".join(line for line in plan.table().splitlines() if not line.startswith("  ") or " invalid " in line))
        say("(invalid: refused before anything is sent. Duplicate emails and domains are caught while sending.)")
        progress.begin({e.entity: e.counts["create"] + e.counts["update"] for e in plan.entities})
        emulator.reset_counts()
        first = engine.run(warehouse, ensure_schema=False)
        progress.finish()
        requests["4. first sync"] = emulator.request_counts()
        say(_counts_table(first))
        say(f"{len(first.errors)} records refused: the reasons are in the sync's sync_errors log (summary below)")

        step("5. Sync again: nothing has changed")
        emulator.reset_counts()
        progress.begin()
        rerun = engine.run(warehouse, ensure_schema=False)
        progress.finish()
        requests["5. re-run"] = emulator.request_counts()
        rerun_writes = sum(n for route, n in requests["5. re-run"].items() if route.startswith(("POST", "PATCH")))
        say(
            f"nothing to do: {rerun.written} records written, {rerun_writes} write requests "
            f"({len(rerun.errors)} records still refused, for the same reasons)"
        )

        step("6. Change a few rows in the warehouse, and sync again")
        refused = sample.rejected
        tidied = [
            attrs.evolve(c, canonical_name=_tidy(c.canonical_name))
            for c in sample.contacts
            if c.contact_id in sample.mess["odd_casing"] and c.contact_id not in refused["contacts"]
        ][:3]
        moved = [
            attrs.evolve(b, industry="Aerospace")
            for b in sample.businesses
            if b.business_id not in refused["businesses"] and b.industry != "Aerospace"
        ][:1]
        for c in tidied:
            say(f"  contact {c.contact_id}: name tidied to {c.canonical_name!r}")
        for b in moved:
            say(f"  business {b.business_id}: industry set to {b.industry!r}")
        warehouse.upsert(CONTACTS, tidied)
        warehouse.upsert(BUSINESSES, moved)
        emulator.reset_counts()
        progress.begin()
        changed = engine.run(warehouse, ensure_schema=False)
        progress.finish()
        requests["6. sync after 4 changes"] = emulator.request_counts()
        say(_counts_table(changed))
        changed_written = {
            e.entity: e.counts["created"] + e.counts["updated"]
            for e in changed.entities
            if e.counts["created"] or e.counts["updated"]
        }
        say(f"sent: {', '.join(f'{n} {entity}' for entity, n in changed_written.items())} — only the rows changed")

        step("7. Edit a person in Twenty, and pull the edit back into the warehouse")
        emulator.reset_counts()
        pulled_key = (
            tidied[0].contact_id
            if tidied
            else next(c.contact_id for c in sample.contacts if c.contact_id not in refused["contacts"])
        )
        twenty_id = state.get_many("contacts", [pulled_key])[pulled_key].twenty_id
        people = client.records("people")
        first_name, last_name = EDITED_NAME.split(" ", 1)
        people.update(twenty_id, {"name": {"firstName": first_name, "lastName": last_name}, "categoryCode": "VIP"})
        say(f"  in Twenty: person {twenty_id} ({pulled_key}) renamed {EDITED_NAME!r}, category 'VIP' (through the SDK)")
        before_pull = max(
            (r.updated_at for batch in warehouse.read_all(CONTACTS) for r in batch if r.updated_at is not None),
        )
        progress.begin()
        pulled = engine.pull(warehouse, skip_own_writes=True, target_name="warehouse")
        progress.finish()
        requests["7. edit in Twenty + pull"] = emulator.request_counts()
        say(_counts_table(pulled))
        say(
            "(a first pull reads every record once, 200 a request, and skips those as the sync last wrote them; "
            "later pulls read only what changed since)"
        )
        changed_rows = [r for batch in warehouse.read_changed(CONTACTS, before_pull) for r in batch]
        after = next(r for r in changed_rows if r.contact_id == pulled_key)
        say(
            f"  in the warehouse: {pulled_key} is now {after.canonical_name!r}, category {after.category_code!r} "
            f"({len(changed_rows)} warehouse row changed by the pull)"
        )
        emulator.reset_counts()
        progress.begin()
        after_pull = engine.run(warehouse, ensure_schema=False)
        progress.finish()
        requests["7b. sync after the pull"] = emulator.request_counts()
        say(f"and a sync after the pull sends it nowhere: {after_pull.written} records written")

        step("8. Summary")
        twenty = {entity: client.records(_PLURALS[entity]).count() for entity in _ENTITY_ORDER}
        logged: dict[str, dict[str, str]] = {entity: {} for entity in _ENTITY_ORDER}
        for error in state.errors(first.run_id):
            if not error.reason.startswith("warning: "):  # landed, without a junk value: not refused
                logged[error.entity].setdefault(error.key, error.reason)
        rejected = {entity: tuple(sorted(logged[entity].items())) for entity in _ENTITY_ORDER}
        say(f"  {'records':<16}{'warehouse':>10}{'in Twenty':>11}{'refused':>9}")
        for entity in _ENTITY_ORDER:
            say(f"  {entity:<16}{source[entity]:>10,}{twenty[entity]:>11,}{len(rejected[entity]):>9,}")
        say()
        say(f"  {'requests per step':<34}{'writes':>8}{'reads':>8}{'metadata':>10}{'total':>8}")
        for name, counts in requests.items():
            say(_phase_line(name, counts))
        say()
        say("  refused records (the sync_errors log: key and reason):")
        for entity in _ENTITY_ORDER:
            kinds: dict[str, list[tuple[str, str]]] = {}
            for key, reason in rejected[entity]:
                kinds.setdefault(_reason_shape(reason), []).append((key, reason))
            for same_kind in kinds.values():
                key, reason = same_kind[0]
                more = f"  (+{len(same_kind) - 1} more like it)" if len(same_kind) > 1 else ""
                say(f"    {entity:<14}{key:<10} {reason}{more}")
        kept = "" if workdir else "; run with --keep DIR to keep that file"
        say(f"  (every one is in the sync_errors table of {state.path}{kept})")
        seconds = time.monotonic() - began
        summary = DemoSummary(
            source=source,
            twenty=twenty,
            rejected=rejected,
            expected_rejected=sample.rejected,
            first_written=first.written,
            rerun_written=rerun.written,
            changed_keys=(*(c.key for c in tidied), *(b.key for b in moved)),
            changed_written=changed_written,
            pulled_key=pulled_key,
            pulled_name=EDITED_NAME,
            warehouse_name=after.canonical_name,
            warehouse_category=after.category_code,
            after_pull_written=after_pull.written,
            requests=requests,
            seconds=seconds,
        )
        say()
        verdict = "every record is in Twenty but the refused ones" if summary.consistent else "COUNTS DO NOT ADD UP"
        say(f"done in {seconds:.1f} s: {verdict}.")
        return summary


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="twenty_demo.py", description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--scale", type=float, default=1.0, help="sample size: 1.0 is 5k contacts, 1k businesses, 5k links")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the sample's random seed")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep the warehouse and the sync's state in DIR")
    args = ap.parse_args(argv)
    summary = run_demo(args.scale, args.seed, workdir=args.keep)
    return 0 if summary.consistent else 1


if __name__ == "__main__":
    sys.exit(main())
