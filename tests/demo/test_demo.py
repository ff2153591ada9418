"""The demo (``demo/twenty_demo.py``, ``nox -s demo``): its sample generator is pure, exact and messy; the whole
demo runs end to end at a small scale, every record lands in Twenty but the refused ones, a re-run writes nothing,
a change sends only itself, an edit in Twenty comes back to the warehouse, and the script exits 0."""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from twenty_sync import MappingError
from twenty_sync._mapping import contact_to_person

from twenty_sdk import normalize_link

DEMO = Path(__file__).resolve().parents[2] / "demo" / "twenty_demo.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("twenty_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["twenty_demo"] = module
    spec.loader.exec_module(module)
    return module


demo = _load()


def _has_accent(text: str) -> bool:
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text)) or any(
        ch in "øØłŁ" for ch in text
    )


def _has_emoji(text: str) -> bool:
    return any(ord(ch) > 0x2600 and unicodedata.category(ch) == "So" for ch in text)


# --- the sample -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (1.0, {"contacts": 5000, "businesses": 1000, "relationships": 5000}),
        (0.1, {"contacts": 500, "businesses": 100, "relationships": 500}),
        (0.02, {"contacts": 100, "businesses": 20, "relationships": 100}),
    ],
)
def test_sample_has_exactly_the_counts_asked_for(scale: float, expected: dict[str, int]) -> None:
    sample = demo.generate_sample(scale)
    assert sample.counts() == expected
    assert len({c.key for c in sample.contacts}) == expected["contacts"]
    assert len({b.key for b in sample.businesses}) == expected["businesses"]
    assert len({r.key for r in sample.relationships}) == expected["relationships"]


def test_sample_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    a, b, c = demo.generate_sample(0.1, seed=1), demo.generate_sample(0.1, seed=1), demo.generate_sample(0.1, seed=2)
    assert a == b
    assert a.contacts != c.contacts


def test_sample_keys_are_in_order_and_relationships_point_at_sampled_records() -> None:
    sample = demo.generate_sample(0.1)
    assert [c.key for c in sample.contacts] == sorted(c.key for c in sample.contacts)
    contacts, businesses = {c.key for c in sample.contacts}, {b.key for b in sample.businesses}
    assert all(r.contact_id in contacts and r.business_id in businesses for r in sample.relationships)


def test_sample_refuses_scales_too_small_for_every_kind_of_mess() -> None:
    with pytest.raises(ValueError, match="at least"):
        demo.generate_sample(0.01)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("scale", [0.02, 0.1, 1.0])
def test_sample_holds_every_kind_of_mess(scale: float, seed: int) -> None:
    sample = demo.generate_sample(scale, seed=seed)
    assert set(sample.mess) == set(demo.MESS_KINDS)
    assert all(sample.mess[kind] for kind in demo.MESS_KINDS), {k: len(v) for k, v in sample.mess.items()}
    names = {c.key: c.canonical_name for c in sample.contacts} | {b.key: b.business_name for b in sample.businesses}
    contacts = {c.key: c for c in sample.contacts}
    websites = {b.key: b.website for b in sample.businesses}

    for key in sample.mess["odd_casing"]:
        words = names[key].split()
        assert any(w not in (w.capitalize(), w.upper()) for w in words) or names[key].isupper(), names[key]
    assert all("  " in names[k] or names[k] != names[k].strip() for k in sample.mess["extra_spaces"])
    assert all(_has_accent(names[k]) for k in sample.mess["accents"])
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", names[k]) for k in sample.mess["cjk"])
    assert all(_has_emoji(names[k]) for k in sample.mess["emoji"])

    emails = Counter((c.primary_email or "").lower() for c in sample.contacts if c.primary_email)
    for key in sample.mess["duplicate_email"]:
        email = contacts[key].primary_email
        assert email is not None
        assert emails[email.lower()] >= 2
        others = [c.primary_email for c in sample.contacts if c.key != key and c.primary_email]
        assert any(other != email and other.lower() == email.lower() for other in others)
    domains = Counter(normalize_link(w) for w in websites.values() if w)
    for key in sample.mess["shared_domain"]:
        website = websites[key]
        assert website is not None
        assert domains[normalize_link(website)] >= 2
    spellings = [websites[k] or "" for k in sample.mess["website_spelling"]]
    assert any("://" not in w for w in spellings)
    assert any(w.endswith("/") for w in spellings)
    for key in sample.mess["invalid_email"]:
        with pytest.raises(MappingError, match="not a valid email"):
            contact_to_person(contacts[key])
    assert all(len(str(contacts[k].llm_context)) >= demo.LONG_TEXT for k in sample.mess["long_text"])
    assert all(len(str(contacts[k].llm_context)) == demo.TOO_LONG_TEXT for k in sample.mess["too_long_text"])
    for key in sample.mess["long_text"]:
        contact_to_person(contacts[key])  # long, but sent
    for key in sample.mess["too_long_text"]:
        with pytest.raises(MappingError, match="over the limit"):
            contact_to_person(contacts[key])


