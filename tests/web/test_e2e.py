"""The page in a real browser: Playwright driving Debian's chromium against a live local server.

Skipped when /usr/bin/chromium is missing, except in CI (CI=true), where it fails:
``.ci/run`` installs the ``chromium`` package. Playwright never downloads a
browser here: it launches the system one by path.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from webutil import photo_like_image, png_bytes, serve_bytes

from palettekit.display_text import format_share

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{CHROMIUM} is missing: .ci/run must install Debian's chromium package", pytrace=False
        )
    pytest.skip(
        f"the browser tests drive Debian's chromium, and {CHROMIUM} is missing: "
        "sudo apt-get install chromium (Playwright never downloads a browser)",
        allow_module_level=True,
    )

if os.environ.get("CI") != "true":
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page = context.new_page()
    page.problems = watch_requests(page, live_url)  # type: ignore[attr-defined]
    yield page
    context.close()


def api_palette(live_url: str, data: bytes, name: str, **fields: object) -> dict:
    """The API's answer for the same upload, by a plain multipart POST."""
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{key}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        f"{live_url}/api/palette",
        data=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def watch_requests(page: Page, live_url: str) -> list[str]:
    """Problems seen on ``page``: console errors, page errors, requests to other hosts."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_url, "blob:", "data:"))
            else problems.append(f"third-party request {request.url}")
        ),
    )
    return problems


def swatch_data(page: Page) -> list[tuple[str, float]]:
    pairs = page.eval_on_selector_all(
        "#swatches .swatch", "nodes => nodes.map(n => [n.dataset.hex, Number(n.dataset.share)])"
    )
    return [(hex_code, share) for hex_code, share in pairs]


def test_upload_swatches_bar_k_copy_download(page: Page, live_url: str, tmp_path: Path):
    photo = png_bytes(photo_like_image(240, 160, seed=7))
    page.goto(live_url)
    expect(page.locator("h1")).to_have_text("The colors of an image")
    expect(page.locator("#k-output")).to_have_text("5")

    page.set_input_files(
        "#file-input", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo}]
    )
    expect(page.locator("#swatches .swatch")).to_have_count(5)

    answer = api_palette(live_url, photo, "photo.png", k=5, sort="share", space="oklab")
    want = [(c["hex"], c["share"]) for c in answer["colors"]]
    assert swatch_data(page) == want
    texts = page.locator("#swatches .swatch-hex").all_inner_texts()
    assert [t.split()[0] for t in texts] == [hex_code for hex_code, _ in want]
    # shares written as the CLI writes them (one decimal)
    shares = page.locator("#swatches .swatch-share").evaluate_all(
        "nodes => nodes.map(n => n.firstChild.textContent)"
    )
    assert shares == [format_share(share) for _, share in want]
    # the caption in plain words
    expect(page.locator("#figure-caption")).to_have_text("240 × 160 pixels · 5 colors")

    # the bar: one segment per swatch, in order, widths following the shares
    segments = page.locator("#bar .bar-segment")
    expect(segments).to_have_count(5)
    assert segments.evaluate_all("nodes => nodes.map(n => n.dataset.hex)") == [h for h, _ in want]
    widths = segments.evaluate_all("nodes => nodes.map(n => n.getBoundingClientRect().width)")
    total = sum(widths)
    for width, (_, share) in zip(widths, want, strict=True):
        assert abs(width - share * total) < 1.5

    # k from the keyboard: the bar and swatches update without a reload
    page.evaluate("window.__marker = 'same page'")
    page.focus("#k")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#k-output")).to_have_text("3")
    expect(segments).to_have_count(3)
    expect(page.locator("#swatches .swatch")).to_have_count(3)
    answer3 = api_palette(live_url, photo, "photo.png", k=3)
    assert swatch_data(page) == [(c["hex"], c["share"]) for c in answer3["colors"]]
    assert page.evaluate("window.__marker") == "same page"

    # sort order
    with page.expect_response(lambda response: response.url.endswith("/api/palette")):
        page.select_option("#sort", "lightness")
    expect(page.locator("#figure")).to_have_attribute("aria-busy", "false")
    by_lightness = sorted(answer3["colors"], key=lambda c: -c["oklab"][0])
    assert [hex_code for hex_code, _ in swatch_data(page)] == [c["hex"] for c in by_lightness]

    # click to copy, with visible feedback
    first = page.locator("#swatches .swatch").first
    first_hex = first.get_attribute("data-hex")
    first.click()
    expect(first).to_have_attribute("data-copied", "true")
    expect(page.locator("#toast")).to_contain_text(f"Copied {first_hex}")
    assert page.evaluate("navigator.clipboard.readText()") == first_hex

    # downloads: CSS from the API, JSON as shown
    with page.expect_download() as css_download:
        page.click("[data-download=css]")
    css_path = tmp_path / "palette.css"
    css_download.value.save_as(css_path)
    assert first_hex in css_path.read_text()
    assert css_download.value.suggested_filename == "photo-palette.css"
    with page.expect_download() as json_download:
        page.click("[data-download=json]")
    json_path = tmp_path / "palette.json"
    json_download.value.save_as(json_path)
    assert json.loads(json_path.read_text())["colors"][0]["hex"] == first_hex

    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    assert page.problems == []  # type: ignore[attr-defined]


def test_theme_toggle_shows_the_theme_and_keyboard_switches_it(
    page: Page, live_url: str, tmp_path: Path
):
    photo = png_bytes(photo_like_image(240, 160, seed=11))
    page.goto(live_url)
    expect(page.locator("#kind-palette")).to_be_checked()
    expect(page.locator("#result-title")).to_have_text("Palette")
    page.set_input_files(
        "#file-input", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo}]
    )
    expect(page.locator("#swatches .swatch")).to_have_count(5)

    with page.expect_response(lambda response: response.url.endswith("/api/palette")):
        page.click("label:has(#kind-theme)")
    expect(page.locator("#figure")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#kind-theme")).to_be_checked()
    expect(page.locator("#result-title")).to_have_text("Theme")
    expect(page.locator("#space")).to_be_disabled()  # themes are chosen in Oklab
    expect(page.locator("#figure-caption")).to_contain_text("theme")
    answer = api_palette(live_url, photo, "photo.png", k=5, sort="share", kind="theme")
    assert answer["meta"]["kind"] == "theme"
    assert swatch_data(page) == [(c["hex"], c["share"]) for c in answer["colors"]]

    # downloads follow the kind shown
    with page.expect_download() as json_download:
        page.click("[data-download=json]")
    json_path = tmp_path / "theme.json"
    json_download.value.save_as(json_path)
    assert json.loads(json_path.read_text())["meta"]["kind"] == "theme"

    # arrow keys move between the two kinds, as in any radio group
    page.focus("#kind-theme")
    with page.expect_response(lambda response: response.url.endswith("/api/palette")):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#kind-palette")).to_be_checked()
    expect(page.locator("#result-title")).to_have_text("Palette")
    expect(page.locator("#space")).to_be_enabled()
    expect(page.locator("#figure")).to_have_attribute("aria-busy", "false")
    palette = api_palette(live_url, photo, "photo.png", k=5, sort="share", space="oklab")
    assert swatch_data(page) == [(c["hex"], c["share"]) for c in palette["colors"]]
    assert page.problems == []  # type: ignore[attr-defined]


def test_phone_layout_and_errors(browser: Browser, live_url: str, tmp_path: Path):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        page.goto(live_url)
        page.set_input_files(
            "#file-input",
            files=[
                {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image at all"}
            ],
        )
        expect(page.locator("#error")).to_be_visible()
        expect(page.locator("#error")).to_contain_text("not an image")
        photo = png_bytes(photo_like_image(160, 240, seed=3))
        page.set_input_files(
            "#file-input", files=[{"name": "tall.png", "mimeType": "image/png", "buffer": photo}]
        )
        expect(page.locator("#swatches .swatch")).to_have_count(5)
        expect(page.locator("#error")).to_be_hidden()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        # the image and its bar come first, then the settings, then the swatches; the
        # image and the slider share the first screen, so moving the slider shows
        # the image and its palette change together
        first_swatch = page.locator("#swatches .swatch").first.bounding_box()
        slider = page.locator("#k").bounding_box()
        bar = page.locator("#bar").bounding_box()
        image = page.locator("#preview").bounding_box()
        assert first_swatch and slider and bar and image
        assert image["y"] < bar["y"] < slider["y"] < first_swatch["y"]
        assert image["y"] >= 0 and slider["y"] + slider["height"] <= 844
        # every swatch's text is whole: no line cut short with an ellipsis
        cut = page.locator("#swatches .swatch-detail").evaluate_all(
            "nodes => nodes.filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.textContent)"
        )
        assert cut == []
        # no Ctrl+V on a touch screen
        expect(page.locator(".paste-hint")).to_be_hidden()
        assert page.locator("#drop-hint").inner_text() == "or drop it here"
        # the skip link is wholly off screen (its shadow too) until it has the focus
        skip = page.locator(".skip-link")
        box = skip.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 0
        assert skip.evaluate("n => getComputedStyle(n).boxShadow") == "none"
        for selector in (
            "#choose-button",
            "#url-input",
            "#k",
            "#sort",
            "#swatches .swatch >> nth=0",
        ):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    finally:
        context.close()


def test_keyboard_reaches_every_control(page: Page, live_url: str):
    page.goto(live_url)
    page.set_input_files(
        "#file-input",
        files=[{"name": "p.png", "mimeType": "image/png", "buffer": png_bytes(photo_like_image())}],
    )
    expect(page.locator("#swatches .swatch")).to_have_count(5)
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.className")
        )
    for wanted in (
        "choose-button",
        "url-input",
        "kind-palette",
        "k",
        "k-auto",
        "sort",
        "space",
        "swatch",
        "button button-small",
    ):
        assert wanted in reached, (wanted, reached)
    # "choose for me": k="auto", the slider is disabled and the count shown is the palette's
    with page.expect_response(lambda response: response.url.endswith("/api/palette")):
        page.check("#k-auto")
    expect(page.locator("#figure")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#k")).to_be_disabled()
    count = page.locator("#swatches .swatch").count()
    assert 1 <= count <= 16
    expect(page.locator("#k-output")).to_have_text(str(count))
    expect(page.locator("#k")).to_have_value(str(count))  # the greyed slider shows it too
    expect(page.locator("#bar .bar-segment")).to_have_count(count)
    # a swatch copies on Enter, like a click
    page.locator("#swatches .swatch").nth(1).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text("Copied #")


PASTE_IMAGE = """async (bytes) => {
  const file = new File([new Uint8Array(bytes)], "image.png", { type: "image/png" });
  const data = new DataTransfer();
  data.items.add(file);
  document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
}"""

DROP_IMAGE = """async (bytes) => {
  const file = new File([new Uint8Array(bytes)], "dropped.png", { type: "image/png" });
  const data = new DataTransfer();
  data.items.add(file);
  const zone = document.querySelector("#dropzone");
  const init = { dataTransfer: data, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("dragover", init));
  zone.dispatchEvent(new DragEvent("drop", init));
}"""


def test_paste_drop_and_url_inputs(page: Page, live_url: str):
    page.goto(live_url)
    pasted = png_bytes(photo_like_image(120, 80, seed=11))
    page.evaluate(PASTE_IMAGE, list(pasted))
    expect(page.locator("#swatches .swatch")).to_have_count(5)
    answer = api_palette(live_url, pasted, "pasted-image.png", k=5)
    assert swatch_data(page) == [(c["hex"], c["share"]) for c in answer["colors"]]

    dropped = png_bytes(photo_like_image(80, 120, seed=12))
    page.evaluate(DROP_IMAGE, list(dropped))
    answer = api_palette(live_url, dropped, "dropped.png", k=5)
    expected = [(c["hex"], c["share"]) for c in answer["colors"]]
    page.wait_for_function(
        "first => document.querySelector('#swatches .swatch').dataset.hex === first",
        arg=expected[0][0],
    )
    assert swatch_data(page) == expected

    # a URL on this machine is refused by the server's SSRF guard, and the page says why
    page.fill("#url-input", f"{live_url}/static/favicon.svg")
    page.press("#url-input", "Enter")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("loopback")
    page.fill("#url-input", "ftp://example.org/a.png")
    page.click("#url-form button")
    expect(page.locator("#error")).to_contain_text("http:// or https://")
    problems = [p for p in page.problems if "400" not in p]  # type: ignore[attr-defined]
    assert problems == []


def expect_no_result(page: Page, message: str) -> None:
    """The error is shown, and nothing of an earlier image stays on screen or downloadable."""
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text(message)
    expect(page.locator("#swatches .swatch")).to_have_count(0)
    expect(page.locator("#bar .bar-segment")).to_have_count(0)
    expect(page.locator("#figure")).to_be_hidden()
    expect(page.locator("#figure-caption")).to_have_text("")
    expect(page.locator("#downloads")).to_be_hidden()
    for button in page.locator("[data-download]").all():
        expect(button).to_be_disabled()
    expect(page.locator("#empty-note")).to_be_visible()


def test_a_failed_input_clears_the_previous_result(
    browser: Browser, tmp_path: Path, live_server_with
):
    # After a 415, a 502 or a 413, the previous image's swatches, bar
    # and caption stayed, and JSON downloaded its palette under the new name.
    import socket

    photo = png_bytes(photo_like_image(120, 80, seed=21))
    with socket.socket() as closed:  # a port nothing listens on: the fetch fails (502)
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    with live_server_with(allow_private_urls=True, max_upload_bytes=2 * 2**20) as url:
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        problems = watch_requests(page, url)
        page.goto(url)
        good = [{"name": "good.png", "mimeType": "image/png", "buffer": photo}]

        def load_good() -> None:
            page.set_input_files("#file-input", files=good)
            expect(page.locator("#swatches .swatch")).to_have_count(5)
            expect(page.locator("#error")).to_be_hidden()
            for button in page.locator("[data-download]").all():
                expect(button).to_be_enabled()

        # 415: a text file renamed .jpg
        load_good()
        with page.expect_response(lambda r: r.url.endswith("/api/palette")) as answer:
            page.set_input_files(
                "#file-input",
                files=[
                    {"name": "text.jpg", "mimeType": "image/jpeg", "buffer": b"just text\n" * 50}
                ],
            )
        assert answer.value.status == 415
        expect_no_result(page, "not an image")

        # 502: an address that cannot be fetched
        load_good()
        with page.expect_response(lambda r: r.url.endswith("/api/palette")) as answer:
            page.fill("#url-input", f"http://127.0.0.1:{dead_port}/photo.jpg")
            page.press("#url-input", "Enter")
        assert answer.value.status == 502
        expect_no_result(page, "127.0.0.1")

        # 413: larger than the server takes; refused before the upload, with the limit
        load_good()
        page.set_input_files(
            "#file-input",
            files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (3 * 2**20)}],
        )
        expect_no_result(page, "this server takes images up to 2.0 MB")
        # the server says the same if asked anyway
        status = page.evaluate(
            """async () => {
                const body = new FormData();
                body.append("file", new Blob([new Uint8Array(3 * 1048576)]), "huge.jpg");
                return (await fetch("/api/palette", { method: "POST", body })).status;
            }"""
        )
        assert status == 413

        # a JSON download is impossible, and a good image brings everything back
        downloads: list[object] = []
        page.on("download", lambda download: downloads.append(download))
        page.locator("[data-download=json]").dispatch_event("click")
        page.wait_for_timeout(300)
        assert downloads == []
        load_good()
        with page.expect_download() as download:
            page.click("[data-download=json]")
        saved = tmp_path / "palette.json"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "good-palette.json"
        assert len(json.loads(saved.read_text())["colors"]) == 5
        context.close()
    unexpected = [p for p in problems if not any(code in p for code in ("413", "415", "502"))]
    assert unexpected == []


def test_an_image_address_is_fetched_by_the_server_not_the_browser(
    browser: Browser, local_server, live_server_with
):
    photo = png_bytes(photo_like_image(90, 60, seed=5))
    host = local_server({"/photo.png": serve_bytes(photo)})
    with live_server_with(allow_private_urls=True) as url:
        context = browser.new_context()
        page = context.new_page()
        problems = watch_requests(page, url)  # a request to the image's host is a problem
        page.goto(url)
        page.fill("#url-input", host.url("/photo.png"))
        page.press("#url-input", "Enter")
        expect(page.locator("#swatches .swatch")).to_have_count(5)
        page.wait_for_function(
            "() => { const img = document.querySelector('#preview');"
            " return img.src.startsWith('blob:') && img.complete && img.naturalWidth === 90; }"
        )
        context.close()
    assert problems == []
    assert set(host.hits) == {"/photo.png"}  # only the server fetched it


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_make_no_third_party_request(browser: Browser, live_url: str, path: str):
    # ReDoc's bundle asks for its logo on a CDN: the docs' Content-Security-Policy
    # must stop it inside the browser, before anything goes out.
    context = browser.new_context()
    page = context.new_page()
    asked: list[str] = []
    blocked: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_url) else asked.append(request.url),
    )
    page.on(
        "requestfailed",
        lambda request: blocked.append(request.url) if request.failure == "csp" else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_url + path)
    expect(page.locator("body")).to_contain_text("Palette of an image", timeout=15_000)
    page.wait_for_load_state("networkidle")
    context.close()
    let_through = [
        url for url in asked if url not in blocked and not url.startswith(("blob:", "data:"))
    ]
    assert let_through == []
    assert errors == []


@pytest.mark.parametrize(
    ("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")]
)
def test_docs_pages_render_under_their_csp_and_fetch_nothing_from_elsewhere(
    page: Page, live_url: str, path: str, rendered: str
):
    """The docs pages had no CSP or frame protection, and /redoc fetched
    Redocly's logo from a CDN. Under the policy the page still renders, its own
    inline script runs, and the logo is never requested."""
    failures: dict[str, str] = {}
    page.on("requestfailed", lambda request: failures.update({request.url: request.failure or ""}))
    responses: list[str] = []
    page.on("response", lambda answer: responses.append(answer.url))
    response = page.goto(live_url + path)
    assert response is not None and response.status == 200
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    expect(page.locator(rendered).first).to_contain_text("palettekit", timeout=20_000)
    page.wait_for_timeout(500)
    # Chromium reports a request the policy blocks as a request that failed
    # with "csp": it never leaves the browser.
    assert not [url for url in responses if not url.startswith((live_url, "blob:", "data:"))]
    for problem in page.problems:  # type: ignore[attr-defined]
        if problem.startswith("third-party request "):
            url = problem.removeprefix("third-party request ")
            assert "csp" in failures.get(url, "").lower(), (url, failures.get(url))
    # Only the blocked logo may be reported; the page's own script is not blocked.
    others = [p for p in page.problems if "cdn.redoc.ly" not in p]  # type: ignore[attr-defined]
    assert others == [], others


def test_the_form_and_the_downloads_come_from_the_servers_config(
    browser: Browser, tmp_path: Path, live_server_with
):
    """The choices, the k bounds and the download buttons are the ones /api/config lists;
    a server with other caps gets another form; the figure is 1200 px wide or more."""
    from PIL import Image

    with live_server_with(max_k=20) as url:
        with urllib.request.urlopen(url + "/api/config", timeout=30) as answer:
            config = json.load(answer)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        try:
            page.goto(url)
            expect(page.locator("#options-form")).to_have_attribute("aria-busy", "false")
            for field in ("sort", "space"):
                values = page.locator(f"#{field} option").evaluate_all(
                    "nodes => nodes.map(n => n.value)"
                )
                assert values == config["options"][field]["enum"]
            kinds = page.locator("input[name=kind]").evaluate_all(
                "nodes => nodes.map(n => n.value)"
            )
            assert kinds == config["options"]["kind"]["enum"]
            expect(page.locator("#k")).to_have_attribute("max", "20")
            expect(page.locator("#k")).to_have_attribute("min", "1")
            expect(page.locator("#k")).to_have_value(str(config["defaults"]["k"]))
            buttons = page.locator("[data-download]").evaluate_all(
                "nodes => nodes.map(n => n.dataset.download)"
            )
            assert buttons == [f["name"] for f in config["formats"]] + ["figure"]
            assert {"hex", "csv", "svg-bar", "text"} <= set(buttons)
            titles = {f["name"]: f["title"] for f in config["formats"]}
            expect(page.locator("[data-download=gpl]")).to_have_text(titles["gpl"])

            tall = png_bytes(photo_like_image(160, 240, seed=5))
            page.set_input_files(
                "#file-input", files=[{"name": "tall.png", "mimeType": "image/png", "buffer": tall}]
            )
            expect(page.locator("#swatches .swatch")).to_have_count(5)
            expect(page.locator("#figure")).to_have_attribute("aria-busy", "false")
            for fmt, name in (
                ("hex", "tall-palette.hex"),
                ("css-gradient", "tall-css-gradient.css"),
            ):
                with page.expect_download() as download:
                    page.click(f"[data-download={fmt}]")
                assert download.value.suggested_filename == name
            with page.expect_download() as download:
                page.click("[data-download=figure]")
            saved = tmp_path / "figure.png"
            download.value.save_as(saved)
            with Image.open(saved) as card:
                assert card.width >= 1200, card.size
                assert card.height > card.width  # the tall image keeps its aspect
        finally:
            context.close()
