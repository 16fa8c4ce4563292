"""The built wheel works on its own: installed in a fresh venv, run from an empty directory with
an empty cache, offline, it prices from the snapshot bundled inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, SNAPSHOT

BUNDLED = "estimator/_snapshot/catalog.json"


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


def _network_isolated() -> bool:
    """`unshare -n` works here (root): commands can be run with no network at all."""
    if shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10)
    except OSError:
        return False
    return probe.returncode == 0


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    _run([*pip, "-w", str(out), str(REPO)])
    (built,) = out.glob("fusion_cost-*.whl")
    return built


def test_wheel_bundles_the_snapshot(wheel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\n[wheel] {wheel.name}: {wheel.stat().st_size:,} bytes")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert BUNDLED in names
        assert archive.read(BUNDLED) == SNAPSHOT.read_bytes()
        scripts = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "fusion-cost = estimator.cli:main" in archive.read(scripts).decode()
    assert not any(name.startswith("tests/") for name in names)


def test_installed_wheel_prices_offline_from_the_bundled_snapshot(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # this environment's pip installs into the venv (`--python`): the venv needs no pip of its own
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    _run([*pip, "--no-index", "-q", str(wheel)])
    assert (site / BUNDLED).is_file()
    # the dependencies (pydantic, httpx...) come from the environment running the tests, never
    # from the system interpreter: its site-packages goes *after* the venv's own on sys.path
    # (a plain path line in a .pth file; the .pth files of that directory, such as this
    # checkout's editable install, are not processed), so `estimator` is the installed wheel
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    found = _run([str(python), "-c", "import estimator; print(estimator.__file__)"]).stdout
    assert Path(found.strip()).is_relative_to(site)

    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUSION_COST_", "PYTHON"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    env["FUSION_COST_NOW"] = "2026-11-25T12:00:00+00:00"
    command = [str(venv / "bin" / "fusion-cost"), "prices", "show", "anthropic/claude-opus-5"]
    command += ["--format", "json"]
    if _network_isolated():
        command = ["unshare", "-n", *command]
    done = _run(command, cwd=empty, env=env)

    document = json.loads(done.stdout)
    (row,) = document["models"]
    assert row["per_million_tokens"]["prompt"] == 5
    assert row["per_million_tokens"]["completion"] == 25
    location = Path(document["catalog"]["location"])
    assert location == site / BUNDLED
    assert location.is_relative_to(venv)
    assert document["catalog"]["fetched_at"].startswith("2026-08-19")
    assert document["catalog"]["model_count"] == 549
    assert list(empty.iterdir()) == []  # reading prices wrote nothing
    assert not (home / ".cache" / "fusion-cost" / "catalog.json").exists()

    # the README's first command, from the installed wheel: the report of the built-in example
    report = [str(venv / "bin" / "fusion-cost"), "report", "--samples", "500"]
    if _network_isolated():
        report = ["unshare", "-n", *report]
    done = _run(report, cwd=empty, env=env)
    written = empty / done.stdout.splitlines()[0]
    assert written == empty / "reports" / "support-answers-is-fusion-worth-it.html"
    html = written.read_text()
    assert "fusion-quality" in html and "<svg" in html and "whatif-data" in html
    assert done.stdout.splitlines()[2].startswith("verdict: ")