def test_sample_rejects_exactly_the_bad_records_and_the_relationships_to_them() -> None:
    sample = demo.generate_sample(0.1)
    bad = sample.mess
    assert sample.rejected["contacts"] == {*bad["duplicate_email"], *bad["invalid_email"], *bad["too_long_text"]}
    assert sample.rejected["businesses"] == set(bad["shared_domain"])
    expected = {
        r.key
        for r in sample.relationships
        if r.contact_id in sample.rejected["contacts"] or r.business_id in sample.rejected["businesses"]
    }
    assert sample.rejected["relationships"] == expected


# --- the whole demo -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    out, err = io.StringIO(), io.StringIO()
    summary = demo.run_demo(0.1, workdir=tmp_path_factory.mktemp("demo"), out=out, err=err)
    return summary, out.getvalue()


def test_demo_puts_every_record_in_twenty_but_the_refused_ones(run: tuple[Any, str]) -> None:
    summary, _ = run
    assert summary.source == {"contacts": 500, "businesses": 100, "relationships": 500}
    for entity in ("contacts", "businesses", "relationships"):
        assert summary.twenty[entity] == summary.source[entity] - len(summary.rejected[entity])
    assert summary.consistent


def test_demo_logs_each_refused_record_with_its_reason(run: tuple[Any, str]) -> None:
    summary, _ = run
    for entity in ("contacts", "businesses", "relationships"):
        assert summary.rejected_keys(entity) == summary.expected_rejected[entity]
        assert all(reason for _, reason in summary.rejected[entity])
    reasons = " | ".join(reason for _, reason in summary.rejected["contacts"])
    assert "is not a valid email address" in reasons
    assert "already belongs to contacts" in reasons
    assert "over the limit" in reasons
    assert all("already belongs to businesses" in reason for _, reason in summary.rejected["businesses"])


def test_demo_rerun_writes_nothing(run: tuple[Any, str]) -> None:
    summary, output = run
    assert summary.first_written == sum(summary.twenty.values())
    assert summary.rerun_written == 0
    assert summary.requests["5. re-run"] == {}
    assert "nothing to do: 0 records written, 0 write requests" in output


def test_demo_sends_only_the_rows_changed_in_the_warehouse(run: tuple[Any, str]) -> None:
    summary, _ = run
    assert len(summary.changed_keys) == 4
    assert summary.changed_written == {"businesses": 1, "contacts": 3}
    assert summary.requests["6. sync after 4 changes"] == {"POST /rest/batch/{object}": 2}


def test_demo_pulls_the_edit_made_in_twenty_into_the_warehouse(run: tuple[Any, str]) -> None:
    summary, output = run
    assert summary.warehouse_name == summary.pulled_name == demo.EDITED_NAME
    assert summary.warehouse_category == "VIP"
    assert "(1 warehouse row changed by the pull)" in output
    assert summary.after_pull_written == 0


def test_demo_prints_each_step_and_the_summary(run: tuple[Any, str]) -> None:
    _, output = run
    for heading in ("== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "== 6.", "== 7.", "== 8. Summary"):
        assert heading in output
    assert "600 per minute" in output  # says the rate limit is scaled
    assert re.search(r"\d+ created, \d+ unchanged, 0 drifted", output)  # the schema report
    assert "every record is in Twenty but the refused ones" in output


def test_demo_script_runs_and_exits_0(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(DEMO), "--scale", "0.02", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "== 8. Summary" in done.stdout
    assert (tmp_path / "warehouse.sqlite3").exists()
    assert (tmp_path / "sync-state.sqlite3").exists()
