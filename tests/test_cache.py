"""Where catalogs live, how they are written (atomically, with history) and read concurrently."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import estimator.pricing.atomic as atomic
from estimator import load_catalog
from estimator.cli import main
from estimator.errors import PricingUnavailable
from estimator.pricing.atomic import write_atomic
from estimator.pricing.locations import candidate_dirs, user_cache_dir, writable_dir
from estimator.pricing.payload import PayloadError
from estimator.pricing.refresh import import_file
from estimator.pricing.store import FORMAT_VERSION, history_files, read_catalog_file
from tests.conftest import PAYLOAD, SNAPSHOT
from tests.pricing_helpers import dir_bytes, temp_files, with_price, write_json

ENV = "FUSION_COST_CACHE_DIR"


def seed(directory: Path, source: str) -> None:
    import_file(PAYLOAD, directory, source=source)


# --- resolution order --------------------------------------------------------------------------


def test_user_cache_dir_follows_xdg_cache_home() -> None:
    assert user_cache_dir() == Path(os.environ["XDG_CACHE_HOME"]) / "fusion-cost"


def test_candidate_dirs_in_order(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = user_cache_dir()
    assert candidate_dirs() == [user]  # no ./pricing_cache in the empty working dir
    (isolated / "pricing_cache").mkdir()
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert candidate_dirs(tmp_path / "flag") == [
        tmp_path / "flag",
        tmp_path / "env",
        isolated / "pricing_cache",
        user,
    ]


def test_load_catalog_resolution_order(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag, env, local, user = tmp_path / "flag", tmp_path / "env", isolated / "pricing_cache", None
    user = user_cache_dir()
    for directory, name in ((flag, "flag"), (env, "env"), (local, "local"), (user, "user")):
        seed(directory, name)
    monkeypatch.setenv(ENV, str(env))

    assert load_catalog(flag).meta.source == "flag"
    assert load_catalog().meta.source == "env"
    monkeypatch.delenv(ENV)
    assert load_catalog().meta.source == "local"
    shutil.rmtree(local)
    assert load_catalog().meta.source == "user"
    assert load_catalog().location == user / "catalog.json"
    shutil.rmtree(user)

    bundled = load_catalog()  # nothing cached: the snapshot that ships with the package
    assert bundled.location == SNAPSHOT
    assert len(bundled) == 549
    assert bundled.meta.fetched_at.date().isoformat() == "2026-08-19"


def test_a_dir_without_a_catalog_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    seed(tmp_path / "env", "env")
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert load_catalog(empty).meta.source == "env"


def test_cli_cache_dir_flag_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path / "flag", "flag-source")
    seed(tmp_path / "env", "env-source")
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    show = ["prices", "show", "openai/gpt-5.6-sol", "--format", "json"]
    assert main(show) == 0
    assert json.loads(capsys.readouterr().out)["catalog"]["source"] == "env-source"
    assert main([*show, "--cache-dir", str(tmp_path / "flag")]) == 0
    assert json.loads(capsys.readouterr().out)["catalog"]["source"] == "flag-source"


def test_writes_go_to_the_first_writable_dir(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert writable_dir() == user_cache_dir()
    assert import_file(PAYLOAD).path == user_cache_dir() / "catalog.json"

    (isolated / "pricing_cache").mkdir()
    assert import_file(PAYLOAD).path == isolated / "pricing_cache" / "catalog.json"

    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert import_file(PAYLOAD).path == tmp_path / "env" / "catalog.json"
    assert import_file(PAYLOAD, tmp_path / "flag").path == tmp_path / "flag" / "catalog.json"
    assert (tmp_path / "flag" / "catalog.json").is_file()


# --- atomic writes and history -----------------------------------------------------------------


def test_import_leaves_no_temp_files(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    import_file(
        write_json(tmp_path / "b.json", with_price("openai/gpt-5.6-sol", "prompt", "1")), cache
    )
    assert temp_files(cache) == []
    names = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
    assert names[:2] == [".lock", "catalog.json"]
    assert all(name.startswith("history/") for name in names[2:])


def test_failed_replace_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file.json"
    write_atomic(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_failed_write_during_import_leaves_cache_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    before = dir_bytes(cache)
    changed = write_json(tmp_path / "b.json", with_price("openai/gpt-5.6-sol", "prompt", "1"))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        import_file(changed, cache)
    assert dir_bytes(cache) == before
    assert temp_files(cache) == []


def test_history_gets_one_entry_per_distinct_catalog(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    other = write_json(
        tmp_path / "models-2026-08-20.json", with_price("openai/gpt-5.6-sol", "prompt", "0.000003")
    )
    import_file(PAYLOAD, cache)
    import_file(PAYLOAD, cache)  # same models again: no new entry
    first = history_files(cache)
    assert len(first) == 1
    assert first[0].read_bytes() == (cache / "catalog.json").read_bytes()

    import_file(other, cache)
    import_file(other, cache)
    history = history_files(cache)
    assert len(history) == 2
    assert history[0] == first[0]
    shas = [read_catalog_file(p).meta.sha256 for p in history]
    assert shas[0] != shas[1]
    assert all(p.name.endswith(f"-{sha[:12]}.json") for p, sha in zip(history, shas, strict=True))
    assert history[-1].read_bytes() == (cache / "catalog.json").read_bytes()


def _three_catalogs(tmp_path: Path) -> list[Path]:
    """Three distinct catalog payloads (one price differs in each)."""
    return [
        write_json(
            tmp_path / f"models-2026-08-2{n}.json",
            with_price("openai/gpt-5.6-sol", "prompt", f"0.00000{n + 1}"),
        )
        for n in range(3)
    ]


def test_pruning_deletes_only_our_entries_never_through_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "c"
    sources = _three_catalogs(tmp_path)
    import_file(sources[0], cache)
    ours_first = history_files(cache)
    history = cache / "history"
    user = tmp_path / "user-files"
    user.mkdir()
    (user / "notes.json").write_text('{"mine": true}')
    # user files in history/: sorted before our entries, some named like ours
    planted = {
        "2000-notes.json": b'{"mine": 1}',
        "2000-01-01T000000.000000Z-aaaaaaaaaaaa.json": b'{"format": "fusion-cost-catalog"}',
        "2000-01-01T000000.000000Z-bbbbbbbbbbbb.json.bak": b"backup",
    }
    for name, body in planted.items():
        (history / name).write_bytes(body)
    link = history / "2000-01-02T000000.000000Z-cccccccccccc.json"
    link.symlink_to(user / "notes.json")
    monkeypatch.setenv("FUSION_COST_HISTORY_KEEP", "1")
    import_file(sources[1], cache)
    import_file(sources[2], cache)

    assert {p.name: p.read_bytes() for p in history.iterdir() if p.name in planted} == planted
    assert link.is_symlink() and (user / "notes.json").read_text() == '{"mine": true}'
    ours = history_files(cache)
    assert len(ours) == 1 and ours[0] not in ours_first  # the two older entries were pruned
    assert ours[0].read_bytes() == (cache / "catalog.json").read_bytes()


def test_a_symlinked_history_dir_is_neither_listed_nor_pruned_nor_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "c"
    sources = _three_catalogs(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    import_file(sources[0], elsewhere)  # a real history there, reached through the link
    before = dir_bytes(elsewhere)
    cache.mkdir()
    (cache / "history").symlink_to(elsewhere / "history")
    monkeypatch.setenv("FUSION_COST_HISTORY_KEEP", "1")
    for source in sources:
        import_file(source, cache)
    assert history_files(cache) == []
    assert dir_bytes(elsewhere) == before  # nothing written, nothing deleted there
    assert len(load_catalog(cache)) == 549


def test_history_files_and_prices_diff_list_only_our_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c"
    sources = _three_catalogs(tmp_path)
    import_file(sources[0], cache)
    import_file(sources[1], cache)
    ours = history_files(cache)
    assert len(ours) == 2
    history = cache / "history"
    # a user's copy of a catalog, newer by name than ours: not an entry we recorded
    (history / "9999-my-copy.json").write_bytes((cache / "catalog.json").read_bytes())
    # named like ours, but its models sha256 is not the one in the name
    forged = history / "9999-01-01T000000.000000Z-0123456789ab.json"
    forged.write_bytes(ours[0].read_bytes())
    (history / "9999-01-02T000000.000000Z-abcdefabcdef.json").mkdir()
    assert history_files(cache) == ours
    code = main(["prices", "diff", "--cache-dir", str(cache), "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["old"]["label"], result["new"]["label"]) == tuple(map(str, ours))
    assert [c["id"] for c in result["changed"]] == ["openai/gpt-5.6-sol"]


# --- corruption --------------------------------------------------------------------------------


def test_edited_catalog_fails_its_sha_check_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    path = cache / "catalog.json"
    document = json.loads(path.read_bytes())
    row = next(r for r in document["data"] if r["id"] == "anthropic/claude-opus-5")
    row["pricing"]["prompt"] = "0.0000001"  # a "cheaper" price, sha left as it was
    path.write_text(json.dumps(document))

    with pytest.raises(PayloadError) as info:
        read_catalog_file(path)
    assert str(path) in str(info.value)
    assert "sha256" in str(info.value)
    with pytest.raises(PayloadError, match="sha256"):
        load_catalog(cache)

    code = main(["prices", "show", "anthropic/claude-opus-5", "--cache-dir", str(cache)])
    err = capsys.readouterr().err
    assert code == 3  # pricing unavailable until it is rebuilt
    assert str(path) in err
    assert "sha256" in err
    assert f"fusion-cost prices refresh --cache-dir {cache}" in err
    assert "Traceback" not in err


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_bytes())
    change(document)
    path.write_text(json.dumps(document, indent=1))


def _cheaper(document: dict) -> None:  # type: ignore[type-arg]
    row = next(r for r in document["data"] if r["id"] == "anthropic/claude-opus-5")
    row["pricing"]["prompt"] = "0.0000001"


def _set(section: str | None, key: str, value: object):  # type: ignore[no-untyped-def]
    def change(document: dict) -> None:  # type: ignore[type-arg]
        target = document if section is None else document[section]
        if value is None:
            target.pop(key)
        else:
            target[key] = value

    return change


# Each edit used to be accepted: the sha256 covered only the models and could be emptied.
TAMPERING = {
    "models-sha-emptied-and-a-price-edited": ([_set("meta", "sha256", ""), _cheaper], "sha256"),
    "models-sha-removed-and-a-price-edited": ([_set("meta", "sha256", None), _cheaper], "sha256"),
    "fetched-at-moved-to-the-future": (
        [_set("meta", "fetched_at", "2027-11-25T00:00:00Z")],
        "document_sha256",
    ),
    "fetched-at-refreshed-to-hide-staleness": (
        [_set("meta", "fetched_at", "2026-11-25T00:00:00Z")],
        "document_sha256",
    ),
    "checked-at-edited": ([_set("meta", "checked_at", "2026-11-25T00:00:00Z")], "document_sha256"),
    "source-edited": ([_set("meta", "source", "https://example.com/trusted")], "document_sha256"),
    "document-sha-removed": ([_set(None, "document_sha256", None)], "no valid document_sha256"),
    "document-sha-emptied": ([_set(None, "document_sha256", "")], "no valid document_sha256"),
    "document-sha-of-another-shape": (
        [_set(None, "document_sha256", ["x"])],
        "no valid document_sha256",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_a_hand_edited_catalog_is_refused_with_the_rebuild_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    changes, needle = TAMPERING[case]
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    path = cache / "catalog.json"
    for change in changes:
        _edit(path, change)
    code = main(["estimate", "--samples", "100", "--cache-dir", str(cache)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (3, ""), captured.err
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(f"fusion-cost: error: {path}: ")
    assert needle in line and f"fusion-cost prices refresh --cache-dir {cache}" in line
    with pytest.raises(PricingUnavailable):
        read_catalog_file(path)
    import_file(PAYLOAD, cache)  # the command it names repairs it
    assert len(load_catalog(cache)) == 549


def test_a_catalog_dated_in_the_future_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "c"
    # written honestly by this tool, whose clock was two days ahead
    monkeypatch.setenv("FUSION_COST_NOW", "2026-11-27T12:00:00+00:00")
    import_file(PAYLOAD, cache, fetched_at=datetime(2026, 11, 27, tzinfo=UTC))
    monkeypatch.setenv("FUSION_COST_NOW", "2026-11-25T12:00:00+00:00")
    code = main(["check", "--samples", "100", "--cache-dir", str(cache)])
    err = capsys.readouterr().err
    assert code == 3
    assert "fetched_at 2026-11-27T00:00:00+00:00 is in the future" in err
    assert f"fusion-cost prices refresh --cache-dir {cache}" in err
    assert len(err.strip().splitlines()) == 1
    # a day ahead is clock skew, not a lie
    import_file(PAYLOAD, cache, fetched_at=datetime(2026, 11, 26, 11, tzinfo=UTC))
    assert load_catalog(cache).meta.fetched_at.day == 26
    # and an import is refused before it writes what reads would refuse
    before = dir_bytes(cache)
    code = main(["prices", "import", str(PAYLOAD), "--cache-dir", str(cache), "--fetched-at",
                 "2027-01-01"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "is in the future" in err
    assert dir_bytes(cache) == before


def test_an_old_format_catalog_is_refused_and_import_converts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    path = cache / "catalog.json"

    def version_1(document: dict) -> None:  # type: ignore[type-arg]
        document.pop("document_sha256")
        document["version"] = 1

    _edit(path, version_1)
    code = main(["prices", "show", "openai/gpt-5.6-sol", "--cache-dir", str(cache)])
    err = capsys.readouterr().err
    assert code == 3
    assert "catalog format version 1, expected 2" in err
    assert f"fusion-cost prices refresh --cache-dir {cache}" in err
    old = tmp_path / "old-catalog.json"
    old.write_bytes(path.read_bytes())
    assert main(["prices", "import", str(old), "--cache-dir", str(tmp_path / "new")]) == 0
    converted = load_catalog(tmp_path / "new")
    assert converted.meta.fetched_at == read_catalog_file(SNAPSHOT).meta.fetched_at
    assert converted.meta.sha256 == read_catalog_file(SNAPSHOT).meta.sha256


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda body: body[: len(body) // 2], "not valid JSON"),
        (
            lambda body: body.replace(b'"version": %d' % FORMAT_VERSION, b'"version": 99', 1),
            "format version 99",
        ),
        (lambda body: b'{"data": []}', "not a fusion-cost catalog file"),
    ],
)
def test_damaged_catalog_is_a_clear_error(tmp_path: Path, damage, reason: str) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    path = cache / "catalog.json"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(PayloadError) as info:
        load_catalog(cache)
    assert str(path) in str(info.value)
    assert reason in str(info.value)


def test_import_repairs_a_damaged_cache(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    import_file(PAYLOAD, cache)
    (cache / "catalog.json").write_bytes(b"{broken")
    import_file(PAYLOAD, cache)
    assert len(load_catalog(cache)) == 549


def test_missing_catalog_file_is_pricing_unavailable(tmp_path: Path) -> None:
    with pytest.raises(PricingUnavailable, match="cannot read catalog"):
        read_catalog_file(tmp_path / "nope" / "catalog.json")


# --- concurrency -------------------------------------------------------------------------------

READER = r"""
import json, sys, time
from pathlib import Path
from estimator.pricing.store import read_catalog_file

