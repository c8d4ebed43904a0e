"""Check that every locked package has a wheel for each supported Python on each supported platform.

Reads the pins of requirements/local.txt and requirements/runtime.txt (the lock: ``./run lock``), keeps those
whose environment marker applies to the target, and asks pip which file it would install for that target
(``pip install --dry-run --only-binary=:all: --python-version X --platform P``: index pages and wheel metadata,
no wheel downloaded). A pin with no wheel, or whose wheel's hash is not in the lock, fails the check, so a
dependency that drops a platform fails CI instead of a user's first run. Prints one line per target.

Usage: python .ci/check_wheels.py   (with the project's .venv python; it needs pip and packaging)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
LOCKS = (ROOT / "requirements" / "local.txt", ROOT / "requirements" / "runtime.txt")


@dataclass(frozen=True)
class Platform:
    """A platform the README promises, as environment-marker values and the wheel tags pip may take for it."""

    name: str
    markers: dict[str, str]
    tags: tuple[str, ...]


def _manylinux(arch: str) -> tuple[str, ...]:
    """glibc 2.28 or newer (Debian 10+, Ubuntu 18.10+, RHEL 8+, Amazon Linux 2023): manylinux_2_28 and older tags."""
    return (*(f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)), f"manylinux2014_{arch}")


PLATFORMS = (
    Platform("Linux x86_64", {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
             _manylinux("x86_64")),
    Platform("Linux aarch64", {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64"},
             _manylinux("aarch64")),
    # pip widens macosx_14_0 to 14.0 and older (11.0, 10.x) and universal2.
    Platform("macOS arm64", {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
             ("macosx_14_0_arm64",)),
)
# Not promised: macOS on Intel (cryptography, which dagster-dg-cli needs, ships no macOS x86-64 wheel since 51),
# Windows (the embedded server and `dagster dev` here are tested on POSIX only), musl Linux (Alpine).


@dataclass(frozen=True)
class Pin:
    """One ``name==version ; marker`` line of the lock and the sha256 hashes listed under it."""

    name: str
    version: str
    marker: str | None
    hashes: frozenset[str]

    def applies(self, environment: dict[str, str]) -> bool:
        return self.marker is None or Marker(self.marker).evaluate(environment)


def read_pins(path: Path) -> list[Pin]:
    """The pins of a ``uv pip compile --generate-hashes`` file (continuation lines joined)."""
    pins, text = [], re.sub(r"\\\n\s*", " ", path.read_text())
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+?)\s*(?:;\s*(.*?))?\s*((?:--hash=sha256:[0-9a-f]+\s*)*)", line)
        if match:
            name, version, marker, hashes = match.groups()
            pins.append(Pin(name.lower(), version, marker or None, frozenset(re.findall(r"sha256:([0-9a-f]+)", hashes))))
    return pins


def supported_pythons() -> list[str]:
    """The minor versions pyproject.toml's requires-python admits (e.g. 3.11, 3.12, 3.13)."""
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    return [f"3.{minor}" for minor in range(8, 30) if f"3.{minor}.0" in spec]


def environment(python: str, platform: Platform) -> dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0", "os_name": "posix",
            "implementation_name": "cpython", "platform_python_implementation": "CPython", **platform.markers}


def check(python: str, platform: Platform, pins: list[Pin]) -> list[str]:
    """Problems of one target (empty when every applicable pin has a wheel whose hash is locked)."""
    wanted = [pin for pin in pins if pin.applies(environment(python, platform))]
    problems: list[str] = []
    pip_env = {key: value for key, value in os.environ.items() if key not in ("PIP_FIND_LINKS", "PIP_CONSTRAINT")}
    pip_env["PIP_CONFIG_FILE"] = os.devnull  # the index alone: no machine-local wheel directories
    with tempfile.TemporaryDirectory() as scratch:
        while wanted:
            requirements, report = Path(scratch) / "pins.txt", Path(scratch) / "report.json"
            requirements.write_text("".join(f"{pin.name}=={pin.version}\n" for pin in wanted))
            platforms = [arg for tag in platform.tags for arg in ("--platform", tag)]
            finished = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet",
                 "--only-binary=:all:", "--python-version", python, *platforms, "--target", str(Path(scratch) / "t"),
                 "--report", str(report), "-r", str(requirements)],
                capture_output=True, text=True, env=pip_env, timeout=600,
            )
            if finished.returncode == 0:
                break
            missing = re.search(r"(?:No matching distribution found for|satisfies the requirement) ([^\s;]+)", finished.stderr)
            if missing is None:
                return problems + [f"pip failed: {(finished.stderr.strip().splitlines() or ['?'])[-1]}"]
            problems.append(f"no wheel of {missing.group(1)}")
            wanted = [pin for pin in wanted if f"{pin.name}=={pin.version}" != missing.group(1).lower()]
        else:
            return problems
        by_name = {pin.name: pin for pin in wanted}
        for item in json.loads(report.read_text())["install"]:
            name = item["metadata"]["name"].lower().replace("_", "-")
            pin = by_name.get(name) or by_name.get(name.replace(".", "-"))
            url = item["download_info"]["url"]
            archive = item["download_info"].get("archive_info", {})
            digest = archive.get("hashes", {}).get("sha256") or archive.get("hash", "").removeprefix("sha256=")
            if not url.endswith(".whl"):
                problems.append(f"{name}: pip chose {url.rsplit('/', 1)[-1]}, not a wheel")
            elif pin is None or digest not in pin.hashes:
                problems.append(f"{name}: the wheel {url.rsplit('/', 1)[-1]} has a hash the lock does not list (run ./run lock)")
    return problems


def main() -> int:
    import pip

    if int(pip.__version__.split(".")[0]) < 24:  # pip 23 judges Requires-Python by its own Python, not the target's
        print(f"wheels: needs pip 24 or newer (this is pip {pip.__version__}): run it with the newest Python's .venv")
        return 2
    pins = sorted({pin for lock in LOCKS for pin in read_pins(lock)}, key=lambda pin: pin.name)
    targets = [(python, platform) for python in supported_pythons() for platform in PLATFORMS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda target: check(*target, pins), targets))
    failed = 0
    for (python, platform), problems in zip(targets, results):
        count = sum(pin.applies(environment(python, platform)) for pin in pins)
        if problems:
            failed += 1
            print(f"wheels: Python {python} on {platform.name}: FAILED: " + "; ".join(problems))
        else:
            print(f"wheels: Python {python} on {platform.name}: all {count} locked packages have a locked wheel")
    print(f"wheels: {len(targets) - failed} targets passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
