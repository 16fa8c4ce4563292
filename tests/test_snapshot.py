"""The committed snapshot is the recorded 2026-08-19 payload (tests/data), facts only."""

from __future__ import annotations

import json

from tests.conftest import PAYLOAD, SNAPSHOT

MODELS_SHA256 = "9eb9011118402d498cb54a5ea1c757f490d865f25cbb93c46817012a53ce9647"


def test_snapshot_keeps_every_model_and_price_of_the_payload(catalog) -> None:
    payload = json.loads(PAYLOAD.read_text())["data"]
    assert len(catalog) == len(payload) == 549
    for row in payload:
        stored = catalog.get_exact(row["id"]).pricing
        for key, value in row["pricing"].items():
            if key == "overrides":
                assert len(stored.overrides) == len(value)
            elif value is not None:
                assert stored.prices[key].raw == value.strip(), (row["id"], key)


def test_snapshot_drops_descriptions_and_records_its_date() -> None:
    document = json.loads(SNAPSHOT.read_text())
    assert all("description" not in row for row in document["data"])
    assert document["meta"]["fetched_at"].startswith("2026-08-19")
    assert document["meta"]["model_count"] == 549


def test_snapshot_is_the_current_format_with_a_whole_document_hash() -> None:
    from estimator.pricing.store import FORMAT_VERSION, document_digest, read_catalog_file

    document = json.loads(SNAPSHOT.read_text())
    assert document["version"] == FORMAT_VERSION == 2
    assert document["document_sha256"] == document_digest(document)
    # the models' digest (the catalog's identity in estimates and baselines) did not change
    assert document["meta"]["sha256"] == MODELS_SHA256
    assert read_catalog_file(SNAPSHOT).meta.sha256 == MODELS_SHA256
