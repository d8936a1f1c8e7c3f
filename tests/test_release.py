"""The release check (tools/release_check.py) and the metadata it checks.

The whole check (build, install, the sdist's tests) runs in ``.ci/run`` after
the suite; here its parts run on the project's own configuration and on
small hand-built archives, so that each of its checks is known to fail when
it should.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("release_check", ROOT / "tools" / "release_check.py")
assert _spec is not None and _spec.loader is not None
release_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release_check)

LICENSE = (ROOT / "LICENSE").read_bytes()

GOOD_METADATA = """\
Metadata-Version: 2.4
Name: palettekit
Version: 0.1.0
Author: palettekit developers
License-Expression: MIT
License-File: LICENSE
Keywords: color,palette
Classifier: Operating System :: OS Independent
Classifier: Programming Language :: Python :: 3.10
Classifier: Programming Language :: Python :: 3.11
Classifier: Programming Language :: Python :: 3.12
Classifier: Programming Language :: Python :: 3.13
Classifier: Topic :: Multimedia :: Graphics
Classifier: Typing :: Typed
Project-URL: Documentation, https://github.com/palettekit/palettekit#readme
Project-URL: Changelog, https://github.com/palettekit/palettekit/blob/main/CHANGELOG.md
Project-URL: Issues, https://github.com/palettekit/palettekit/issues
Project-URL: Source, https://github.com/palettekit/palettekit
Requires-Python: >=3.10

