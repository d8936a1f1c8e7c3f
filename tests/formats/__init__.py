"""Tests of palettekit.formats (a package, so its module names may repeat those of tests/)."""
