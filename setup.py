"""Build configuration beyond pyproject.toml: the optional C kernel.

``palettekit._histogram`` speeds up the color histogram (see
src/palettekit/_histogram.c). It is optional: without a C compiler the
package installs without it and runs on numpy alone, with the same results.
``palettekit._random`` (src/palettekit/_random.c) gives numpy's
``default_rng(seed).random()`` stream without importing numpy.random.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "palettekit._histogram",
            ["src/palettekit/_histogram.c"],
            optional=True,
        ),
        Extension(
            "palettekit._cluster",
            ["src/palettekit/_cluster.c"],
            optional=True,
        ),
        Extension(
            "palettekit._random",
            ["src/palettekit/_random.c"],
            optional=True,
        ),
    ]
)