The README.
"""


def test_license_is_mit_for_palettekit_developers():
    text = LICENSE.decode("utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 palettekit developers" in text
    assert "WITHOUT WARRANTY OF ANY KIND" in text


def test_extension_names_are_read_from_setup_py(tmp_path):
    assert "palettekit._histogram" in release_check.extension_names(ROOT / "setup.py")
    setup = tmp_path / "setup.py"
    setup.write_text(
        "from setuptools import Extension, setup\n"
        "import setuptools\n"
        "setup(ext_modules=[Extension('a._one', ['a.c'], optional=True),\n"
        "    setuptools.Extension(name='a._two', sources=['b.c'])])\n"
    )
    assert release_check.extension_names(setup) == ["a._one", "a._two"]
    setup.write_text("from setuptools import Extension\nExtension(NAME, ['a.c'])\n")
    with pytest.raises(release_check.CheckFailed, match="string literal"):
        release_check.extension_names(setup)


def test_complete_metadata_has_no_problems():
    assert release_check.metadata_problems(GOOD_METADATA) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("Metadata-Version: 2.4", "Metadata-Version: 2.1"), "predates"),
        (("License-Expression: MIT", "License: MIT"), "License-Expression is None"),
        (("License-File: LICENSE\n", ""), "License-File"),
        (("Classifier: Typing :: Typed\n", ""), "Typing :: Typed"),
        (("Classifier: Programming Language :: Python :: 3.13\n", ""), "3.13"),
        (("Classifier: Topic :: Multimedia :: Graphics\n", ""), "Topic"),
        (("Project-URL: Changelog, https", "Project-URL: Changelog, http"), "Changelog"),
        (("Project-URL: Issues, https://github.com/palettekit/palettekit/issues\n", ""), "Issues"),
        (("Author: palettekit developers\n", ""), "Author"),
        (("Keywords: color,palette\n", ""), "Keywords"),
    ],
)
def test_incomplete_metadata_is_a_problem(change, problem):
    old, new = change
    assert old in GOOD_METADATA
    problems = release_check.metadata_problems(GOOD_METADATA.replace(old, new))
    assert any(problem in p for p in problems), problems


def test_the_project_metadata_is_complete():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is new in Python 3.11")

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # setuptools 77 is the first to write a license expression (PEP 639)
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
    project = pyproject["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert set(release_check.REQUIRED_CLASSIFIERS) <= set(project["classifiers"])
    assert any(c.startswith("Topic :: ") for c in project["classifiers"])
    assert set(release_check.REQUIRED_URLS) <= set(project["urls"])
    assert all(
        url.startswith("https://github.com/palettekit/palettekit")
        for url in project["urls"].values()
    )
    assert project["authors"] and project["keywords"]
    assert project["optional-dependencies"]["plot"] == ["matplotlib>=3.10"]


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _good_wheel_files() -> dict[str, bytes]:
    info = "palettekit-0.1.0.dist-info"
    return {
        "palettekit/__init__.py": b"",
        "palettekit/py.typed": b"",
        "palettekit/_histogram.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
        f"{info}/METADATA": GOOD_METADATA.encode(),
        f"{info}/licenses/LICENSE": LICENSE,
    }


def test_a_complete_wheel_passes(tmp_path):
    wheel = _wheel(tmp_path / "p.whl", _good_wheel_files())
    assert release_check.wheel_problems(wheel, ["palettekit._histogram"], LICENSE) == []


@pytest.mark.parametrize(
    ("missing", "problem"),
    [
        ("palettekit/_histogram.cpython-311-x86_64-linux-gnu.so", "palettekit._histogram"),
        ("palettekit-0.1.0.dist-info/licenses/LICENSE", "LICENSE"),
        ("palettekit/py.typed", "py.typed"),
    ],
)
def test_a_wheel_without_a_part_fails(tmp_path, missing, problem):
    files = _good_wheel_files()
    del files[missing]
    wheel = _wheel(tmp_path / "p.whl", files)
    problems = release_check.wheel_problems(wheel, ["palettekit._histogram"], LICENSE)
    assert any(problem in p for p in problems), problems


def test_every_declared_extension_must_be_in_the_wheel(tmp_path):
    wheel = _wheel(tmp_path / "p.whl", _good_wheel_files())
    problems = release_check.wheel_problems(
        wheel, ["palettekit._histogram", "palettekit._speed"], LICENSE
    )
    assert problems == ["wheel: no compiled module palettekit._speed (declared in setup.py)"]


def _sdist(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(f"palettekit-0.1.0/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_an_sdist_without_test_files_fails(tmp_path):
    files = {"PKG-INFO": GOOD_METADATA.encode(), "LICENSE": LICENSE, "tests/test_a.py": b""}
    sdist = _sdist(tmp_path / "p.tar.gz", files)
    expected = ["tests/test_a.py"]
    assert release_check.sdist_problems(sdist, expected, LICENSE) == []
    expected += ["tests/conftest.py", "tests/golden/a.json"]
    problems = release_check.sdist_problems(sdist, expected, LICENSE)
    assert problems == [
        "sdist: 2 files of the checkout are missing: tests/conftest.py, tests/golden/a.json"
    ]
    del files["LICENSE"]
    sdist = _sdist(tmp_path / "q.tar.gz", files)
    assert release_check.sdist_problems(sdist, [], LICENSE) == ["sdist: no LICENSE"]


def test_the_sdist_carries_what_the_tests_read():
    # MANIFEST.in grafts every folder the release check expects in the sdist.
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for folder in release_check.SHIPPED_WITH_TESTS:
        assert f"{folder}" in manifest, folder
    for name in release_check.SHIPPED_FILES:
        assert (ROOT / name).is_file(), name
    files = release_check.checkout_files(ROOT, ["tests"])
    assert "tests/conftest.py" in files
    assert any(f.startswith("tests/golden/") for f in files)
    assert any(f.startswith("tests/web/") for f in files)


def test_the_installed_checks_pass_here(capsys):
    # cibuildwheel's test-command, on this environment's palettekit.
    from palettekit import histogram

    if histogram._kernel is None:
        pytest.skip("the compiled histogram pass is not built here (no C compiler)")
    release_check.check_installed(ROOT)
    assert "CLI, compiled and numpy paths agree" in capsys.readouterr().out


def test_cibuildwheel_builds_cpython_310_to_313():
    if shutil.which("cibuildwheel") is None and importlib.util.find_spec("cibuildwheel") is None:
        pytest.skip("cibuildwheel is not installed (the test extra installs it)")
    assert release_check.cibuildwheel_problems(ROOT) == []
    listed = subprocess.run(
        [sys.executable, "-m", "cibuildwheel", "--print-build-identifiers", "--platform", "linux"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not any(i.startswith(("pp", "cp314", "cp39")) or "i686" in i for i in listed)
