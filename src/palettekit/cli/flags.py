"""The extract options as command-line flags, generated from :class:`~palettekit.Options`.

Every field of ``Options`` becomes one flag, with the name, value parser,
placeholder, choices and help of its :class:`~palettekit.options.OptionSpec`;
a field added to ``Options`` (or to a subclass) is a flag with no edit here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import OptionsError
from ..options import Options, OptionSpec, option_specs

__all__ = ["add_extract_options", "options_from_args", "spec_help", "OPTION_DEST_PREFIX"]

OPTION_DEST_PREFIX = "option_"
"""Destinations of the extract flags in the argparse namespace (``args.option_k`` ...),
apart from any flag an adapter defines itself."""

_Parse = Callable[[str], Any]


def spec_help(spec: OptionSpec, default: Any) -> str:
    """The help of a flag: ``spec.help`` with its default and bounds filled in."""
    mib = default // (1024 * 1024) if isinstance(default, int) else None
    low, high = spec.bounds
    return spec.help.format(default=default, default_mib=mib, minimum=low, maximum=high)


def _checked(name: str, default: Any, spec: OptionSpec, cls: type[Options]) -> _Parse:
    """An argparse ``type``: read the flag's text with the spec's parser (the one every
    front end uses, :meth:`OptionSpec.text_parser`), then validate it as ``cls`` does."""
    parse = spec.text_parser(default)

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f"expected {spec.expected(default)}, got {text!r}"
            ) from None
        try:
            cls(**{name: value})
        except OptionsError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    convert.__name__ = name
    return convert


def add_extract_options(
    parser: argparse.ArgumentParser,
    *,
    exclude: Sequence[str] = (),
    options_class: type[Options] = Options,
) -> None:
    """Add one flag per field of ``options_class`` to ``parser``.

    The flags are ``-k/--num-colors``, ``--kind``, ``--max-k``, ``--space``, ``--sort``,
    ``--seed``, ``--n-init``, ``--max-iter``, ``--tol``, ``--max-pixels``,
    ``--histogram-bits``, ``--alpha-threshold``, ``--composite-on``,
    ``--[no-]detect-background``, ``--[no-]exclude-background``, ``--crop``,
    ``--frames``, ``--max-image-pixels``, ``--max-bytes`` and ``--timeout``,
    in an "extract options" group. Values are checked while parsing: a bad
    value is a usage error naming the flag. A flag the parser already has (an
    adapter's own ``--max-image-pixels``, say) is left to the adapter, and the
    fields named in ``exclude`` get no flag (an adapter that sets them
    itself). Read the result with :func:`options_from_args`.
    """
    group = parser.add_argument_group(
        "extract options", "how palettes are computed (defaults as in palettekit.Options)"
    )
    for name, (default, spec) in option_specs(options_class).items():
        if name in exclude:
            continue
        kwargs: dict[str, Any] = {
            "dest": OPTION_DEST_PREFIX + name,
            "default": argparse.SUPPRESS,
            "help": spec_help(spec, default),
        }
        if isinstance(default, bool) and spec.parse is None:  # on/off: a pair of flags
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = _checked(name, default, spec, options_class)
            if spec.choices:
                kwargs["choices"] = spec.choices
            else:
                kwargs["metavar"] = spec.metavar or name.upper()
        flags = spec.flags or ("--" + name.replace("_", "-"),)
        try:
            group.add_argument(*flags, **kwargs)
        except argparse.ArgumentError:  # the adapter defines this flag itself
            continue


def options_from_args(args: argparse.Namespace, base: Options | None = None) -> Options:
    """The options given by the flags of :func:`add_extract_options`.

    Flags not given keep the value of ``base`` (default: ``Options()``); the
    result has the class of ``base``.

    Raises
    ------
    OptionsError
        A value is invalid (only possible for a namespace not made by parsing).
    """
    cls = type(base) if base is not None else Options
    given = {
        name: getattr(args, OPTION_DEST_PREFIX + name)
        for name in option_specs(cls)
        if hasattr(args, OPTION_DEST_PREFIX + name)
    }
    return cls.from_kwargs(base, **given)
