"""``palettekit extract IMAGE...``: its flags, its inputs, the plan of its outputs, writing them.

``extract`` is all or nothing: every output is planned and checked before any
image is read, every palette is computed before anything is written, and
every file is written atomically (whole or not at all). Palettes come from
:func:`palettekit.extract` (:func:`palettekit.extract_merged` with ``--merge``)
and are laid out by the format registry (:func:`palettekit.formats.export_many`);
what a person reads on the terminal comes from :mod:`.terminal`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from ..errors import ExportError, ImageTooLargeError, PaletteError
from ..options import Options, parse_integer, parse_lower
from ..palette import Palette
from ..sources import is_url
from .exit_status import EXIT_OK, EXIT_USAGE, CliError
from .flags import add_extract_options, options_from_args
from .terminal import (
    HelpFormatter,
    isatty,
    print_timings,
    print_warning,
    swatch_table,
    use_color,
    write_stdout,
)

_PLACEHOLDERS = ("{stem}", "{index}")
STDIN = "-"
"""The IMAGE argument that means standard input."""
STDIN_LABEL = "<stdin>"
"""How messages and palettes name standard input."""

# --- the flags -------------------------------------------------------------------------


_DESCRIPTION = """\
Extract the dominant colors of each IMAGE (a path, an http(s) URL, or - for
standard input) with their shares of the image.

On a terminal each color shows as a swatch with its hex code, share and
name (the name people use, from the xkcd color survey); piped or redirected,
the output is plain text (the 'text' format, which adds the color family and
the nearest CSS name). Nothing is written unless every image succeeds and
every output can be written: each file goes to a temporary name first and all
are renamed into place together. Missing folders of output files are created."""


_EPILOG = """\
several images:
  text   one table per image, each headed by its source, a blank line between
  json   a JSON array of palette objects (one object for one image)
  jsonl  one palette object per line, whatever the number of images
  csv    one table with a leading 'source' column
  hex    for each image a '# source' line then its codes, a blank line between
  Formats that hold one palette (gpl, css, png, ase, svg ...), --bar and
  --figure need a file name pattern with {stem} (the image's name without
  suffix) or {index} (its position, from 1): -o '{stem}.gpl', --bar
  'bars/{stem}.png'. --merge makes one palette of all the images instead.

examples:
  palettekit photo.jpg
  palettekit extract photo.jpg -k 8 --sort hue -o palette.json --bar bar.png
  palettekit extract *.jpg --format jsonl > palettes.jsonl
  palettekit extract https://example.com/a.png --figure card.png
  cat photo.png | palettekit extract - --format hex"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``extract`` subcommand (its flags, then ``run=run_extract``); return it."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "extract",
        help="the palette of one or more images",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "sources", nargs="+", metavar="IMAGE", help="image file, http(s) URL, or - (stdin)"
    )
    parser.add_argument(
        "--mask",
        metavar="MASK",
        help="use only the pixels where this image (of the same size) is light and opaque; "
        "{stem} and {index} name one mask per image",
    )
    _add_output_flags(parser)
    add_extract_options(parser)
    parser.set_defaults(run=run_extract)
    return parser


def _add_output_flags(parser: argparse.ArgumentParser) -> None:
    """``--merge``, and the "output" group: -o, -f, the bar and figure, labels, css
    prefix, timings, color, quiet and debug."""
    out = parser.add_argument_group("output")
    _add_format_flags(out)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="one palette for all the images together, from their combined color counts "
        "(each image weighs by its pixels), instead of one palette per image",
    )
    out.add_argument("--bar", metavar="FILE.png", help="also write the proportional palette bar")
    out.add_argument(
        "--bar-size",
        metavar="WxH",
        type=_bar_size,
        default=(300, 50),
        help="size of the bar in pixels (default 300x50)",
    )
    out.add_argument(
        "--figure", metavar="FILE.png", help="also write the image with its bar under it"
    )
    out.add_argument(
        "--figure-width",
        metavar="N",
        type=_integer_type("--figure-width", 16, 4096),
        default=600,
        help="largest width and height of the image in the figure, 16-4096 (default 600)",
    )
    out.add_argument(
        "--labels",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="hex codes on the bar (default: on in the figure, where colors too narrow for "
        "their code are listed in a legend under the bar; off on --bar)",
    )
    out.add_argument(
        "--css-prefix",
        metavar="PREFIX",
        default=None,
        help="custom property prefix of the css format (default --color)",
    )
    out.add_argument(
        "--timings",
        action="store_true",
        help=f"per-stage timings: in {_formats_taking('timings')} meta, else on standard error",
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="swatches in color on standard output: auto (a terminal, unless NO_COLOR "
        "is set), always, never (default auto)",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="no warnings")
    out.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of every error",
    )


