import numpy as np

import palettekit


def test_two_color_image_gives_both_colors_with_exact_shares():
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    image[:3] = (255, 0, 0)
    image[3:] = (0, 0, 255)
    palette = palettekit.extract(image, k=2)
    assert palette.hex == ["#0000ff", "#ff0000"]
    assert palette.shares == [0.7, 0.3]
