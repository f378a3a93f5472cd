"""The ``fake_axigen`` pytest plugin, as projects that install the package meet it.

pytest loads the plugin through the package's ``pytest11`` entry point in every project that
has the package installed, so it must load without pytest-asyncio (an optional dependency),
and its fixture must work with pytest-asyncio in the default strict mode as in auto mode.

The environment without pytest-asyncio is a scratch virtual environment (no pip, made in
well under a second) whose site-packages links to the distributions this interpreter already
has installed: the package (with its metadata and so its entry points), its dependencies,
and pytest with its own. Nothing is downloaded or built.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: The longest one pytest run in a subprocess may take.
WAIT = 120.0


def _closure(*roots: str) -> list[metadata.Distribution]:
    """The installed distributions ``roots`` need at run time (no extras), roots included."""
    found: dict[str, metadata.Distribution] = {}
    pending = list(roots)
    for _ in range(1_000):  # far more than any real dependency tree here
        if not pending:
            break
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        dist = metadata.distribution(name)
        found[name] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    assert not pending, "dependency walk did not finish"
    return list(found.values())


def _link_distribution(dist: metadata.Distribution, site_packages: Path) -> None:
    """Link each top-level entry of ``dist`` (packages, modules, metadata, .pth) into place."""
    files = dist.files
    assert files is not None, f"{dist.metadata['Name']} has no RECORD"
    tops = {file.parts[0] for file in files if file.parts and file.parts[0] != ".."}
    for top in sorted(tops - {"__pycache__"}):
        source = Path(str(dist.locate_file(top)))
        target = site_packages / top
        if not source.exists() or target.exists():
            continue
        if source.suffix == ".pth":
            # A .pth is read only from a site directory; copy it so an editable install
            # (hatchling writes one naming the checkout) works from the scratch venv too.
            target.write_bytes(source.read_bytes())
        else:
            target.symlink_to(source, target_is_directory=source.is_dir())


def _scratch_python(where: Path, *distributions: str) -> Path:
    """A new venv holding ``distributions`` and what they need; returns its interpreter."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    site_packages = Path(
        sysconfig.get_path("purelib", vars={"base": str(where), "platbase": str(where)})
    )
    assert site_packages.is_dir(), site_packages
    for dist in _closure(*distributions):
        _link_distribution(dist, site_packages)
    return where / "bin" / "python"


def _run_pytest(python: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "PYTHON")) and key != "VIRTUAL_ENV"
    }
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(  # noqa: S603 - an interpreter this test made
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def _project(where: Path, files: dict[str, str]) -> Path:
    where.mkdir()
    for name, text in files.items():
        (where / name).write_text(textwrap.dedent(text))
    return where


@pytest.fixture(scope="module")
def python_without_pytest_asyncio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = _scratch_python(tmp_path_factory.mktemp("venv"), "axigen-async", "pytest")
    probe = subprocess.run(  # noqa: S603 - an interpreter this test made
        [str(python), "-c", "import pytest_asyncio"], capture_output=True, check=False
    )
    assert probe.returncode != 0, "the scratch venv must not see pytest-asyncio"
    return python


def test_an_unrelated_test_run_passes_without_pytest_asyncio(
    python_without_pytest_asyncio: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path / "project", {"test_x.py": "def test_x():\n    pass\n"})
    result = _run_pytest(python_without_pytest_asyncio, project, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_plugin_is_loaded_without_pytest_asyncio(
    python_without_pytest_asyncio: Path, tmp_path: Path
) -> None:
    project = _project(tmp_path / "project", {"test_x.py": "def test_x():\n    pass\n"})
    result = _run_pytest(python_without_pytest_asyncio, project, "--fixtures")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fake_axigen" in result.stdout


def test_an_async_test_without_an_async_plugin_fails_instead_of_passing(
    python_without_pytest_asyncio: Path, tmp_path: Path
) -> None:
    project = _project(
        tmp_path / "project",
        {
            "test_x.py": """
                async def test_uses_the_fake(fake_axigen):
                    assert fake_axigen.url
            """
        },
    )
    result = _run_pytest(python_without_pytest_asyncio, project, "-q")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "passed" not in result.stdout


# A test a new project would write: the fake, one account, one call through the client.
_FAKE_TEST = """
    import pytest

    from axigen_async import AxigenClient, BasicAuth
    from axigen_async.api import account


    @pytest.mark.asyncio
    async def test_reads_the_quota(fake_axigen):
        fake_axigen.add_account("jane@example.com", "pw", used_quota=900_000)
        async with AxigenClient(fake_axigen.url) as client:
            async with client.session(BasicAuth("jane@example.com", "pw")) as s:
                info = await account.get_info(s)
        assert info.used_quota == 900_000
        assert fake_axigen.logins["jane@example.com"] == 1
"""


@pytest.mark.parametrize(
    "config",
    [
        pytest.param("[pytest]\n", id="strict-mode"),
        pytest.param("[pytest]\nasyncio_mode = auto\n", id="auto-mode"),
    ],
)
def test_the_fixture_serves_a_fresh_project_with_pytest_asyncio(
    config: str, tmp_path: Path
) -> None:
    project = _project(tmp_path / "project", {"pytest.ini": config, "test_fake.py": _FAKE_TEST})
    result = _run_pytest(Path(sys.executable), project, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
