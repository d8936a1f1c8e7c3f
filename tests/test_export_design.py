"""palettekit.export_design: the design-tool formats under their former module name."""

from __future__ import annotations

import palettekit.export_design
from palettekit.formats import design


def test_every_name_is_the_design_formats_object():
    assert palettekit.export_design.__all__ == design.__all__
    for name in palettekit.export_design.__all__:
        assert getattr(palettekit.export_design, name) is getattr(design, name)
