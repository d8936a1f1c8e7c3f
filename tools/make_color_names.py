"""Write src/palettekit/data/xkcd_names.tsv, the color names palettekit uses.

Source
------
The xkcd color survey (Randall Munroe, 2010): about 222,500 people named
about 3.4 million colors on screen; the result published as
https://xkcd.com/color/rgb.txt lists the 949 names people agreed on most,
each with the average color they gave it (the survey's centroid).
Released into the public domain under CC0 1.0
(https://creativecommons.org/publicdomain/zero/1.0/); see
https://blog.xkcd.com/2010/05/03/color-survey-results/.

The same 949 names and hex values ship in matplotlib as
``matplotlib/_color_data.py`` (``XKCD_COLORS``). This script reads that file
without importing matplotlib (the dictionary literal is parsed with ``ast``),
so it can be regenerated from any matplotlib wheel::

    pip download matplotlib --no-deps -d /tmp/mpl
    python3 tools/make_color_names.py /tmp/mpl/matplotlib-*.whl

It also accepts ``_color_data.py`` itself, or a copy of xkcd's ``rgb.txt``.
matplotlib is not a dependency of palettekit.

What the script adds
--------------------
1. A curated subset (``EXCLUDED`` below, with the reason for each group):
   variant spellings and run-together duplicates of another name in the
   list, crude or disgust words (a design tool should not label a swatch
   "puke green"), jokes and trade names, and words that are not a color name
   on their own ("dark", "bland").
2. For every kept name, the basic color families (palettekit.families.FAMILIES)
   its *words* say, so that a name is only ever given to a color of one of
   those families (name and family cannot disagree):

   * a basic color word anywhere in the name says its family: red, orange,
     yellow, green, teal, blue, purple, pink, brown, black, grey, white and
     their -ish / -y forms ("reddish brown" says red and brown);
   * a name with both a blue word and a green word also says teal;
   * the last word, when it is not a basic color word, is the head noun of the
     name and says the families of ``HEAD_TERMS`` ("burnt sienna" says brown,
     orange or red; "taupe" brown or gray);
   * a color noun before the head says its first (main) family only: "aqua
     blue" says blue and teal, "olive brown" brown and green;
   * other words are modifiers and say nothing ("dusty", "pale", "burnt").

The output is sorted by name, one name per line: ``name<TAB>#rrggbb<TAB>families``
(families separated by spaces, in FAMILIES order).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from palettekit.families import FAMILIES  # noqa: E402  (the families the names must cover)

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "palettekit" / "data" / "xkcd_names.tsv"

EXPECTED_COUNT = 949

# Names left out, by reason. Every entry must be in the survey list (checked).
EXCLUDED: dict[str, tuple[str, ...]] = {
    # Another name in the list says the same with the usual spelling or spacing.
    "variant spelling or duplicate": (
        "aqua marine",  # aquamarine
        "bluegreen",  # blue green
        "bluegrey",  # blue grey
        "blue/green",
        "blue/grey",
        "blue/purple",
        "bubble gum pink",  # bubblegum pink
        "burnt siena",  # burnt sienna
        "creme",  # cream
        "darkblue",
        "darkgreen",
        "egg shell",  # eggshell
        "forrest green",
        "golden rod",  # goldenrod
        "green/blue",
        "green/yellow",
        "greenblue",
        "grey/blue",
        "grey/green",
        "greyblue",
        "kelley green",
        "light lavendar",
        "lightblue",
        "lightgreen",
        "liliac",
        "ocher",  # ochre
        "ocre",
        "orangered",  # orange red
        "perrywinkle",
        "pink/purple",
        "purple/blue",
        "purple/pink",
        "robin egg blue",  # robin's egg blue
        "terra cotta",  # terracotta
        "terracota",
        "toupe",  # taupe
        "yellow/green",
        "yellowgreen",
        "azul",  # Spanish for blue
        "rosa",  # Spanish for pink
        "fluro green",  # fluorescent green
    ),
    # Crude or disgust words: not what a designer wants on a swatch.
    "crude or disgust word": (
        "baby poo",
        "baby poop",
        "baby poop green",
        "baby puke green",
        "baby shit brown",
        "baby shit green",
        "barf green",
        "bile",
        "booger",
        "booger green",
        "bruise",
        "diarrhea",
        "gross green",
        "icky green",
        "nasty green",
        "piss yellow",
        "poo",
        "poo brown",
        "poop",
        "poop brown",
        "poop green",
        "puke",
        "puke brown",
        "puke green",
        "puke yellow",
        "shit",
        "shit brown",
        "shit green",
        "sick green",
        "sickly green",
        "sickly yellow",
        "snot",
        "snot green",
        "ugly blue",
        "ugly brown",
        "ugly green",
        "ugly pink",
        "ugly purple",
        "ugly yellow",
        "vomit",
        "vomit green",
        "vomit yellow",
    ),
    # Jokes, trade names and opinions rather than descriptions of a color.
    "joke, trade name or opinion": (
        "barney",
        "barney purple",
        "blue with a hint of purple",
        "blurple",
        "burple",
        "kermit green",
        "light urple",
        "macaroni and cheese",
        "nice blue",
        "weird green",
        "windows blue",
        "boring green",
    ),
    # Not a color name on its own, or a doubled word.
    "not a color name on its own": (
        "bland",
        "blue blue",
        "dark",
        "light light blue",
        "light light green",
        "pale",
        "bluish",
        "brownish",
        "greenish",
        "greyish",
        "orangeish",
        "orangish",
        "pinkish",
        "pinky",
        "purpleish",
        "purpley",
        "purplish",
        "purply",
        "reddish",
        "tealish",
        "yellowish",
    ),
}

# Basic color words (and their -ish / -y forms): they say their family
# wherever they stand in a name.
BASIC_WORDS = {
    "red": "red",
    "reddish": "red",
    "reddy": "red",
    "orange": "orange",
    "orangish": "orange",
    "orangeish": "orange",
    "orangey": "orange",
    "yellow": "yellow",
    "yellowish": "yellow",
    "yellowy": "yellow",
    "green": "green",
    "greenish": "green",
    "greeny": "green",
    "teal": "teal",
    "tealish": "teal",
    "blue": "blue",
    "bluish": "blue",
    "bluey": "blue",
    "purple": "purple",
    "purplish": "purple",
    "purpleish": "purple",
    "purpley": "purple",
    "purply": "purple",
    "pink": "pink",
    "pinkish": "pink",
    "pinky": "pink",
    "brown": "brown",
    "brownish": "brown",
    "browny": "brown",
    "black": "black",
    "grey": "gray",
    "greyish": "gray",
    "white": "white",
}

# Other color nouns, as the last word of a name: the families a person would
# accept for them, the main one first (used when the noun modifies another
# color word). Several families where usage spreads over them (taupe is a
# brownish gray, coral between pink, orange and red).
HEAD_TERMS: dict[str, tuple[str, ...]] = {
    # reds
    "blood": ("red",),
    "burgundy": ("red", "purple"),
    "bordeaux": ("red", "purple"),
    "carmine": ("red",),
    "cherry": ("red", "pink"),
    "claret": ("red", "purple"),
    "cranberry": ("red", "pink"),
    "crimson": ("red",),
    "lipstick": ("red", "pink"),
    "mahogany": ("brown", "red"),
    "maroon": ("red", "brown", "purple"),
    "merlot": ("red", "purple"),
    "rouge": ("red", "pink"),
    "ruby": ("red", "pink"),
    "scarlet": ("red",),
    "tomato": ("red", "orange"),
    "vermillion": ("red", "orange"),
    "wine": ("red", "purple"),
    "brick": ("red", "brown", "orange"),
    "rust": ("orange", "red", "brown"),
    "russet": ("brown", "red", "orange"),
    "strawberry": ("red", "pink"),
    "raspberry": ("red", "pink", "purple"),
    "watermelon": ("pink", "red"),
    "cerise": ("pink", "red"),
    "velvet": ("red", "purple"),
    # pinks
    "blush": ("pink",),
    "bubblegum": ("pink",),
    "carnation": ("pink",),
    "rose": ("pink", "red"),
    "salmon": ("pink", "orange", "red"),
    "coral": ("pink", "orange", "red"),
    "fuchsia": ("pink", "purple"),
    "grapefruit": ("pink", "red", "orange"),
    "melon": ("orange", "pink"),
    # oranges and yellows
    "peach": ("orange", "pink"),
    "apricot": ("orange",),
    "tangerine": ("orange",),
    "pumpkin": ("orange",),
    "mango": ("orange", "yellow"),
    "squash": ("orange", "yellow"),
    "amber": ("orange", "yellow"),
    "copper": ("orange", "brown"),
    "terracotta": ("orange", "brown", "red"),
    "adobe": ("brown", "orange", "red"),
    "saffron": ("yellow", "orange"),
    "marigold": ("yellow", "orange"),
    "butterscotch": ("orange", "yellow", "brown"),
    "gold": ("yellow", "orange", "brown"),
    "golden": ("yellow", "orange", "brown"),
    "goldenrod": ("yellow", "orange"),
    "mustard": ("yellow", "brown", "green"),
    "ochre": ("yellow", "brown", "orange"),
    "dandelion": ("yellow",),
    "sunflower": ("yellow",),
    "canary": ("yellow",),
    "lemon": ("yellow",),
    "banana": ("yellow",),
    "butter": ("yellow",),
    "custard": ("yellow",),
    "maize": ("yellow",),
    "manilla": ("yellow",),
    "straw": ("yellow",),
    # browns
    "auburn": ("brown", "red"),
    "bronze": ("brown", "orange"),
    "buff": ("brown", "yellow"),
    "camel": ("brown", "orange", "yellow"),
    "caramel": ("brown", "orange"),
    "chestnut": ("brown", "red"),
    "chocolate": ("brown",),
    "cinnamon": ("brown", "orange", "red"),
    "clay": ("brown", "orange"),
    "cocoa": ("brown",),
    "coffee": ("brown",),
    "desert": ("brown", "yellow", "orange"),
    "dirt": ("brown",),
    "drab": ("brown", "green", "gray"),
    "dust": ("brown", "gray"),
    "earth": ("brown",),
    "fawn": ("brown",),
    "hazel": ("brown", "green"),
    "khaki": ("brown", "yellow", "green"),
    "leather": ("brown",),
    "mocha": ("brown",),
    "mud": ("brown", "green"),
    "mushroom": ("brown", "gray"),
    "puce": ("brown", "purple", "pink"),
    "putty": ("brown", "gray"),
    "sand": ("brown", "yellow"),
    "sandstone": ("brown",),
    "sandy": ("brown", "yellow"),
    "sepia": ("brown",),
    "sienna": ("brown", "orange", "red"),
    "tan": ("brown",),
    "taupe": ("brown", "gray"),
    "umber": ("brown",),
    "wheat": ("yellow", "brown"),
    "beige": ("brown", "white"),
    # whites
    "cream": ("white", "yellow"),
    "ecru": ("white", "brown", "yellow"),
    "eggshell": ("white", "yellow"),
    "ivory": ("white", "yellow"),
    "parchment": ("white", "yellow"),
    # grays and blacks
    "charcoal": ("black", "gray"),
    "cement": ("gray",),
    "gunmetal": ("gray",),
    "silver": ("gray", "white"),
    "slate": ("gray", "blue"),
    "steel": ("gray", "blue"),
    "stone": ("gray", "brown"),
    # greens
    "algae": ("green",),
    "apple": ("green",),
    "asparagus": ("green",),
    "avocado": ("green",),
    "camo": ("green", "brown"),
    "celadon": ("green", "teal"),
    "celery": ("green",),
    "chartreuse": ("green", "yellow"),
    "emerald": ("green",),
    "evergreen": ("green",),
    "fern": ("green",),
    "forest": ("green",),
    "grass": ("green",),
    "jade": ("green", "teal"),
    "kiwi": ("green",),
    "leaf": ("green",),
    "lichen": ("green", "gray"),
    "lime": ("green", "yellow"),
    "mint": ("green", "teal"),
    "moss": ("green",),
    "olive": ("green", "brown", "yellow"),
    "pea": ("green",),
    "pear": ("green", "yellow"),
    "pine": ("green",),
    "pistachio": ("green",),
    "sage": ("green", "gray"),
    "seaweed": ("green", "teal"),
    "shamrock": ("green",),
    "spearmint": ("green", "teal"),
    "spruce": ("green", "teal"),
    "swamp": ("green", "brown"),
    "tea": ("green",),
    "viridian": ("green", "teal"),
    "wintergreen": ("green", "teal"),
    "seafoam": ("green", "teal"),
    # teals
    "aqua": ("teal", "blue"),
    "aquamarine": ("teal", "green", "blue"),
    "cyan": ("teal", "blue"),
    "petrol": ("teal", "blue"),
    "sea": ("teal", "blue", "green"),
    "topaz": ("teal",),
    "turquoise": ("teal", "blue", "green"),
    # blues
    "azure": ("blue",),
    "blueberry": ("blue", "purple"),
    "cerulean": ("blue",),
    "cobalt": ("blue",),
    "cornflower": ("blue", "purple"),
    "denim": ("blue",),
    "ice": ("blue", "teal", "white"),
    "marine": ("blue",),
    "midnight": ("blue", "black", "purple"),
    "navy": ("blue",),
    "ocean": ("blue", "teal"),
    "periwinkle": ("blue", "purple"),
    "royal": ("blue",),
    "sapphire": ("blue",),
    "sky": ("blue",),
    "ultramarine": ("blue",),
    "dusk": ("blue", "purple"),
    "twilight": ("blue", "purple"),
    # purples
    "amethyst": ("purple",),
    "aubergine": ("purple",),
    "berry": ("purple", "red", "pink"),
    "eggplant": ("purple",),
    "grape": ("purple",),
    "heather": ("purple", "pink", "gray"),
    "heliotrope": ("purple", "pink"),
    "indigo": ("blue", "purple"),
    "iris": ("purple", "blue"),
    "lavender": ("purple", "blue", "pink"),
    "lilac": ("purple", "pink"),
    "magenta": ("purple", "pink"),
    "mauve": ("purple", "pink"),
    "mulberry": ("purple", "red"),
    "orchid": ("purple", "pink"),
    "plum": ("purple",),
    "violet": ("purple",),
    "wisteria": ("purple", "blue"),
    # "pea soup", "robin's egg"
    "soup": ("green",),
    "egg": ("blue", "teal"),
}

# Words that only modify the color noun after them. Listed so that a new
# word in the source fails loudly instead of being silently ignored.
MODIFIERS = {
    "acid", "almost", "army", "baby", "barbie", "battleship", "bottle",
    "bright", "british", "bubble", "burnt", "cadet", "camouflage", "candy", "carolina",
    "clear", "cloudy", "cool", "dark", "darkish", "deep", "dirty", "dodger", "dried",
    "duck", "dull", "dusky", "dusty", "easter", "electric", "engine", "faded",
    "fire", "flat", "fluorescent", "foam", "french", "fresh", "frog", "grassy",
    "highlighter", "hospital", "hot", "hunter", "indian", "irish", "jungle", "kelly",
    "key", "lawn", "leafy", "light", "lighter", "lightish", "medium", "metallic",
    "mid", "milk", "military", "minty", "mossy", "muddy", "murky", "muted", "neon", "night",
    "off", "old", "out", "pale", "pastel", "peachy", "peacock", "pig", "poison",
    "powder", "primary", "prussian", "pure", "racing", "radioactive", "raw", "really",
    "rich", "robin's", "rosy", "rusty", "sap", "shocking", "slime", "soft",
    "spring", "stormy", "strong", "sun", "sunny", "sunshine", "tiffany", "toxic",
    "tree", "true", "turtle", "vibrant", "very", "vivid", "warm", "washed", "water",
}  # fmt: skip

_HEX = re.compile(r"^#[0-9a-f]{6}$")


def read_survey(path: Path) -> dict[str, str]:
    """The 949 survey names and their colors, from a matplotlib wheel,
    matplotlib's ``_color_data.py`` or xkcd's ``rgb.txt``."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            text = wheel.read("matplotlib/_color_data.py").decode("utf-8")
        return _from_color_data(text)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return _from_color_data(text)
    colors = {}
    for line in text.splitlines():
        if line.startswith("#") and "\t" not in line or not line.strip():
            continue  # rgb.txt's license header
        name, hex_code = line.split("\t")[:2]
        colors[name.strip()] = hex_code.strip().lower()
    return colors


