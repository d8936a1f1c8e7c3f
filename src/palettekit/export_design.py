"""The design-tool formats under their former module name; they live in
:mod:`palettekit.formats.design`."""

from __future__ import annotations

from .formats.design import (
    TAILWIND_SHADE_LIGHTNESS,
    to_ase,
    to_css_dominant,
    to_css_gradient,
    to_roles,
    to_svg_bar,
    to_svg_swatches,
    to_tailwind,
)

__all__ = [
    "to_ase",
    "to_svg_swatches",
    "to_svg_bar",
    "to_css_gradient",
    "to_css_dominant",
    "to_tailwind",
    "to_roles",
    "TAILWIND_SHADE_LIGHTNESS",
]