path, ready, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
reads, errors, shas = 0, [], set()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        catalog = read_catalog_file(path)
        assert len(catalog) == 549, len(catalog)
        shas.add(catalog.meta.sha256)
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:300])
    ready.touch()
    if stop.exists() and reads >= 3:
        break
print(json.dumps({"reads": reads, "errors": errors, "shas": sorted(shas)}))
"""


def _wait_for(paths: list[Path], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.05)


def test_concurrent_imports_with_readers(tmp_path: Path) -> None:
    first = PAYLOAD
    second = write_json(
        tmp_path / "models-2026-08-20.json",
        with_price("anthropic/claude-opus-5", "completion", "0.00003"),
    )
    expected = {}
    for name, source in (("a", first), ("b", second)):
        import_file(source, tmp_path / f"ref-{name}")
        reference = read_catalog_file(tmp_path / f"ref-{name}" / "catalog.json")
        expected[reference.meta.sha256] = [m.model_dump(mode="json") for m in reference]
    assert len(expected) == 2

    cache = tmp_path / "shared-cache"
    import_file(first, cache)
    catalog_path, stop = cache / "catalog.json", tmp_path / "stop"
    readies = [tmp_path / f"ready-{i}" for i in range(3)]
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(catalog_path), str(ready), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    writers: list[subprocess.Popen[str]] = []
    try:
        _wait_for(readies, timeout=20)
        command = [sys.executable, "-m", "estimator", "prices", "import"]
        writers = [
            subprocess.Popen(
                [*command, str(second if i % 2 else first), "--cache-dir", str(cache)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(8)
        ]
        results = [writer.communicate(timeout=60) for writer in writers]
    finally:
        stop.touch()
        reports = [reader.communicate(timeout=60) for reader in readers]
        for process in writers:
            if process.poll() is None:
                process.kill()
                process.communicate()

    for writer, (_, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert "imported 549 models" in err
    total_reads = 0
    for reader, (out, err) in zip(readers, reports, strict=True):
        assert reader.returncode == 0, err
        report = json.loads(out)
        assert report["errors"] == []
        assert set(report["shas"]) <= set(expected)
        total_reads += report["reads"]
    assert total_reads >= 9

    final = read_catalog_file(catalog_path)
    assert final.meta.sha256 in expected
    assert [m.model_dump(mode="json") for m in final] == expected[final.meta.sha256]
    assert temp_files(cache) == []
    assert {read_catalog_file(p).meta.sha256 for p in history_files(cache)} == set(expected)