def _from_color_data(text: str) -> dict[str, str]:
    for node in ast.parse(text).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "XKCD_COLORS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            value = ast.literal_eval(node.value)
            return {
                name.removeprefix("xkcd:"): hex_code.lower() for name, hex_code in value.items()
            }
    raise SystemExit("no XKCD_COLORS dictionary literal found")


def name_families(name: str) -> tuple[str, ...]:
    """The families the words of ``name`` say (rules in the module docstring)."""
    words = name.split()
    said = {BASIC_WORDS[w] for w in words if w in BASIC_WORDS}
    if "blue" in said and "green" in said:
        said.add("teal")
    head = words[-1]
    if head not in BASIC_WORDS:
        if head not in HEAD_TERMS:
            raise SystemExit(
                f"{name!r}: no families for the color noun {head!r}; add it to HEAD_TERMS"
            )
        said.update(HEAD_TERMS[head])
    for word in words[:-1]:
        if word in HEAD_TERMS:
            said.add(HEAD_TERMS[word][0])
        elif word not in BASIC_WORDS and word not in MODIFIERS:
            raise SystemExit(f"{name!r}: unknown word {word!r}; add it to MODIFIERS or HEAD_TERMS")
    return tuple(f for f in FAMILIES if f in said)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="matplotlib wheel, _color_data.py or rgb.txt")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    survey = read_survey(args.source)
    if len(survey) != EXPECTED_COUNT:
        raise SystemExit(f"expected {EXPECTED_COUNT} survey names, found {len(survey)}")
    bad = [f"{n} {h}" for n, h in survey.items() if not _HEX.match(h)]
    if bad:
        raise SystemExit(f"not #rrggbb: {bad[:5]}")
    excluded = {name for group in EXCLUDED.values() for name in group}
    missing = sorted(excluded - survey.keys())
    if missing:
        raise SystemExit(f"excluded names not in the survey: {missing}")

    lines = []
    for name in sorted(survey.keys() - excluded):
        lines.append(f"{name}\t{survey[name]}\t{' '.join(name_families(name))}\n")
    covered = {f for line in lines for f in line.rstrip("\n").split("\t")[2].split()}
    if covered != set(FAMILIES):
        raise SystemExit(f"no names for families {sorted(set(FAMILIES) - covered)}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("".join(lines), encoding="utf-8", newline="\n")
    print(f"{len(lines)} names ({len(excluded)} of {len(survey)} left out) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
