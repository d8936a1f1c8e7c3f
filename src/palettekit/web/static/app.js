// palettekit web page: plain modern JavaScript, no framework, no build step.
"use strict";

(() => {
  const $ = (selector) => document.querySelector(selector);

  const els = {
    dropzone: $("#dropzone"),
    fileInput: $("#file-input"),
    chooseButton: $("#choose-button"),
    urlForm: $("#url-form"),
    urlInput: $("#url-input"),
    status: $("#status"),
    error: $("#error"),
    figure: $("#figure"),
    preview: $("#preview"),
    veil: $("#busy-veil"),
    bar: $("#bar"),
    caption: $("#figure-caption"),
    optionsForm: $("#options-form"),
    k: $("#k"),
    kAuto: $("#k-auto"),
    kOutput: $("#k-output"),
    kHelp: $("#k-help"),
    excludeBackground: $("#exclude-background"),
    kindChoices: $("#kind-choices"),
    resultTitle: $("#result-title"),
    sort: $("#sort"),
    space: $("#space"),
    swatches: $("#swatches"),
    emptyNote: $("#empty-note"),
    downloads: $("#downloads"),
    downloadRow: $("#download-row"),
    downloadButtons: [],
    pasteKey: $("#paste-key"),
    toast: $("#toast"),
  };

  const state = {
    source: null,        // {kind: "file", blob, name} or {kind: "url", url}
    previewUrl: null,    // object URL of the shown file
    paletteText: null,   // the last palette JSON, exactly as the API sent it
    palette: null,
    controller: null,    // AbortController of the request in flight
    debounce: null,
    generation: 0,
    maxUploadBytes: null, // the server's upload limit, from /api/config
    maxRenderWidth: 4096, // the server's largest rendered image side, from /api/config
    formats: {},         // the served export formats by name, from /api/config
    config: null,        // a promise of GET /api/config, which builds the form
  };

  // ------------------------------------------------------------------ the form, from /api/config

  // Words for the choices the server lists; a choice without one shows as it is.
  const CHOICE_LABELS = {
    kind: { palette: "Palette", theme: "Theme" },
    sort: { share: "Largest share first", lightness: "Lightest first", hue: "By hue" },
    space: { oklab: "Oklab (perceptual)", cielab: "CIELAB", srgb: "sRGB" },
  };

  function choiceLabel(field, value) {
    return (CHOICE_LABELS[field] && CHOICE_LABELS[field][value]) || value;
  }

  // The integer bounds of an option's schema (the numeric branch of a oneOf).
  function bounds(schema) {
    const numeric = (schema.oneOf || [schema]).find((part) => "minimum" in part || "maximum" in part) || {};
    return { min: numeric.minimum, max: numeric.maximum };
  }

  function buildForm(config) {
    const options = config.options || {};
    const defaults = config.defaults || {};

    const kinds = (options.kind && options.kind.enum) || ["palette"];
    els.kindChoices.replaceChildren(...kinds.map((value) => {
      const label = document.createElement("label");
      label.className = "segment";
      const radio = document.createElement("input");
      Object.assign(radio, { type: "radio", name: "kind", id: `kind-${value}`, value });
      radio.setAttribute("aria-describedby", "kind-help");
      radio.checked = value === (defaults.kind || kinds[0]);
      radio.addEventListener("change", () => { showKind(); scheduleRefresh(0); });
      const text = document.createElement("span");
      text.textContent = choiceLabel("kind", value);
      label.append(radio, text);
      return label;
    }));
    els.kindChoices.style.gridTemplateColumns = `repeat(${kinds.length}, 1fr)`;

    for (const [field, select] of [["sort", els.sort], ["space", els.space]]) {
      const values = (options[field] && options[field].enum) || [];
      select.replaceChildren(...values.map((value) => new Option(choiceLabel(field, value), value)));
      if (defaults[field]) select.value = defaults[field];
    }

    const k = bounds(options.k || {});
    els.k.min = String(k.min || 1);
    els.k.max = String(k.max || 16);
    els.kHelp.textContent = `Number of colors, from ${els.k.min} to ${els.k.max}`;
    const auto = defaults.k === "auto";
    els.k.value = String(auto ? Math.min(defaults.max_k || 5, Number(els.k.max)) : defaults.k || 5);
    els.kAuto.checked = auto;
    els.k.disabled = auto;
    els.kOutput.textContent = els.k.value;
    els.excludeBackground.checked = Boolean(defaults.exclude_background);

    buildDownloads(config.formats || []);
    showKind();
    els.optionsForm.setAttribute("aria-busy", "false");
  }

  // One button per export format the server serves, then the figure.
  function buildDownloads(formats) {
    state.formats = Object.fromEntries(formats.map((format) => [format.name, format]));
    const buttons = formats.map((format) => downloadButton(format.name, format.title));
    buttons.push(downloadButton("figure", "Figure PNG"));
    els.downloadRow.replaceChildren(...buttons);
    els.downloadButtons = buttons;
    setDownloadsEnabled(Boolean(state.paletteText));
  }

  function downloadButton(name, title) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.dataset.download = name;
    button.textContent = title;
    button.addEventListener("click", () => download(name, button));
    return button;
  }

  // ------------------------------------------------------------------ requests

  function selectedKind() {
    const checked = els.kindChoices.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "palette";
  }

  function showKind() {
    const theme = selectedKind() === "theme";
    // themes are chosen in Oklab: the clustering space applies to palettes only
    els.space.disabled = theme;
    els.resultTitle.textContent = theme ? "Theme" : "Palette";
  }

  function optionFields() {
    const kind = selectedKind();
    const common = { kind, sort: els.sort.value };
    if (kind === "palette") common.space = els.space.value;
    if (els.excludeBackground.checked) common.exclude_background = true;
    // "Choose for me" leaves max_k to the server's default, as the CLI does.
    if (els.kAuto.checked) return { k: "auto", ...common };
    return { k: Number(els.k.value), ...common };
  }

  function buildRequest(extraFields) {
    const fields = { ...optionFields(), ...extraFields };
    const source = state.source;
    if (source.kind === "file") {
      const body = new FormData();
      body.append("file", source.blob, source.name);
      for (const [name, value] of Object.entries(fields)) body.append(name, String(value));
      return { body };
    }
    return {
      body: JSON.stringify({ url: source.url, ...fields }),
      headers: { "Content-Type": "application/json" },
    };
  }

  async function post(path, extraFields, signal) {
    const request = buildRequest(extraFields);
    let response;
    try {
      response = await fetch(path, { method: "POST", signal, ...request });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("The server could not be reached, or it closed the connection.");
    }
    if (!response.ok) {
      let message = `The server answered ${response.status}.`;
      try {
        const payload = await response.json();
        if (payload && payload.error && payload.error.message) message = payload.error.message;
      } catch (_) { /* not JSON: keep the status line */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  // ------------------------------------------------------------------ palette

  async function refresh() {
    if (!state.source) return;
    await state.config;
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const generation = ++state.generation;
    setBusy(true);
    setDownloadsEnabled(false);
    showError(null);
    setStatus("Finding the colors…");
    const started = performance.now();
    try {
      const response = await post("/api/palette", {}, controller.signal);
      const text = await response.text();
      if (generation !== state.generation) return;
      state.paletteText = text;
      state.palette = JSON.parse(text);
      render(state.palette);
      setDownloadsEnabled(true);
      if (els.kAuto.checked) {
        // The slider (greyed out) shows the k that was chosen, as the badge does.
        els.k.value = String(state.palette.colors.length);
        els.kOutput.textContent = els.k.value;
      }
      const ms = Math.round(performance.now() - started);
      setStatus(`${state.palette.colors.length} colors in ${ms} ms.`);
    } catch (error) {
      if (error.name === "AbortError") return;
      if (generation !== state.generation) return;
      failed(error.message);
    } finally {
      if (generation === state.generation) setBusy(false);
    }
  }

  function scheduleRefresh(delay = 160) {
    clearTimeout(state.debounce);
    state.debounce = setTimeout(refresh, delay);
  }

  // ------------------------------------------------------------------ rendering

  // The share as palettekit.display_text.format_share writes it (CLI, text export):
  // one decimal, and a non-zero share never shows as 0.0% or 100.0%.
  function formatShare(share) {
    const text = (share * 100).toFixed(1);
    if (share > 0 && text === "0.0") return "<0.1%";
    if (share < 1 && text === "100.0") return ">99.9%";
    return `${text}%`;
  }

  function inkFor(color) {
    // Oklab L from the API: dark text on light colors, light text on dark ones.
    return color.oklab[0] > 0.68 ? "#111318" : "#ffffff";
  }

  function render(palette) {
    const colors = palette.colors;

    els.bar.replaceChildren(
      ...colors.map((color) => {
        const segment = document.createElement("div");
        segment.className = "bar-segment";
        segment.style.backgroundColor = color.hex;
        segment.style.flexGrow = String(color.share);
        segment.style.flexBasis = "0";
        segment.dataset.hex = color.hex;
        segment.dataset.share = String(color.share);
        segment.title = `${color.hex} · ${formatShare(color.share)}`;
        return segment;
      })
    );
    els.bar.setAttribute(
      "aria-label",
      "Palette bar: " + colors.map((c) => `${c.name} ${c.hex} ${formatShare(c.share)}`).join(", ")
    );

    els.swatches.replaceChildren(
      ...colors.map((color, index) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "swatch";
        button.dataset.hex = color.hex;
        button.dataset.share = String(color.share);
        button.setAttribute(
          "aria-label",
          `Color ${index + 1}: ${color.name}, ${color.hex}, ${formatShare(color.share)} of the image. Copy hex code.`
        );

        const block = document.createElement("span");
        block.className = "swatch-block";
        block.style.backgroundColor = color.hex;
        block.style.color = inkFor(color);
        block.setAttribute("aria-hidden", "true");

        const text = document.createElement("span");
        text.className = "swatch-text";
        const hex = document.createElement("span");
        hex.className = "swatch-hex";
        hex.textContent = color.hex;
        const detail = document.createElement("span");
        detail.className = "swatch-detail";
        // The name people use; its family and the nearest CSS named color
        // only where they say something the name does not ("dark grey", not
        // "dark grey · gray · CSS darkgray").
        detail.textContent = [`rgb(${color.rgb.join(", ")})`, color.name]
          .concat(addsToName(color.name, color.family) ? [color.family] : [])
          .concat(addsToName(color.name, color.css_name) ? [`CSS ${color.css_name}`] : [])
          .join(" · ");
        text.append(hex, detail);

        const share = document.createElement("span");
        share.className = "swatch-share";
        share.textContent = formatShare(color.share);
        const small = document.createElement("small");
        small.textContent = "of image";
        share.append(small);

        button.append(block, text, share);
        button.addEventListener("click", () => copyHex(button, color.hex));
        item.append(button);
        return item;
      })
    );

    els.caption.textContent = describe(palette);

    els.figure.hidden = false;
    document.body.dataset.loaded = "true";
    els.chooseButton.textContent = "Choose another image";
    els.emptyNote.hidden = true;
    els.downloads.hidden = false;
  }

  // Whether ``word`` says something ``name`` does not: not empty, and not in the
  // name once case, spaces and the grey/gray spelling are set aside.
  function addsToName(name, word) {
    const plain = (text) => String(text || "").toLowerCase().replace(/grey/g, "gray").replace(/[\s-]+/g, "");
    return Boolean(word) && !plain(name).includes(plain(word));
  }

  // For an image address, the page shows the copy the server fetched, so the
  // browser itself never contacts the image's host.
  async function showServerCopy(source) {
    try {
      const response = await post("/api/preview", {});
      const blob = await response.blob();
      if (state.source !== source) return;
      if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
      state.previewUrl = URL.createObjectURL(blob);
      els.preview.src = state.previewUrl;
    } catch (_) {
      // The palette request reports the problem.
    }
  }

  // A caption in plain words: the image's size, how many colors, what was left out.
  function describe(palette) {
    const meta = palette.meta || {};
    const parts = [];
    if (Array.isArray(meta.original_size)) parts.push(`${meta.original_size[0]} × ${meta.original_size[1]} pixels`);
    const count = palette.colors.length;
    let colors = `${count} ${meta.kind === "theme" ? "theme " : ""}color${count === 1 ? "" : "s"}`;
    if (meta.kind === "theme") colors += " picked from the image";
    if (meta.auto_k) colors += " (chosen for this image)";
    parts.push(colors);
    if (meta.transparent_share > 0) parts.push(`${formatShare(meta.transparent_share)} transparent, left out`);
    const background = meta.background;
    if (background && background.excluded && background.hex) {
      parts.push(`backdrop ${background.hex} left out`);
    }
    if (Array.isArray(meta.warnings) && meta.warnings.length) {
      // The API's notes start with the image's name; the page shows the image already.
      parts.push(meta.warnings.map((note) => note.replace(/^[^:]*: /, "")).join("; "));
    }
    return parts.join(" · ");
  }

  // A failed input: no result may stay on screen or be downloadable as if it were this one.
  function failed(message) {
    if (state.controller) state.controller.abort();
    clearTimeout(state.debounce);
    state.generation += 1;
    state.palette = null;
    state.paletteText = null;
    els.swatches.replaceChildren();
    els.bar.replaceChildren();
    els.bar.setAttribute("aria-label", "Palette bar");
    els.caption.textContent = "";
    els.figure.hidden = true;
    els.preview.removeAttribute("src");
    els.downloads.hidden = true;
    setDownloadsEnabled(false);
    els.emptyNote.textContent = "No palette: the image could not be used.";
    els.emptyNote.hidden = false;
    delete document.body.dataset.loaded;
    setBusy(false);
    setStatus("");
    showError(message);
  }

  function setDownloadsEnabled(enabled) {
    for (const button of els.downloadButtons) button.disabled = !enabled;
  }

  // ------------------------------------------------------------------ copy

  async function copyHex(button, hex) {
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(hex);
        copied = true;
      }
    } catch (_) { /* fall back below */ }
    if (!copied) {
      const area = document.createElement("textarea");
      area.value = hex;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.append(area);
      area.select();
      try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
      area.remove();
      button.focus();
    }
    for (const other of els.swatches.querySelectorAll(".swatch[data-copied]")) other.removeAttribute("data-copied");
    if (copied) {
      button.dataset.copied = "true";
      setTimeout(() => button.removeAttribute("data-copied"), 2000);
      showToast(`Copied ${hex}`, hex);
    } else {
      showToast(`Copy failed: select ${hex} by hand`, hex);
    }
  }

  function showToast(message, hex) {
    const chip = document.createElement("span");
    chip.className = "toast-chip";
    chip.style.backgroundColor = hex;
    const text = document.createElement("span");
    text.textContent = message;
    els.toast.replaceChildren(chip, text);
    els.toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(() => { els.toast.hidden = true; }, 2400);
  }

  // ------------------------------------------------------------------ downloads

  function saveBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 4000);
  }

  function baseName() {
    const source = state.source;
    let name = "palette";
    if (source && source.kind === "file" && source.name) name = source.name;
    if (source && source.kind === "url") name = source.url.split(/[?#]/)[0].split("/").pop() || "palette";
    return name.replace(/\.[A-Za-z0-9]{1,5}$/, "").replace(/[^\w.-]+/g, "_").slice(0, 60) || "palette";
  }

  // The figure as large as the image's aspect allows at 1200 px wide (the
  // renderer's width is the longest side), within the server's limit.
  function figureFields() {
    const [width, height] = imageSize();
    const tall = width > 0 && height > width ? height / width : 1;
    const side = Math.min(Math.ceil(1200 * tall), state.maxRenderWidth);
    return { width: side, bar_height: 144 };
  }

  // The image's upright size: as the browser shows it, else as the server read it.
  function imageSize() {
    if (els.preview.naturalWidth > 0) return [els.preview.naturalWidth, els.preview.naturalHeight];
    const size = state.palette && state.palette.meta && state.palette.meta.original_size;
    return Array.isArray(size) ? size : [0, 0];
  }

  // A download's file name: the image's name, then what it holds ("palette"
  // where the suffix says the format), then the format's suffix.
  function downloadName(name, format) {
    const suffix = format.file_suffix || "";
    const what = suffix === `.${format.name}` ? "palette" : format.name;
    return `${name}-${what}${suffix}`;
  }

  async function download(kind, button) {
    if (!state.source || !state.paletteText || button.disabled) return;
    const name = baseName();
    button.disabled = true;
    showError(null);
    try {
      if (kind === "json") {
        saveBlob(new Blob([state.paletteText], { type: "application/json" }), `${name}-palette.json`);
      } else if (kind === "png") {
        const response = await post("/api/bar.png", { width: 1200, height: 160 });
        saveBlob(await response.blob(), `${name}-bar.png`);
      } else if (kind === "figure") {
        const response = await post("/api/figure.png", figureFields());
        saveBlob(await response.blob(), `${name}-figure.png`);
      } else if (kind in state.formats) {
        const response = await post("/api/palette", { format: kind });
        saveBlob(await response.blob(), downloadName(name, state.formats[kind]));
      }
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = !state.paletteText;
    }
  }

  // ------------------------------------------------------------------ inputs

  function megabytes(bytes) {
    return `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;
  }

  function useFile(blob, name) {
    if (!blob) return;
    if (blob.type && !blob.type.startsWith("image/")) {
      state.source = null;
      failed(`${name || "That file"} is not an image (${blob.type}).`);
      return;
    }
    if (state.maxUploadBytes && blob.size > state.maxUploadBytes) {
      state.source = null;
      failed(`${name || "That file"} is ${megabytes(blob.size)}; this server takes images up to ${megabytes(state.maxUploadBytes)}.`);
      return;
    }
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = URL.createObjectURL(blob);
    state.source = { kind: "file", blob, name: name || "pasted-image.png" };
    els.preview.src = state.previewUrl;
    els.preview.alt = `The image ${state.source.name}`;
    refresh();
  }

  function useUrl(url) {
    const text = url.trim();
    if (!/^https?:\/\/\S+$/i.test(text)) {
      state.source = null;
      failed("Enter an address starting with http:// or https://");
      els.urlInput.focus();
      return;
    }
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = null;
    const source = { kind: "url", url: text };
    state.source = source;
    els.preview.removeAttribute("src");
    els.preview.alt = `The image at ${text}`;
    els.urlInput.value = text;
    refresh();
    showServerCopy(source);
  }

  function setBusy(busy) {
    els.veil.hidden = !busy;
    els.figure.setAttribute("aria-busy", busy ? "true" : "false");
    els.swatches.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function setStatus(text) { els.status.textContent = text; }

  function showError(message) {
    els.error.hidden = !message;
    els.error.textContent = message || "";
  }

  els.chooseButton.addEventListener("click", () => els.fileInput.click());
  els.fileInput.addEventListener("change", () => {
    const file = els.fileInput.files && els.fileInput.files[0];
    if (file) useFile(file, file.name);
    els.fileInput.value = "";
  });

  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => {
      if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      event.preventDefault();
      els.dropzone.dataset.state = "over";
    });
  }
  for (const type of ["dragleave", "dragend"]) {
    document.addEventListener(type, (event) => {
      if (event.relatedTarget == null) els.dropzone.dataset.state = "idle";
    });
  }
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    els.dropzone.dataset.state = "idle";
    const files = event.dataTransfer ? Array.from(event.dataTransfer.files) : [];
    const image = files.find((file) => file.type.startsWith("image/")) || files[0];
    if (image) { useFile(image, image.name); return; }
    const text = event.dataTransfer && event.dataTransfer.getData("text/uri-list");
    if (text) useUrl(text.split("\n")[0]);
  });

  document.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data) return;
    const item = Array.from(data.items || []).find((entry) => entry.kind === "file" && entry.type.startsWith("image/"));
    if (item) {
      event.preventDefault();
      const file = item.getAsFile();
      const extension = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
      useFile(file, file.name && file.name !== "image.png" ? file.name : `pasted-image.${extension}`);
      return;
    }
    const text = data.getData("text/plain");
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
    if (!typing && text && /^https?:\/\//i.test(text.trim())) {
      event.preventDefault();
      useUrl(text);
    }
  });

  els.urlForm.addEventListener("submit", (event) => {
    event.preventDefault();
    useUrl(els.urlInput.value);
  });
  els.optionsForm.addEventListener("submit", (event) => event.preventDefault());

  els.k.addEventListener("input", () => {
    els.kOutput.textContent = els.k.value;
    scheduleRefresh();
  });
  els.kAuto.addEventListener("change", () => {
    els.k.disabled = els.kAuto.checked;
    if (!els.kAuto.checked) els.kOutput.textContent = els.k.value;
    scheduleRefresh(0);
  });
  els.sort.addEventListener("change", () => scheduleRefresh(0));
  els.space.addEventListener("change", () => scheduleRefresh(0));
  els.excludeBackground.addEventListener("change", () => scheduleRefresh(0));

  els.preview.addEventListener("error", () => {
    if (els.preview.getAttribute("src")) els.preview.alt = "The browser could not show this image.";
  });


  if (els.pasteKey && /Mac|iPhone|iPad/.test(navigator.platform || "")) els.pasteKey.textContent = "⌘";

  state.config = fetch("/api/config")
    .then((response) => {
      if (!response.ok) throw new Error(`The server answered ${response.status}.`);
      return response.json();
    })
    .then((config) => {
      if (config.limits && config.limits.max_upload_bytes) state.maxUploadBytes = config.limits.max_upload_bytes;
      if (config.limits && config.limits.max_render_width) state.maxRenderWidth = config.limits.max_render_width;
      buildForm(config);
    })
    .catch((error) => {
      showError(`The settings of this server could not be read (${error.message}); reload the page.`);
    });
})();