def _add_format_flags(out: Any) -> None:
    """``-o/--output`` and ``-f/--format``, their help listing the registry's suffixes and
    formats."""
    from ..formats import FORMATS, known_suffixes

    out.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the palette(s) to FILE instead of standard output; the format "
        f"follows the suffix ({', '.join(known_suffixes())}) unless --format is given",
    )
    names = [f"{name} (default)" if name == "text" else name for name in FORMATS]
    out.add_argument(
        "-f",
        "--format",
        metavar="FORMAT",
        type=parse_lower,
        help=f"one of {', '.join(names)}",
    )


def _formats_taking(option: str) -> str:
    """The formats that declare the writer option ``option``: ``"json/jsonl"``."""
    from ..formats import FORMATS

    return "/".join(name for name, entry in FORMATS.items() if entry.takes(option))


def _integer_type(flag: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = parse_integer(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    parse.__name__ = flag
    return parse


def _bar_size(text: str) -> tuple[int, int]:
    """``"300x50"`` -> (300, 50), checked against the renderer's limits."""
    from ..render import MAX_RENDER_PIXELS, MAX_RENDER_SIDE

    parts = text.strip().lower().split("x")
    try:
        if len(parts) != 2:
            raise ValueError
        width, height = int(parts[0]), int(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT like 300x50, got {text!r}"
        ) from None
    if not (1 <= width <= MAX_RENDER_SIDE and 1 <= height <= MAX_RENDER_SIDE):
        raise argparse.ArgumentTypeError(
            f"width and height must be between 1 and {MAX_RENDER_SIDE}, got {width}x{height}"
        )
    if width * height > MAX_RENDER_PIXELS:
        raise argparse.ArgumentTypeError(
            f"{width}x{height} is too large (at most {MAX_RENDER_PIXELS:,} pixels)"
        )
    return width, height


# --- inputs and the plan of outputs ----------------------------------------------------


class ImageArgument:
    """One IMAGE argument: what to pass to extract(), and names for messages and files."""

    def __init__(self, spec: str, index: int) -> None:
        self.spec = spec
        self.index = index
        self.data: bytes | None = None  # read once: standard input, or a URL for --figure
        self.is_url = is_url(spec) and not os.path.exists(spec)
        if spec == STDIN:
            self.label = STDIN_LABEL
        else:
            from ..load import source_label

            self.label = source_label(spec)
        self.stem = _stem(spec, self.is_url)

    @property
    def local_path(self) -> str | None:
        return None if self.spec == STDIN or self.is_url else self.spec

    def source(self) -> Any:
        """What load_image reads: the path or URL, or the bytes read once."""
        if self.data is None:
            return self.spec
        import io

        stream = io.BytesIO(self.data)
        stream.name = self.label  # type: ignore[misc]  # names the source in messages
        return stream


def _stem(spec: str, is_url: bool) -> str:
    """A file-name-safe name for ``{stem}``: the file name without its suffix."""
    if spec == STDIN:
        return "stdin"
    if is_url:
        from urllib.parse import urlsplit

        parts = urlsplit(spec)
        name = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or "image"
    else:
        name = os.path.basename(os.path.normpath(spec))
    base, suffix = os.path.splitext(name)
    text = base or name
    safe = "".join(ch if ch.isalnum() or ch in "-_.+" else "_" for ch in text).strip(".")
    return safe or "image"


class PlannedOutput:
    """A file (or standard output, path None) to write, and which palettes go in it."""

    def __init__(self, kind: str, path: str | None, fmt: str, indices: list[int]) -> None:
        self.kind = kind  # "palette", "bar" or "figure"
        self.path = path
        self.fmt = fmt
        self.indices = indices


def _has_placeholder(pattern: str) -> bool:
    return any(p in pattern for p in _PLACEHOLDERS)


def _expand(pattern: str, item: ImageArgument) -> str:
    return pattern.replace("{stem}", item.stem).replace("{index}", str(item.index + 1))


def choose_format(fmt: str | None, output: str | None) -> str:
    """The export format: --format, else the suffix of -o, else text."""
    from ..formats import FORMATS, format_for_path, known_suffixes

    if fmt is not None:
        if fmt not in FORMATS:
            raise CliError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", EXIT_USAGE)
        return fmt
    if output is None or output == "-":
        return "text"
    pattern = output
    for placeholder in _PLACEHOLDERS:
        pattern = pattern.replace(placeholder, "x")
    suffix = os.path.splitext(pattern)[1].lower()
    suffixes = known_suffixes()
    if suffix and suffix not in suffixes:
        raise CliError(
            f"{output}: unknown file suffix {suffix!r} (known: {', '.join(suffixes)}); "
            "or give --format",
            EXIT_USAGE,
        )
    try:
        return format_for_path(pattern)
    except ExportError as exc:
        raise CliError(f"{output}: {exc}; or give --format", EXIT_USAGE) from None


def plan_outputs(
    args: argparse.Namespace,
    inputs: list[ImageArgument],
    fmt: str,
    *,
    protected: list[ImageArgument],
) -> list[PlannedOutput]:
    """Every output of the run (one palette per item of ``inputs``), checked
    before any image is read; no output may be one of the ``protected`` files.

    Raises
    ------
    CliError
        A usage error: several images for a one-palette format or image
        without a name pattern, two outputs on one file, an output over an
        input, a binary format to a terminal.
    """
    from ..formats import get_format

    outputs: list[PlannedOutput] = []
    everyone = list(range(len(inputs)))
    several = len(inputs) > 1
    target = None if args.output in (None, "-") else args.output

    if target is not None and _has_placeholder(target):
        outputs += [PlannedOutput("palette", _expand(target, i), fmt, [i.index]) for i in inputs]
    elif several and get_format(fmt).holds == "one":
        raise CliError(
            f"the {fmt} format holds one palette: give one image, or a file name pattern "
            "with {stem} or {index}, e.g. -o '{stem}." + _suffix_of(fmt) + "'",
            EXIT_USAGE,
        )
    else:
        if target is None and isatty(sys.stdout) and get_format(fmt).binary:
            raise CliError(
                f"{fmt} is a binary format: write it to a file with -o, or pipe it", EXIT_USAGE
            )
        outputs.append(PlannedOutput("palette", target, fmt, everyone))

    for kind, pattern in (("bar", args.bar), ("figure", args.figure)):
        if pattern is None:
            continue
        if several and not _has_placeholder(pattern):
            raise CliError(
                f"--{kind} with {len(inputs)} images needs a file name pattern with {{stem}} "
                f"or {{index}}, e.g. --{kind} '{{stem}}-{kind}.png'",
                EXIT_USAGE,
            )
        for item in inputs:
            path = _expand(pattern, item)
            if os.path.splitext(path)[1].lower() != ".png":
                raise CliError(f"--{kind} {path}: the file name must end in .png", EXIT_USAGE)
            outputs.append(PlannedOutput(kind, path, "png", [item.index]))

    seen: dict[str, str] = {}
    for output in outputs:
        if output.path is None:
            continue
        key = os.path.normcase(os.path.abspath(output.path))
        if key in seen:
            raise CliError(
                f"{output.path}: two outputs would write this file ({seen[key]} and "
                f"{output.kind}); use {{stem}} or {{index}} to tell them apart",
                EXIT_USAGE,
            )
        seen[key] = output.kind
        for item in protected:
            if item.local_path is not None and _same_file(output.path, item.local_path):
                raise CliError(f"{output.path}: refusing to overwrite the input image", EXIT_USAGE)
    return outputs


def _suffix_of(fmt: str) -> str:
    """The suffix that chooses ``fmt`` from a file name, else its name."""
    from ..formats import get_format

    suffixes = get_format(fmt).suffixes
    return suffixes[0].lstrip(".") if suffixes else fmt


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_writable(outputs: list[PlannedOutput]) -> None:
    """Fail early (exit 1) when an output path is a directory, or lies under a file.

    Missing folders are fine: they are created when the files are written."""
    for output in outputs:
        if output.path is None:
            continue
        if os.path.isdir(output.path):
            raise CliError(f"{output.path}: is a directory")
        directory = os.path.dirname(os.path.abspath(output.path))
        while not os.path.exists(directory) and os.path.dirname(directory) != directory:
            directory = os.path.dirname(directory)
        if not os.path.isdir(directory):
            raise CliError(f"{output.path}: {directory} is not a folder")


# --- the run ---------------------------------------------------------------------------


def run_extract(args: argparse.Namespace) -> int:
    """``palettekit extract``: plan and check every output, read the images,
    compute every palette, then write everything; return the exit status.

    Raises
    ------
    CliError
        A usage or output problem, with its exit status.
    PaletteError
        An image that cannot be read or options that do not fit it.
        Also any other exception while computing the palette of one source,
        raised from it and naming the source.
    """
    options = options_from_args(args)
    specs = list(args.sources)
    if specs.count(STDIN) > 1:
        raise CliError("standard input (-) can be read only once", EXIT_USAGE)
    for spec in specs:
        if spec != STDIN and os.path.isdir(spec):
            import shlex

            raise CliError(
                f"{spec}: is a directory; extract reads image files. For every image in it: "
                f"palettekit batch {shlex.quote(spec)} -o results.jsonl"
            )
    inputs = [ImageArgument(spec, index) for index, spec in enumerate(specs)]
    merge = bool(getattr(args, "merge", False))
    planned = [_merged_input(args, inputs)] if merge else inputs
    fmt = choose_format(args.format, args.output)
    outputs = plan_outputs(args, planned, fmt, protected=inputs)
    _check_writable(outputs)
    color = use_color(args.color)

    for item in inputs:
        if item.spec == STDIN:
            item.data = _read_stdin(options.max_bytes)
        elif item.is_url and args.figure is not None:
            from ..fetch import fetch_with_options

            item.data = fetch_with_options(item.spec, options)
    palettes = (
        [_extract_merged(inputs, options, quiet=args.quiet)]
        if merge
        else [
            _extract_one(
                item,
                options,
                None if args.mask is None else _expand(args.mask, item),
                quiet=args.quiet,
            )
            for item in inputs
        ]
    )

    stdout_payload: str | bytes | None = None
    files: list[tuple[str, str | bytes]] = []
    for output in outputs:
        payload = _render(output, args, planned, palettes, options, color)
        if output.path is None:
            stdout_payload = payload
        else:
            files.append((output.path, payload))

    write_files(files)
    if args.timings and not _format_takes(fmt, "timings"):
        for palette in palettes:
            print_timings(palette)
    if stdout_payload is not None:
        if isinstance(stdout_payload, str) and fmt != "text":
            stdout_payload = stdout_payload.encode("utf-8")  # machine formats are UTF-8
        write_stdout(stdout_payload)
    return EXIT_OK


def _read_stdin(max_bytes: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise CliError(f"{STDIN_LABEL}: standard input is not available")
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLargeError(f"{STDIN_LABEL}: more than {max_bytes} bytes (option --max-bytes)")
    return bytes(data)


def _extract_one(
    item: ImageArgument, options: Options, mask: str | None, *, quiet: bool
) -> Palette:
    """The palette of one input; its warnings and notes printed as one line each."""
    from ..pipeline import extract

    palette = _reporting(
        item.label, quiet, lambda: extract(item.source(), options=options, warn=False, mask=mask)
    )
    if item.data is not None:  # read through a stream: name the source as given
        palette = Palette(palette, {**palette.meta, "source": item.label})
    return palette


def _merged_input(args: argparse.Namespace, inputs: list[ImageArgument]) -> ImageArgument:
    """``--merge``: one pseudo-input naming the set of images."""
    if args.figure is not None or args.mask is not None:
        raise CliError("--merge cannot be combined with --figure or --mask", EXIT_USAGE)
    merged = ImageArgument(inputs[0].spec, 0)
    if len(inputs) > 1:
        merged.label = f"<{len(inputs)} images>"
        merged.stem = "merged"
    return merged


def _extract_merged(inputs: list[ImageArgument], options: Options, *, quiet: bool) -> Palette:
    """One palette for all inputs (palettekit.extract_merged)."""
    from ..pipeline import extract_merged

    label = inputs[0].label if len(inputs) == 1 else f"<{len(inputs)} images>"
    return _reporting(
        label,
        quiet,
        lambda: extract_merged([item.source() for item in inputs], options=options, warn=False),
    )


def _reporting(label: str, quiet: bool, compute: Callable[[], Palette]) -> Palette:
    """Run ``compute``; print its Python warnings and the palette's notes as one line each.

    Exceptions that are not PaletteError become a :class:`CliError` naming ``label``,
    raised from them (``main`` adds the ``--debug`` hint).
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            palette = compute()
        except PaletteError:
            raise
        except Exception as exc:
            raise CliError(f"{label}: unexpected {type(exc).__name__}: {exc}") from exc
        finally:
            if not quiet:
                for warning in caught:
                    print_warning(str(warning.message))
    if not quiet:
        for note in palette.meta.get("warnings", ()):
            print_warning(str(note))
    return palette


# --- rendering each output -------------------------------------------------------------


def _render(
    output: PlannedOutput,
    args: argparse.Namespace,
    inputs: list[ImageArgument],
    palettes: list[Palette],
    options: Options,
    color: bool,
) -> str | bytes:
    """The bytes or text of one output."""
    chosen = [palettes[i] for i in output.indices]
    if output.kind == "bar":
        from ..render import palette_bar, png_bytes

        width, height = args.bar_size
        return png_bytes(palette_bar(chosen[0], width, height, labels=bool(args.labels)))
    if output.kind == "figure":
        from ..render import figure, png_bytes

        item = inputs[output.indices[0]]
        labels = True if args.labels is None else args.labels
        card = figure(
            item.source(), chosen[0], width=args.figure_width, labels=labels, options=options
        )
        return png_bytes(card)
    if output.path is None and output.fmt == "text" and color:
        return "\n".join(swatch_table(p) for p in chosen)
    names = [inputs[i].stem for i in output.indices]
    labels_of = [
        str(p.meta.get("source", inputs[i].label))
        for p, i in zip(chosen, output.indices, strict=True)
    ]
    return _export_many(output.fmt, chosen, names, labels_of, args)


def _format_takes(fmt: str, option: str) -> bool:
    from ..formats import get_format

    return get_format(fmt).takes(option)


def _export_many(
    fmt: str,
    palettes: list[Palette],
    stems: list[str],
    labels: list[str],
    args: argparse.Namespace,
) -> str | bytes:
    """The palettes in one stream or file (the registry's layout for several, see
    the extract epilog), with the options the format declares, from the flags."""
    from ..formats import export_many, get_format

    width, height = args.bar_size
    from_flags: dict[str, Any] = {
        "timings": args.timings,
        "name": stems[0],
        "prefix": args.css_prefix,
        "width": width,
        "height": height,
        "labels": bool(args.labels),
    }
    options = {
        option.name: from_flags[option.name]
        for option in get_format(fmt).options
        if from_flags.get(option.name) is not None
    }
    return export_many(palettes, fmt, sources=labels, **options)


# --- writing files ---------------------------------------------------------------------


def write_files(files: list[tuple[str, str | bytes]]) -> None:
    """Write every file, or none: each goes to a temporary name first, and all are
    renamed over their targets only once the last one is on disk. Missing
    folders are created (and removed again if a file fails)."""
    if not files:  # standard output only: not even the writer's imports
        return
    from .._io import write_all_atomic

    created: list[str] = []
    try:
        for path, _ in files:
            created.extend(_make_parents(path))
        write_all_atomic(files)
    except OSError as exc:
        for directory in reversed(created):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        reason = exc.strerror or str(exc)
        where = exc.filename if isinstance(exc.filename, str) else "output"
        raise CliError(f"{where}: cannot write: {reason}; no file was written") from None


def _make_parents(path: str) -> list[str]:
    """Create the missing folders above ``path``; return them, outermost first."""
    missing: list[str] = []
    directory = os.path.dirname(os.path.abspath(path))
    while directory and not os.path.exists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    missing.reverse()
    for folder in missing:
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, path) from None
    return missing
