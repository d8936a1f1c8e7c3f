"""palettekit.cli.flags: one command-line flag per Options field, checked while parsing."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from palettekit.cli.flags import OPTION_DEST_PREFIX, add_extract_options, options_from_args
from palettekit.errors import OptionsError
from palettekit.options import Options, option_specs

FLAG_VALUES = {
    "k": (["-k", "auto"], "auto"),
    "space": (["--space", "CIELAB"], "cielab"),
    "kind": (["--kind", "theme"], "theme"),
    "sort": (["--sort", "hue"], "hue"),
    "seed": (["--seed", "42"], 42),
    "n_init": (["--n-init", "3"], 3),
    "max_iter": (["--max-iter", "50"], 50),
    "tol": (["--tol", "0.01"], 0.01),
    "max_pixels": (["--max-pixels", "none"], None),
    "histogram_bits": (["--histogram-bits", "6"], 6),
    "alpha_threshold": (["--alpha-threshold", "0"], 0),
    "composite_on": (["--composite-on", "#fff"], (255, 255, 255)),
    "max_image_pixels": (["--max-image-pixels", "2M"], 2_000_000),
    "max_bytes": (["--max-bytes", "1M"], 1024 * 1024),
    "max_decode_bytes": (["--max-decode-bytes", "300M"], 300 * 1024 * 1024),
    "block_private_urls": (["--block-private-urls"], True),
    "timeout": (["--timeout", "2.5"], 2.5),
    "max_k": (["--max-k", "20"], 20),
    "detect_background": (["--detect-background"], True),
    "exclude_background": (["--exclude-background"], True),
    "crop": (["--crop", "10%,0%,90%,100%"], (0.1, 0.0, 0.9, 1.0)),
    "frames": (["--frames", "3"], 3),
}


def _parser(**kwargs) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser(prog="palettekit")
    add_extract_options(parser, **kwargs)
    return parser


def _usage_error(parser: argparse.ArgumentParser, argv: list[str], capsys) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as info:
        parser.parse_args(argv)
    assert info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_every_options_field_has_a_flag():
    assert set(FLAG_VALUES) == {f.name for f in dataclasses.fields(Options)}
    parser = _parser()
    for field, (argv, value) in FLAG_VALUES.items():
        args = parser.parse_args(argv)
        assert getattr(options_from_args(args), field) == value, field


def test_flags_not_given_keep_the_defaults_or_the_base():
    args = _parser().parse_args(["--seed", "3"])
    assert vars(args) == {OPTION_DEST_PREFIX + "seed": 3}  # nothing else is set
    assert options_from_args(args) == Options(seed=3)
    assert options_from_args(args, base=Options(k=9)) == Options(k=9, seed=3)


def test_pixel_and_byte_suffixes():
    args = _parser().parse_args(
        ["--max-pixels", "250k", "--max-bytes", "2K", "--max-image-pixels", "1g"]
    )
    options = options_from_args(args)
    assert options.max_pixels == 250_000 and options.max_bytes == 2048
    assert options.max_image_pixels == 10**9


def test_add_extract_options_leaves_an_adapters_own_flag_alone():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-image-pixels", type=int, default=7, dest="max_image_pixels")
    add_extract_options(parser)
    args = parser.parse_args(["--max-image-pixels", "9", "-k", "4"])
    assert args.max_image_pixels == 9
    options = options_from_args(args)
    assert options.k == 4 and options.max_image_pixels == Options().max_image_pixels


def test_excluded_fields_get_no_flag(capsys):
    parser = _parser(exclude=("max_bytes", "timeout"))
    help_text = parser.format_help()
    assert "--max-bytes" not in help_text and "--timeout" not in help_text
    assert "--max-decode-bytes" in help_text
    assert "unrecognized arguments: --timeout 3" in _usage_error(parser, ["--timeout", "3"], capsys)


def test_on_off_flags_have_a_no_form():
    parser = _parser()
    on = options_from_args(parser.parse_args(["--detect-background"]))
    off = options_from_args(
        parser.parse_args(["--no-detect-background"]), Options(detect_background=True)
    )
    assert on.detect_background is True and off.detect_background is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["-k", "x"],
            "argument -k/--num-colors: expected an integer from 1 to 256, or 'auto', got 'x'",
        ),
        (["-k", "0"], "argument -k/--num-colors: k must be between 1 and 256, got 0"),
        (["--seed", "1.5"], "argument --seed: expected an integer, got '1.5'"),
        (["--tol", "small"], "argument --tol: expected a number, got 'small'"),
        (["--tol", "-1"], "argument --tol: tol must be >= 0.0, got -1.0"),
        (
            ["--histogram-bits", "9"],
            "argument --histogram-bits: histogram_bits must be between 1 and 8, got 9",
        ),
        (["--max-pixels", "12q"], "argument --max-pixels: expected an integer, got '12q'"),
        (
            ["--composite-on", "white"],
            "argument --composite-on: composite_on: not a hex color: 'white'",
        ),
        (["--crop", "0,0,10"], "argument --crop: crop must be (left, top, right, bottom)"),
        (["--frames", "65"], "argument --frames: frames must be between 1 and 64, got 65"),
        (
            ["--space", "hsv"],
            "argument --space: space must be one of oklab, cielab, srgb; got 'hsv'",
        ),
    ],
)
def test_a_bad_value_is_a_usage_error_naming_the_flag(argv, message, capsys):
    assert message in _usage_error(_parser(), argv, capsys)


def test_the_help_shows_each_specs_help_with_its_default():
    help_text = " ".join(_parser().format_help().split())
    assert "extract options:" in help_text
    assert "-k K, --num-colors K number of colors, 1-256, or 'auto'" in help_text
    assert "(default 5)" in help_text
    assert "--space {oklab,cielab,srgb}" in help_text
    assert "(default 150,000,000)" in help_text  # {default:,}
    assert "(default 100M)" in help_text  # {default_mib}
    assert "--max-pixels N|none" in help_text
    for name, (_, spec) in option_specs().items():
        flag = (spec.flags or ("--" + name.replace("_", "-"),))[-1]
        assert flag in help_text, name


def test_the_options_class_of_the_base_is_kept():
    @dataclasses.dataclass(frozen=True)
    class Tuned(Options):
        pass

    args = _parser(options_class=Tuned).parse_args(["-k", "3"])
    options = options_from_args(args, Tuned(seed=4))
    assert type(options) is Tuned and (options.k, options.seed) == (3, 4)


def test_a_namespace_not_made_by_parsing_is_checked_too():
    with pytest.raises(OptionsError, match="k must be between 1 and 256, got 0"):
        options_from_args(argparse.Namespace(**{OPTION_DEST_PREFIX + "k": 0}))
