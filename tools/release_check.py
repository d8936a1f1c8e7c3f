#!/usr/bin/env python3
"""Check that palettekit is ready to publish: build, inspect, install, smoke-test.

Run from the environment of README command 2 (``.venv/bin/python
tools/release_check.py``); ``.ci/run`` runs it after the test suite. Exits 0
when every check passes, 1 when any fails (each failure on one line), 2 on a
usage error. Steps:

1. ``python -m build``: the sdist and the wheel, into a temporary directory.
2. The wheel: its metadata (license expression, license file, classifiers,
   project URLs, author, keywords), LICENSE in ``*.dist-info/licenses/``, and
   one compiled module for every ``Extension`` that setup.py declares.
3. The sdist: the same metadata, LICENSE, and every file of the checkout's
   ``tests/`` (conftest, golden files, data, sub-folders) and of what the tests
   read (``examples/``, ``bench/``, ``tools/``, ``docs/``, ``.ci/run``, README).
4. The wheel installed into a fresh virtual environment (dependencies from the
   package index): the CLI on the sample image, every compiled module imports,
   and ``extract`` gives the same colors as the source tree.
5. The unpacked sdist (with the wheel's compiled modules beside its sources,
   as an in-place build would put them): pytest collects as many tests as the
   checkout, and a few test modules pass.
6. ``cibuildwheel --print-build-identifiers --platform linux`` lists the
   wheels pyproject.toml asks for (CPython 3.10-3.13).

``--installed PROJECT`` runs only the checks on an installed palettekit (step
4 without the comparison with the source tree, plus the compiled and numpy
histogram paths giving the same palette): cibuildwheel's test-command.
"""

from __future__ import annotations

import argparse
import ast
import email.message
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path("examples") / "macaws.png"

REQUIRED_CLASSIFIERS = (
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Typing :: Typed",
)
"""Classifiers the metadata must have (and at least one ``Topic ::``)."""

REQUIRED_URLS = ("Documentation", "Changelog", "Issues", "Source")
"""Labels of the ``Project-URL`` entries the metadata must have."""

SHIPPED_WITH_TESTS = ("tests", "examples", "bench", "tools", "docs")
"""Folders of the checkout the sdist carries whole (the tests read all of them)."""

