"""palettekit.export: the public names of palettekit.formats under their long-standing module."""

from __future__ import annotations

from palettekit import export, formats
from palettekit.formats import image, registry, text
from palettekit.text import format_share


def test_every_public_name_is_the_formats_object():
    homes = (registry, text, image)
    for name in export.__all__:
        value = getattr(export, name)
        owners = [m for m in homes if getattr(m, name, None) is value]
        if name == "format_share":
            assert value is format_share
        else:
            assert owners, f"palettekit.export.{name} is not a palettekit.formats object"


def test_the_registry_is_the_one_of_palettekit_formats():
    assert export.FORMATS is formats.FORMATS is registry.FORMATS
    assert export.register_format is formats.register_format
    assert export.export is formats.export and export.save is formats.save
    assert "jsonl" in export.FORMATS  # jsonl is a registered format now
