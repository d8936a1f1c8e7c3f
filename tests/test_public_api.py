"""The public API is pinned: names, exception tree, and a light ``import palettekit``."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import palettekit
from palettekit import errors

PUBLIC_NAMES = sorted(
    [
        "EmptyImageError",
        "ExportError",
        "FetchError",
        "FetchTimeoutError",
        "FewerColorsWarning",
        "ImageLoadError",
        "ImageNotFoundError",
        "ImageTooLargeError",
        "Options",
        "OptionsError",
        "Palette",
        "PaletteError",
        "PaletteWarning",
        "Swatch",
        "UnsupportedImageError",
        "__version__",
        "extract",
        "extract_merged",
    ]
)


PALETTE_MEMBERS = sorted(
    [
        "hex",
        "meta",
        "plot",
        "rgb",
        "save",
        "shares",
        "sorted",
        "swatches",
        "to_dict",
        "to_numpy",
    ]
)
"""Public methods and properties of Palette, beside the Sequence ones (count, index)."""


def test_palette_members_are_exactly_the_pinned_list():
    members = {
        name
        for name in dir(palettekit.Palette)
        if not name.startswith("_") and name not in ("count", "index")
    }
    assert sorted(members) == PALETTE_MEMBERS


def test_all_is_exactly_the_pinned_list():
    # Adding a public name is a deliberate act: add it here too.
    assert sorted(palettekit.__all__) == PUBLIC_NAMES
    assert len(palettekit.__all__) == len(set(palettekit.__all__))


def test_every_public_name_is_importable_and_documented():
    namespace: dict[str, object] = {}
    exec("from palettekit import *", namespace)
    for name in PUBLIC_NAMES:
        assert name in namespace
        assert getattr(palettekit, name) is namespace[name]
        if name != "__version__":
            assert (namespace[name].__doc__ or "").strip(), f"{name} has no docstring"
    assert isinstance(palettekit.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)*", palettekit.__version__)


EXPECTED_BASES = {
    "PaletteError": (Exception,),
    "OptionsError": (errors.PaletteError, ValueError),
    "ExportError": (errors.PaletteError, ValueError),
    "EmptyImageError": (errors.PaletteError, ValueError),
    "ImageLoadError": (errors.PaletteError, OSError),
    "ImageNotFoundError": (errors.ImageLoadError, FileNotFoundError),
    "UnsupportedImageError": (errors.ImageLoadError,),
    "ImageTooLargeError": (errors.ImageLoadError,),
    "FetchError": (errors.ImageLoadError,),
    "FetchTimeoutError": (errors.FetchError, TimeoutError),
    "PaletteWarning": (UserWarning,),
    "FewerColorsWarning": (errors.PaletteWarning,),
}


# The batch and web adapters' errors: in the same tree, not in palettekit.__all__.
ADAPTER_BASES = {
    "AddressRefusedError": (errors.FetchError,),
    "BatchError": (errors.PaletteError,),
    "ListFileError": (errors.BatchError, OSError),
    "ResultsFileError": (errors.BatchError, OSError),
    "MissingExtraError": (errors.BatchError, ImportError),
    "ApiError": (errors.PaletteError,),
    "BatchInterrupted": (KeyboardInterrupt,),
}


@pytest.mark.parametrize("name", sorted(ADAPTER_BASES))
def test_adapter_exception_bases_are_as_pinned(name):
    assert getattr(errors, name).__bases__ == ADAPTER_BASES[name]
    assert name not in palettekit.__all__


@pytest.mark.parametrize("name", sorted(EXPECTED_BASES))
def test_exception_bases_are_as_pinned(name):
    assert getattr(errors, name).__bases__ == EXPECTED_BASES[name]
    assert getattr(palettekit, name) is getattr(errors, name)


def _documented_tree() -> dict[str, tuple[str, ...]]:
    """``Name(Base, Other)`` entries of the tree drawn in errors.py's docstring."""
    tree = {}
    for match in re.finditer(r"(\w+)\(([\w, ]+)\)", errors.__doc__ or ""):
        tree[match.group(1)] = tuple(part.strip() for part in match.group(2).split(","))
    return tree


def test_the_docstring_tree_matches_the_classes():
    documented = _documented_tree()
    classes = {name for name in errors.__all__ if isinstance(getattr(errors, name), type)}
    assert set(documented) == classes == set(EXPECTED_BASES) | set(ADAPTER_BASES)
    for name, bases in documented.items():
        assert tuple(base.__name__ for base in getattr(errors, name).__bases__) == bases, name


