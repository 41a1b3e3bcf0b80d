"""The provider catalogue: every shipped entry loads, says where it was read, and names its
provider's bodies without claiming another's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson
import pytest

from receipts.mapping.catalogue import load_catalogue
from receipts.mapping.compile import compile_mapping
from receipts.mapping.detection import detect_mapping, parse_sample_text
from receipts.mapping.files import parse_mapping

CORPUS = Path(__file__).parent / "corpus"
CATALOGUE = load_catalogue()


def test_ships_at_least_forty_providers():
    assert len(CATALOGUE.providers) >= 40


# The providers whose failure codes the one reason vocabulary must read (issue 12, item 2).
REASON_PROVIDERS = ("twilio", "vonage", "infobip", "sinch", "plivo", "telnyx", "messagebird")
REASON_PROVIDERS += ("whatsapp-cloud", "smpp")


@pytest.mark.parametrize("provider", REASON_PROVIDERS)
def test_the_big_providers_failure_codes_have_a_reason(provider: str):
    assert len(CATALOGUE.providers[provider].errors) >= 5


def test_a_code_reads_as_its_provider_publishes_it():
    twilio, wa, smpp = (CATALOGUE.providers[p] for p in ("twilio", "whatsapp-cloud", "smpp"))
    assert twilio.errors["21610"].category == "opted_out"
    assert twilio.errors["30003"].permanent is False
    assert wa.errors["131047"].category == "window_closed"
    assert smpp.errors["001"].category == "invalid_number"


@pytest.mark.parametrize("provider", list(CATALOGUE.providers))
def test_every_table_says_where_it_was_read(provider: str):
    entry = CATALOGUE.providers[provider]
    tables = {"fields": entry.fields, "status": entry.status, "errors": entry.errors}
    unsourced = [name for name, table in tables.items() if table and name not in entry.sources]
    assert unsourced == []
    assert all(url.startswith("https://") for url in entry.sources.values())


@pytest.mark.parametrize("provider", list(CATALOGUE.providers))
def test_a_signature_is_no_other_providers_subset(provider: str):
    mine = set(CATALOGUE.providers[provider].signature)
    assert mine, "every entry names the keys that recognize it"
    for other, entry in CATALOGUE.providers.items():
        if other != provider and entry.each == CATALOGUE.providers[provider].each:
            assert not set(entry.signature) < mine or len(entry.signature) < len(mine)
            assert set(entry.signature) != mine


def test_every_corpus_provider_has_a_catalogue_entry():
    folders = {path.name for path in CORPUS.iterdir() if path.is_dir()}
    assert folders - set(CATALOGUE.providers) == set()


@pytest.mark.parametrize("provider", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_recognizes_its_providers_bodies(provider: str):
    files = sorted((CORPUS / provider).iterdir())
    mapping = detect_mapping([b for f in files for b in parse_sample_text(f.read_text("utf-8"))])
    assert mapping.provider is not None and mapping.provider.id == provider


def test_a_recognized_provider_maps_values_its_samples_never_showed():
    delivered = {"id": "740e5834-3a29-46b4-9a6f-16142fde0001", "reference": "appointment-001",
                 "to": "07700900001", "status": "delivered", "created_at": "2026-11-24T08:30:00Z",
                 "completed_at": "2026-11-24T08:30:07Z", "sent_at": "2026-11-24T08:30:01Z",
                 "notification_type": "sms", "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
                 "template_version": 3}  # fmt: skip
    mapping = detect_mapping([delivered])
    spec = parse_mapping(mapping.to_toml("notify").encode(), "notify.toml")
    failed = compile_mapping(spec).load(delivered | {"status": "permanent-failure"})[0]
    assert (failed.status, mapping.provider.name) == ("failed", "GOV.UK Notify")


def test_numeric_codes_are_read_only_by_their_own_provider():
    lox24 = CATALOGUE.providers["lox24"]
    assert lox24.status["2"] == "queued"
    body = {"MessageId": "100803030011", "Status": "2", "To": "85212340011"}
    assert detect_mapping([body], catalogue=CATALOGUE.without("alibaba-intl")).status_table == {
        "2": "unknown"
    }


def test_the_catalogue_format_is_documented_where_it_is_read():
    text = (Path(__file__).parents[2] / "receipts" / "mapping" / "catalogue.py").read_text()
    example = text.split("file reads::\n\n", 1)[1].split("\n\nThe file", 1)[0]
    document = tomllib.loads("\n".join(line[4:] for line in example.splitlines()))
    assert set(document) >= {"name", "signature", "sources", "fields", "status", "errors"}
    assert orjson.dumps(document)
