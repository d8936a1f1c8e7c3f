"""palettekit.formats: the built-in formats as it registers them, options and titles included.

Their suffixes, media types and holds are pinned in tests/formats/test_registry.py
(``ENTRIES``); their output in tests/formats/test_text.py, test_image.py and
test_design.py.
"""

from __future__ import annotations

import subprocess
import sys

from palettekit import formats
from palettekit.formats import FORMATS

# The options each built-in format declares (the ones front ends set), and its title.
DECLARED = {
    "json": ("timings",),
    "jsonl": ("timings",),
    "gpl": ("name",),
    "css": ("prefix",),
    "png": ("width", "height", "labels"),
}


def test_every_format_declares_its_options_and_a_title():
    for name, entry in FORMATS.items():
        assert tuple(o.name for o in entry.options) == DECLARED.get(name, ()), name
        assert all(o.help and o.help == o.help.strip() for o in entry.options), name
        assert entry.title and entry.title != name, name
    assert FORMATS["gpl"].title == "GIMP palette"


def test_import_palettekit_leaves_formats_out_and_importing_the_registry_registers_all():
    code = (
        "import sys\n"
        "import palettekit\n"
        "assert 'palettekit.formats' not in sys.modules, 'import palettekit imports formats'\n"
        "from palettekit.formats.registry import FORMATS\n"
        "assert len(FORMATS) == 15 and 'svg' in FORMATS, FORMATS\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_package_exports_the_registry():
    assert formats.FORMATS is formats.registry.FORMATS
    assert sorted(n for n in formats.__all__ if not hasattr(formats, n)) == []
