"""Frames, crop, mask and background selection, through extract()."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

import palettekit
from palettekit.autok import JND, min_pairwise_distance
from palettekit.errors import EmptyImageError, OptionsError
from palettekit.options import Options
from palettekit.selection import crop_box, frame_indices
from synthetic_shots import product_shot, scene_without_backdrop


def halves(width: int = 40, height: int = 20) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 2] = (220, 30, 30)
    image[:, width // 2 :] = (30, 30, 220)
    return image


def gif_bytes(colors: list[tuple[int, int, int]], size: tuple[int, int] = (16, 12)) -> bytes:
    frames = [Image.new("RGB", size, c) for c in colors]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


FOUR = [(255, 0, 0), (0, 160, 0), (0, 0, 255), (250, 220, 0)]


# --- frames ---


def test_frame_indices() -> None:
    assert frame_indices(10, "first") == [0]
    assert frame_indices(1, "all") == [0]
    assert frame_indices(5, "all") == [0, 1, 2, 3, 4]
    assert frame_indices(10, 2) == [0, 9]
    assert frame_indices(10, 4) == [0, 3, 6, 9]
    assert frame_indices(3, 10) == [0, 1, 2]
    assert frame_indices(10, 1) == [0]
    many = frame_indices(1000, "all", max_frames=64)
    assert len(many) == 64 and many[0] == 0 and many[-1] == 999
    assert many == sorted(set(many))


def test_animation_first_frame_by_default() -> None:
    palette = palettekit.extract(gif_bytes(FOUR), k=4, warn=False)
    assert palette.hex == ["#ff0000"]


def test_animation_all_frames_share_equally() -> None:
    palette = palettekit.extract(gif_bytes(FOUR), k=4, frames="all")
    assert sorted(palette.hex) == sorted("#{:02x}{:02x}{:02x}".format(*c) for c in FOUR)
    assert palette.shares == [0.25] * 4
    assert palette.to_dict()["meta"]["frames"] == {"total": 4, "used": [0, 1, 2, 3]}


def test_animation_n_frames_sampled_evenly() -> None:
    palette = palettekit.extract(gif_bytes(FOUR), k=4, frames=2, warn=False)
    assert sorted(palette.hex) == ["#fadc00", "#ff0000"]  # first and last frames
    assert list(palette.meta["frames"]["used"]) == [0, 3]


def test_frames_of_a_pil_image_leave_it_on_its_frame() -> None:
    image = Image.open(io.BytesIO(gif_bytes(FOUR)))
    image.seek(2)
    palette = palettekit.extract(image, k=4, frames="all")
    assert len(palette) == 4
    assert image.tell() == 2


def test_frames_on_a_still_image_and_an_array() -> None:
    out = io.BytesIO()
    Image.fromarray(halves()).save(out, "PNG")
    assert len(palettekit.extract(out.getvalue(), k=2, frames="all")) == 2
    assert len(palettekit.extract(halves(), k=2, frames=3)) == 2


def test_frames_from_a_file_object_read_in_small_pieces() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(7, size if size is not None and size >= 0 else 7))

    palette = palettekit.extract(Trickle(gif_bytes(FOUR)), k=4, frames="all")
    assert len(palette) == 4
    with pytest.raises(palettekit.ImageTooLargeError, match="max_bytes"):
        palettekit.extract(io.BytesIO(gif_bytes(FOUR)), frames="all", max_bytes=100)


def test_frames_share_the_pixel_budget() -> None:
    data = gif_bytes(FOUR, size=(200, 100))
    palette = palettekit.extract(data, k=4, frames="all", max_pixels=8000)
    # Four frames of at most max(4096, 8000 // 4) pixels each.
    assert palette.meta["opaque_pixels"] <= 4 * 4096


def test_frames_from_a_file_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "anim.gif"
    path.write_bytes(gif_bytes(FOUR))
    assert len(palettekit.extract(path, k=4, frames="all")) == 4
    with pytest.raises(palettekit.ImageNotFoundError):
        palettekit.extract(tmp_path / "missing.gif", frames="all")
    with pytest.raises(palettekit.UnsupportedImageError):
        palettekit.extract(b"not an image at all", frames="all")


# --- crop ---


def test_crop_in_fractions_and_pixels() -> None:
    assert palettekit.extract(halves(), k=2, crop=(0.5, 0.0, 1.0, 1.0), warn=False).hex == [
        "#1e1edc"
    ]
    palette = palettekit.extract(halves(), k=2, crop="0,0,20,20", warn=False)
    assert palette.hex == ["#dc1e1e"]
    assert list(palette.meta["crop"]) == [0, 0, 20, 20]
    assert palette.meta["pixels"] == 400


def test_crop_box_scales_pixels_to_the_working_size() -> None:
    assert crop_box((0, 0, 500, 250), (1000, 500), (100, 50)) == (0, 0, 50, 25)
    assert crop_box((0.25, 0.5, 0.75, 1.0), (1000, 500), (100, 50)) == (25, 25, 75, 50)
    # Pixel boxes reaching past the image are clipped.
    assert crop_box((900, 0, 5000, 5000), (1000, 500), (100, 50)) == (90, 0, 100, 50)
    with pytest.raises(EmptyImageError, match="crop"):
        crop_box((2000, 0, 3000, 10), (1000, 500), (100, 50))


def test_crop_option_validation() -> None:
    assert Options(crop="10%,0%,90%,100%").crop == (0.1, 0.0, 0.9, 1.0)
    assert Options(crop="0.1,0,0.9,1.0").crop == (0.1, 0.0, 0.9, 1.0)
    assert Options(crop=[1, 2, 30, 40]).crop == (1, 2, 30, 40)
    for bad in ("1,2,3", "a,b,c,d", (0.5, 0.0, 0.2, 1.0), (0, 0, 1.5, 1.0), (-1, 0, 5, 5), 7):
        with pytest.raises(OptionsError, match="crop"):
            Options(crop=bad)


# --- mask ---


def test_mask_keeps_the_light_pixels() -> None:
    mask = np.zeros((20, 40), bool)
    mask[:, 30:] = True
    palette = palettekit.extract(halves(), k=2, mask=mask, warn=False)
    assert palette.hex == ["#1e1edc"]
    assert palette.meta["pixels"] == 200 and palette.meta["mask"] is True


def test_mask_image_with_alpha_and_crop_together() -> None:
    rgba = np.zeros((20, 40, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:, :10, 3] = 255  # opaque (kept) only on the left quarter
    palette = palettekit.extract(
        halves(), k=2, mask=Image.fromarray(rgba), crop=(0, 0, 20, 20), warn=False
    )
    assert palette.hex == ["#dc1e1e"] and palette.meta["pixels"] == 200


def test_mask_size_must_match() -> None:
    with pytest.raises(OptionsError, match="mask is 10x10"):
        palettekit.extract(halves(), mask=np.ones((10, 10), bool))


def test_empty_selection_is_a_clear_error() -> None:
    with pytest.raises(EmptyImageError, match="selected region"):
        palettekit.extract(halves(), mask=np.zeros((20, 40), bool))


# --- background ---


def test_background_reported_only_when_asked() -> None:
    shot = product_shot("w")
    assert "background" not in palettekit.extract(shot.image, k=3).meta
    meta = palettekit.extract(shot.image, k=3, detect_background=True).meta
    assert meta["background"]["hex"] == "#ffffff"
    assert meta["background"]["share"] == pytest.approx(shot.backdrop.mean(), abs=0.01)
    assert meta["background"]["excluded"] is False
    scene = scene_without_backdrop("s")
    assert palettekit.extract(scene.image, k=3, detect_background=True).meta["background"] is None


def test_exclude_background_leaves_it_out_of_palette_and_shares() -> None:
    shot = product_shot("w")
    with_bg = palettekit.extract(shot.image, k=3)
    assert with_bg[0].hex == "#ffffff"  # the backdrop dominates
    palette = palettekit.extract(shot.image, k=3, exclude_background=True)
    assert all(min(s.rgb) < 240 or s.share < 0.2 for s in palette)
    assert sum(palette.shares) == pytest.approx(1.0)
    red = [s for s in palette if s.rgb[0] > 150 and s.rgb[1] < 100]
    assert red and red[0].share > 0.6
    background = palette.meta["background"]
    assert background["excluded"] is True
    assert palette.meta["opaque_pixels"] == round(
        palette.meta["pixels"] * (1 - background["share"])
    )


def test_exclude_background_of_a_uniform_image_keeps_it() -> None:
    palette = palettekit.extract(np.full((10, 10, 3), 90, np.uint8), k=1, exclude_background=True)
    assert palette.hex == ["#5a5a5a"]
    assert any("covers the image" in w for w in palette.meta["warnings"])


# --- k="auto" through extract ---


def test_auto_k_through_extract() -> None:
    from test_autok import flat_graphic

    image = flat_graphic([(250, 250, 245), (200, 30, 40), (20, 60, 140)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        palette = palettekit.extract(image, k="auto")
    assert len(palette) == 3
    assert palette.meta["k"] == 3 and palette.meta["options"]["k"] == "auto"
    assert palette.meta["auto_k"]["k"] == 3
    # A flat graphic: its flat colors are counted, no search (palettekit.flat).
    assert palette.meta["auto_k"]["reason"] == "flat"
    assert len(palette.meta["flat_graphic"]["colors"]) == 3
    # Same palette as asking for that k.
    assert palette == palettekit.extract(image, k=3)


def test_auto_k_palettes_keep_colors_apart_and_respect_max_k() -> None:
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, 256)
    gradient = np.stack([np.tile(ramp, (64, 1))] * 3, axis=-1)
    noisy = np.clip(gradient + rng.normal(0, 2, gradient.shape), 0, 255).astype(np.uint8)
    for image, max_k in ((noisy, 12), (rng.integers(0, 256, (60, 60, 3), dtype=np.uint8), 5)):
        palette = palettekit.extract(image, k="auto", max_k=max_k)
        assert 1 <= len(palette) <= max_k
        assert min_pairwise_distance([s.oklab for s in palette]) >= JND
        assert sum(palette.shares) == pytest.approx(1.0)


def test_auto_option_validation() -> None:
    assert Options(k="AUTO").k == "auto"
    with pytest.raises(OptionsError, match="max_k"):
        Options(max_k=0)
    with pytest.raises(OptionsError, match="frames"):
        Options(frames=65)
    with pytest.raises(OptionsError, match="exclude_background"):
        Options(exclude_background="yes")


def test_frames_decoded_stay_within_max_image_pixels() -> None:
    data = gif_bytes(FOUR, size=(100, 100))  # 10,000 pixels per frame
    palette = palettekit.extract(data, k=4, frames="all", max_image_pixels=25_000, warn=False)
    assert list(palette.meta["frames"]["used"]) == [0, 1]  # two frames fit the budget
    assert any("first 2 of 4" in note for note in palette.meta["warnings"])


# --- regions: chosen before the image is shrunk ---


def test_region_plan_of_a_crop_keeps_its_own_resolution() -> None:
    from palettekit.selection import region_plan

    region = region_plan((0.1, 0.1, 0.2, 0.2), None, 250_000)((6000, 4000))
    assert region.box == (600, 400, 1200, 800)
    assert region.size == (600, 400)  # 240,000 pixels: all of them fit the budget
    whole = region_plan(None, None, 250_000)((6000, 4000))
    assert whole.box == (0, 0, 6000, 4000) and whole.size[0] * whole.size[1] <= 250_000
    assert region_plan(None, None, None)((30, 20)).size == (30, 20)


def test_region_plan_of_a_mask_is_its_bounding_box_sampled_for_its_kept_pixels() -> None:
    from palettekit.selection import region_plan

    keep = np.zeros((400, 600), bool)
    keep[100:200, 300:500] = True
    keep[150:160, 300:310] = False  # a hole: 19,900 kept pixels in a 20,000-pixel box
    region = region_plan(None, keep, 5_000)((600, 400))
    assert region.box == (300, 100, 500, 200)
    assert 4_900 <= region.size[0] * region.size[1] * 19_900 / 20_000 <= 5_000
    cropped = region_plan((0, 0, 400, 400), keep, None)((600, 400))
    assert cropped.box == (300, 100, 400, 200)
    with pytest.raises(OptionsError, match="mask is 600x400 but the image is 60x40"):
        region_plan(None, keep, None)((60, 40))