SHIPPED_FILES = ("README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "setup.py", ".ci/run")

SDIST_TEST_MODULES = ("tests/test_palette.py", "tests/test_histogram.py", "tests/test_readme.py")
"""Test modules run from the unpacked sdist (the whole suite runs from the checkout)."""

CIBUILDWHEEL_PYTHONS = ("cp310", "cp311", "cp312", "cp313")


class CheckFailed(Exception):
    """One check failed; the message says which and why, on one line."""


# --- what the package must hold ----------------------------------------------------------


def extension_names(setup_py: Path) -> list[str]:
    """Names of the modules setup.py declares as ``Extension("name", ...)``.

    Parameters
    ----------
    setup_py : Path
        A setup.py that builds its extensions with ``Extension(name, sources, ...)``,
        the name a string literal.

    Returns
    -------
    list of str
        Dotted module names, in order (``["palettekit._histogram"]``).
    """
    tree = ast.parse(setup_py.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called != "Extension":
            continue
        first = node.args[0] if node.args else None
        if first is None:
            first = next((k.value for k in node.keywords if k.arg == "name"), None)
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            raise CheckFailed("setup.py: an Extension whose name is not a string literal")
        names.append(first.value)
    return names


def metadata_problems(text: str) -> list[str]:
    """What the core metadata (a wheel's METADATA, an sdist's PKG-INFO) lacks.

    Parameters
    ----------
    text : str
        The metadata file, RFC 822 headers.

    Returns
    -------
    list of str
        One line per problem; empty when the metadata is complete.
    """
    message: email.message.Message = email.parser.Parser().parsestr(text, headersonly=True)
    problems = []
    version = message.get("Metadata-Version", "0")
    if tuple(int(p) for p in re.findall(r"\d+", version)[:2]) < (2, 4):
        problems.append(f"Metadata-Version {version} predates license expressions (2.4)")
    if message.get("License-Expression") != "MIT":
        problems.append(f"License-Expression is {message.get('License-Expression')!r}, not 'MIT'")
    if message.get("License"):
        problems.append("the deprecated License field is set beside License-Expression")
    if "LICENSE" not in (message.get_all("License-File") or []):
        problems.append("no License-File: LICENSE")
    classifiers = message.get_all("Classifier") or []
    for classifier in REQUIRED_CLASSIFIERS:
        if classifier not in classifiers:
            problems.append(f"missing classifier {classifier!r}")
    if not any(c.startswith("Topic :: ") for c in classifiers):
        problems.append("no Topic classifier")
    urls = {}
    for entry in message.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    for label in REQUIRED_URLS:
        url = urls.get(label, "")
        if not url.startswith("https://"):
            problems.append(f"no https Project-URL {label!r}")
    if not (message.get("Author") or message.get("Author-email")):
        problems.append("no Author")
    if not message.get("Keywords"):
        problems.append("no Keywords")
    if not message.get("Requires-Python"):
        problems.append("no Requires-Python")
    return problems


def wheel_problems(wheel: Path, extensions: Sequence[str], license_text: bytes) -> list[str]:
    """What the wheel lacks: metadata, LICENSE, a compiled module per extension, py.typed."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next((n.split("/")[0] for n in names if ".dist-info/" in n), None)
        if dist_info is None:
            return [f"{wheel.name}: no .dist-info"]
        problems = metadata_problems(archive.read(f"{dist_info}/METADATA").decode("utf-8"))
        licence = f"{dist_info}/licenses/LICENSE"
        if licence not in names:
            problems.append(f"no {licence}")
        elif archive.read(licence) != license_text:
            problems.append(f"{licence} differs from the checkout's LICENSE")
    for module in extensions:
        stem = module.replace(".", "/")
        if not any(re.fullmatch(re.escape(stem) + r"\.[^/]*(\.so|\.pyd)", n) for n in names):
            problems.append(f"no compiled module {module} (declared in setup.py)")
    if "palettekit/py.typed" not in names:
        problems.append("no palettekit/py.typed")
    return [f"wheel: {p}" for p in problems]


def checkout_files(root: Path, folders: Iterable[str]) -> list[str]:
    """Files of the checkout under ``folders`` (git's list when there is one), POSIX paths."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *folders],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        return sorted(p for p in listed.split("\0") if p and (root / p).is_file())
    found = []
    for folder in folders:
        for path in (root / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def sdist_problems(sdist: Path, expected: Iterable[str], license_text: bytes) -> list[str]:
    """What the sdist lacks: metadata, LICENSE, any of the ``expected`` files."""
    with tarfile.open(sdist) as archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        top = next(iter(members)).split("/")[0]
        inside = {name.split("/", 1)[1] for name in members if "/" in name}
        pkg_info = archive.extractfile(members[f"{top}/PKG-INFO"])
        assert pkg_info is not None
        problems = metadata_problems(pkg_info.read().decode("utf-8"))
        licence = members.get(f"{top}/LICENSE")
        licence_file = archive.extractfile(licence) if licence is not None else None
        if licence_file is None:
            problems.append("no LICENSE")
        elif licence_file.read() != license_text:
            problems.append("LICENSE differs from the checkout's")
    missing = sorted(set(expected) - inside)
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        problems.append(f"{len(missing)} files of the checkout are missing: {shown}")
    return [f"sdist: {p}" for p in problems]


# --- running things ----------------------------------------------------------------------


def run(command: Sequence[str | os.PathLike[str]], **kwargs: object) -> str:
    """Run ``command``; its stdout, or CheckFailed with the last lines of its output."""
    done = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        shown = " ".join(str(c) for c in command)
        raise CheckFailed(f"`{shown}` exited {done.returncode}:\n    " + "\n    ".join(tail))
    return done.stdout


def pip_command() -> list[str]:
    """A pip that can install into another environment (``pip --python``, pip >= 22.3)."""
    for python in (sys.executable, shutil.which("python3") or "python3"):
        probe = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [python, "-m", "pip"]
    raise CheckFailed("no pip found (neither in this environment nor python3's)")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def palette_hexes(python: Path | str, image: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """The colors ``extract(image, k=8)`` gives in the environment of ``python``."""
    code = (
        "import json, sys, palettekit; "
        "print(json.dumps([palettekit.__file__, palettekit.extract(sys.argv[1], k=8).hex]))"
    )
    where, hexes = json.loads(run([python, "-c", code, image], cwd=cwd, env=env))
    print(f"  extract from {where}: {' '.join(hexes)}")
    return list(hexes)


def check_installed(project: Path) -> None:
    """Checks of the palettekit this interpreter imports (cibuildwheel's test-command).

    Every compiled module of ``project``/setup.py imports; the CLI prints the
    palette of the sample image as JSON; and that palette is the same with the
    compiled histogram pass and with the numpy one.
    """
    import importlib

    import palettekit
    from palettekit import histogram

    print(f"release-check: palettekit {palettekit.__version__} from {palettekit.__file__}")
    for module in extension_names(project / "setup.py"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise CheckFailed(f"compiled module {module} does not import: {error}") from None
    sample = project / SAMPLE
    output = run([sys.executable, "-m", "palettekit", "extract", sample, "-k", "8", "-f", "json"])
    from_cli = [color["hex"] for color in json.loads(output)["colors"]]
    compiled = palettekit.extract(sample, k=8).hex
    kernel, histogram._kernel = histogram._kernel, None
    try:
        pure = palettekit.extract(sample, k=8).hex
    finally:
        histogram._kernel = kernel
    if kernel is None:
        raise CheckFailed("palettekit.histogram runs without its compiled pass")
    if not from_cli == compiled == pure:
        raise CheckFailed(f"palettes differ: CLI {from_cli}, compiled {compiled}, numpy {pure}")
    print(f"  CLI, compiled and numpy paths agree: {' '.join(compiled)}")


def collected(python: Path | str, cwd: Path, env: dict[str, str]) -> int:
    """Number of tests pytest collects in ``cwd``."""
    output = run(
        [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=cwd, env=env
    )
    match = re.search(r"^(\d+) tests? collected", output, re.MULTILINE)
    if match is None:
        raise CheckFailed("pytest --collect-only printed no count")
    return int(match.group(1))


def cibuildwheel_problems(root: Path) -> list[str]:
    """What ``cibuildwheel --print-build-identifiers --platform linux`` lists that it should not."""
    output = run(
        [sys.executable, "-m", "cibuildwheel", "--print-build-identifiers", "--platform", "linux"],
        cwd=root,
    )
    identifiers = output.split()
    print(f"  cibuildwheel would build: {' '.join(identifiers)}")
    problems = []
    pythons = {i.split("-")[0] for i in identifiers}
    if pythons != set(CIBUILDWHEEL_PYTHONS):
        problems.append(f"cibuildwheel builds {sorted(pythons)}, not {list(CIBUILDWHEEL_PYTHONS)}")
    if not any("manylinux_x86_64" in i for i in identifiers):
        problems.append("cibuildwheel builds no manylinux x86_64 wheel")
    return problems


# --- the whole check ---------------------------------------------------------------------


def release_check(root: Path, work: Path) -> list[str]:
    """Every step of the module docstring; the problems found (empty: ready)."""
    problems: list[str] = []
    license_text = (root / "LICENSE").read_bytes()
    extensions = extension_names(root / "setup.py")
    print(f"release-check: compiled modules declared in setup.py: {', '.join(extensions)}")

    print("release-check: python -m build")
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, root], cwd=root)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    print(f"  {wheel.name} ({wheel.stat().st_size:,} B), {sdist.name} ({sdist.stat().st_size:,} B)")

    print("release-check: metadata, LICENSE and contents")
    problems += wheel_problems(wheel, extensions, license_text)
    expected = checkout_files(root, SHIPPED_WITH_TESTS) + list(SHIPPED_FILES)
    problems += sdist_problems(sdist, expected, license_text)

    print("release-check: the wheel in a fresh virtual environment")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv_python(venv)
    run([*pip_command(), "--python", python, "install", "-q", wheel])
    away = work / "cwd"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run([python, root / "tools" / "release_check.py", "--installed", root], cwd=away, env=env)
    from_wheel = palette_hexes(python, root / SAMPLE, away, env)
    source_env = {**env, "PYTHONPATH": str(root / "src")}
    from_source = palette_hexes(sys.executable, root / SAMPLE, away, source_env)
    if from_wheel != from_source:
        problems.append(f"the wheel's palette {from_wheel} is not the source tree's {from_source}")

    print("release-check: the tests of the unpacked sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "sdist", filter="data")
    (unpacked,) = (work / "sdist").iterdir()
    # As an in-place build would: the compiled modules, built from these sources
    # into the wheel, beside the sdist's sources (so the tests of the compiled
    # pass run, and CI's check that it is built holds).
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"palettekit/_[^/]*\.(so|pyd)", name):
                archive.extract(name, unpacked / "src")
    sdist_env = {**env, "PYTHONPATH": str(unpacked / "src")}
    where = run(
        [sys.executable, "-c", "import palettekit; print(palettekit.__file__)"],
        cwd=unpacked,
        env=sdist_env,
    ).strip()
    if not Path(where).is_relative_to(unpacked):
        problems.append(f"the sdist's tests would import palettekit from {where}")
    in_sdist = collected(sys.executable, unpacked, sdist_env)
    in_checkout = collected(sys.executable, root, source_env)
    print(f"  pytest collects {in_sdist} tests in the sdist, {in_checkout} in the checkout")
    if in_sdist != in_checkout:
        problems.append(f"the sdist's pytest collects {in_sdist} tests, the checkout {in_checkout}")
    run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SDIST_TEST_MODULES],
        cwd=unpacked,
        env=sdist_env,
    )
    print(f"  {', '.join(SDIST_TEST_MODULES)} pass from the sdist")

    print("release-check: cibuildwheel configuration")
    problems += cibuildwheel_problems(root)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--installed",
        metavar="PROJECT",
        type=Path,
        help="only check the installed palettekit, with PROJECT's setup.py and sample image",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    try:
        if args.installed is not None:
            check_installed(args.installed.resolve())
            return 0
        work = Path(tempfile.mkdtemp(prefix="palettekit-release-"))
        try:
            problems = release_check(ROOT, work)
        finally:
            if args.keep:
                print(f"release-check: kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    except CheckFailed as failure:
        problems = [str(failure)]
    for problem in problems:
        print(f"release-check: FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("release-check: ready to publish")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
