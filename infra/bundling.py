"""Lambda assets built locally, without Docker, and cached under build/ keyed by a hash of their inputs.

Two directories per build:
- the dependency layer: ``pip install --target python/`` of functions/requirements.txt with manylinux2014
  x86_64 CPython 3.11 wheels only (what the Lambda python3.11 runtime on Amazon Linux 2 can load);
- the code: functions/, schemas/ and config/ copied side by side (the handlers find schemas/ and config/
  next to the functions package, as in the repository).
Both are byte-compiled (unchecked-hash .pyc: the asset is immutable) so cold starts skip compilation.
pip runs only when the requirements change; the first build needs PyPI, later synths are offline.
Run ``python -m infra.bundling`` to build (or check) them ahead of a synth.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import py_compile
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "build" / "lambda"
CODE_DIRS = ("functions", "schemas", "config")
REQUIREMENTS = Path("functions") / "requirements.txt"
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
RECIPE = "2"  # bump when the build steps change, so cached builds are not reused
KEEP = 3  # cached builds kept per kind
_IGNORED = ("__pycache__", "*.pyc", ".DS_Store")


class BundlingError(RuntimeError):
    pass


@dataclass(frozen=True)
class LambdaAssets:
    code_dir: Path  # the function code asset root: functions/, schemas/, config/
    layer_dir: Path  # the layer asset root: python/<packages>
    code_hash: str
    layer_hash: str


def _files(root: Path, dirs: Iterable[str]) -> list[Path]:
    found = []
    for name in dirs:
        for path in (root / name).rglob("*"):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix != ".pyc"
                and path.name != ".DS_Store"
            ):
                found.append(path)
    return sorted(found)


def code_hash(root: Path = REPO) -> str:
    digest = hashlib.sha256(f"code {RECIPE} {PYTHON_VERSION}".encode())
    for path in _files(root, CODE_DIRS):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def layer_hash(root: Path = REPO) -> str:
    digest = hashlib.sha256(f"layer {RECIPE} {PLATFORM} {PYTHON_VERSION}".encode())
    digest.update((root / REQUIREMENTS).read_bytes())
    return digest.hexdigest()[:32]


def _compile(path: Path) -> None:
    if sys.version_info[:2] != tuple(int(p) for p in PYTHON_VERSION.split(".")):
        return  # .pyc files are per interpreter version; Lambda would ignore others
    compileall.compile_dir(path, quiet=2, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _publish(tmp: Path, dest: Path) -> None:
    try:
        tmp.rename(dest)
    except OSError:  # a concurrent build got there first; its result is identical
        if not dest.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def _prune(build_dir: Path, kind: str) -> None:
    builds = sorted(build_dir.glob(f"{kind}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _pip_install(requirements: Path, target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-warn-conflicts",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--target",
        str(target),
        "--requirement",
        str(requirements),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BundlingError(
            f"pip could not build the Lambda dependency layer (needs PyPI the first time; "
            f"cached under build/ afterwards):\n$ {' '.join(command)}\n{done.stderr[-3000:]}"
        )


def _cached_build(kind: str, key: str, build_dir: Path, fill: Callable[[Path], None]) -> tuple[Path, str]:
    """build_dir/<kind>-<key>, built once: filled in a private temp folder, compiled, then published."""
    dest = build_dir / f"{kind}-{key}"
    if not dest.is_dir():
        build_dir.mkdir(parents=True, exist_ok=True)
        tmp = build_dir / f".tmp-{kind}-{key}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        fill(tmp)
        _compile(tmp)
        _publish(tmp, dest)
        _prune(build_dir, kind)
    return dest, key


def build_layer(root: Path = REPO, build_dir: Path = BUILD_DIR) -> tuple[Path, str]:
    return _cached_build(
        "layer", layer_hash(root), build_dir, lambda tmp: _pip_install(root / REQUIREMENTS, tmp / "python")
    )


def build_code(root: Path = REPO, build_dir: Path = BUILD_DIR) -> tuple[Path, str]:
    def copy(tmp: Path) -> None:
        for name in CODE_DIRS:
            shutil.copytree(root / name, tmp / name, ignore=shutil.ignore_patterns(*_IGNORED))

    return _cached_build("code", code_hash(root), build_dir, copy)


def build_assets(root: Path = REPO, build_dir: Path = BUILD_DIR) -> LambdaAssets:
    layer_dir, layer_key = build_layer(root, build_dir)
    code_dir, code_key = build_code(root, build_dir)
    return LambdaAssets(code_dir=code_dir, layer_dir=layer_dir, code_hash=code_key, layer_hash=layer_key)


if __name__ == "__main__":
    assets = build_assets()
    print(f"code:  {assets.code_dir}\nlayer: {assets.layer_dir}")