def test_documented_builtin_catches_work():
    # Callers may catch the builtin a palettekit error means.
    with pytest.raises(ValueError):
        palettekit.extract("x.png", k=0)
    with pytest.raises(FileNotFoundError):
        palettekit.extract("/nonexistent/dir/image.png")
    assert issubclass(errors.FetchTimeoutError, OSError)
    assert issubclass(errors.FewerColorsWarning, UserWarning)
    assert not issubclass(errors.PaletteWarning, errors.PaletteError)


# --- a light import ------------------------------------------------------------------

HEAVY_MODULES = [
    "sklearn",
    "scipy",
    "matplotlib",
    "pandas",
    "fastapi",
    "starlette",
    "uvicorn",
    "dask",
    "distributed",
    "pyarrow",
    "cv2",
    "torch",
    "httpx",
    "tqdm",
]


def test_import_palettekit_pulls_in_no_heavy_module():
    script = (
        "import json, sys\n"
        "import palettekit\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    loaded = set(json.loads(completed.stdout))
    assert "palettekit" in loaded and "numpy" in loaded
    assert sorted(loaded & set(HEAVY_MODULES)) == []


def test_import_palettekit_leaves_the_adapters_and_optional_steps_out():
    # Issue 16: ``import palettekit`` and a palette of k colors import no
    # format writer, command line, batch, web or search module, and neither
    # the theme nor the auto-k code (imported when kind="theme" or k="auto").
    script = (
        "import json, sys, warnings\n"
        "import numpy as np\n"
        "import palettekit\n"
        "after_import = sorted(sys.modules)\n"
        "warnings.simplefilter('ignore')\n"
        "palettekit.extract(np.random.default_rng(0).integers(0, 256, (40, 40, 3),"
        " dtype=np.uint8), k=5)\n"
        "print(json.dumps([after_import, sorted(sys.modules)]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    after_import, after_extract = map(set, json.loads(completed.stdout))
    adapters = {"palettekit.formats", "palettekit.cli", "palettekit.batch", "palettekit.web"}
    adapters |= {"palettekit.search", "palettekit.render", "palettekit.plot", "palettekit._io"}
    assert sorted(after_import & adapters) == []
    optional = {"palettekit.theme", "palettekit.autok"}
    assert sorted(after_extract & (adapters | optional)) == []
    assert "palettekit.pipeline" in after_import and "palettekit.names" in after_extract


def test_extract_on_an_array_pulls_in_no_heavy_module_either():
    script = (
        "import json, sys, warnings\n"
        "import numpy as np\n"
        "import palettekit\n"
        "warnings.simplefilter('ignore')\n"
        "palettekit.extract(np.zeros((4, 4, 3), np.uint8), k=2)\n"
        "palettekit.extract(np.random.default_rng(0).integers(0, 256, (40, 40, 3),"
        " dtype=np.uint8), k=8)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert sorted(set(json.loads(completed.stdout)) & set(HEAVY_MODULES)) == []


# --- dependencies point one way ------------------------------------------------------

PACKAGE = Path(palettekit.__file__).parent

# Each core module and the palettekit modules it may import at module level.
CORE_LAYERS = {
    "errors": set(),
    "options": {"errors"},
    "kernels": set(),  # loads the optional compiled modules
    "colorspace": {"kernels"},
    "histogram": {"colorspace", "kernels"},  # bins spaced by lightness
    "cluster": {"kernels"},
    "seeded": {"kernels"},  # numpy's default_rng stream, compiled
    "pixels": set(),
    "families": {"colorspace"},
    "names": {"colorspace", "families"},
    "display_text": set(),
    "sources": {"errors", "display_text"},
    "palette": {"errors", "options", "display_text"},
    # the decode's helpers: errors only
    "arrays": {"errors"},
    "color_modes": {"errors"},
    "image_headers": {"errors"},
    "decode_bounds": {"errors"},
    # the numeric core above the conversions
    "mixes": {"colorspace"},
    "background": {"colorspace"},
    "autok": {"cluster", "colorspace", "histogram", "mixes", "seeded"},
    "flat": {"colorspace", "histogram", "mixes"},
    "theme": {"autok", "cluster", "colorspace", "histogram"},
    "kmedians_palette": {"cluster", "colorspace", "histogram", "seeded"},
    # one strategy per kind: the numeric core and the options, never the I/O edges
    "kinds": {"cluster", "colorspace", "histogram", "kmedians_palette", "options", "theme", "flat"},
}


def _module_level_imports(module: str) -> set[str]:
    """palettekit modules imported at the top level of ``module`` (not in functions)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("palettekit"):
                parts = node.module.split(".")
                found.add(parts[1] if len(parts) > 1 else parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("palettekit."):
                    found.add(alias.name.split(".")[1])
    return found


@pytest.mark.parametrize("module", sorted(CORE_LAYERS))
def test_core_modules_import_only_lower_layers(module):
    assert _module_level_imports(module) <= CORE_LAYERS[module]
