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
    excludeBackground: $("#exclude-background"),
    kindPalette: $("#kind-palette"),
    kindTheme: $("#kind-theme"),
    resultTitle: $("#result-title"),
    sort: $("#sort"),
    space: $("#space"),
    swatches: $("#swatches"),
    emptyNote: $("#empty-note"),
    downloads: $("#downloads"),
    downloadButtons: Array.from(document.querySelectorAll("[data-download]")),
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
  };

  // ------------------------------------------------------------------ requests

  function selectedKind() {
    return els.kindTheme.checked ? "theme" : "palette";
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
    if (els.kAuto.checked) return { k: "auto", max_k: 16, ...common };
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
      if (els.kAuto.checked) els.kOutput.textContent = String(state.palette.colors.length);
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

  // The share as palettekit.export.format_share writes it (CLI, text export):
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
        // The name people use, its family (the two always agree), and the
        // nearest CSS named color for CSS users.
        detail.textContent = `rgb(${color.rgb.join(", ")}) · ${color.name}` +
          (color.family ? ` · ${color.family}` : "") +
          (color.css_name && color.css_name !== color.name ? ` · CSS ${color.css_name}` : "");
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

  // Export formats served by POST /api/palette?format=..., and their file names.
  const EXPORT_FILES = {
    css: "palette.css",
    gpl: "palette.gpl",
    ase: "palette.ase",
    svg: "swatches.svg",
    tailwind: "tailwind-colors.json",
    "css-gradient": "placeholder.css",
    roles: "theme-roles.json",
  };

  async function download(kind, button) {
    if (!state.source || !state.paletteText || button.disabled) return;
    const name = baseName();
    button.disabled = true;
    showError(null);
    try {
      if (kind === "json") {
        saveBlob(new Blob([state.paletteText], { type: "application/json" }), `${name}-palette.json`);
      } else if (kind in EXPORT_FILES) {
        const response = await post("/api/palette", { format: kind });
        saveBlob(await response.blob(), `${name}-${EXPORT_FILES[kind]}`);
      } else if (kind === "bar") {
        const response = await post("/api/bar.png", { width: 1200, height: 160 });
        saveBlob(await response.blob(), `${name}-bar.png`);
      } else if (kind === "figure") {
        const response = await post("/api/figure.png", {});
        saveBlob(await response.blob(), `${name}-figure.png`);
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
  for (const radio of [els.kindPalette, els.kindTheme]) {
    radio.addEventListener("change", () => { showKind(); scheduleRefresh(0); });
  }
  els.sort.addEventListener("change", () => scheduleRefresh(0));
  els.space.addEventListener("change", () => scheduleRefresh(0));
  els.excludeBackground.addEventListener("change", () => scheduleRefresh(0));

  els.preview.addEventListener("error", () => {
    if (els.preview.getAttribute("src")) els.preview.alt = "The browser could not show this image.";
  });

  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download, button));
  }

  if (els.pasteKey && /Mac|iPhone|iPad/.test(navigator.platform || "")) els.pasteKey.textContent = "⌘";

  els.kOutput.textContent = els.k.value;
  showKind();
  fetch("/api/config")
    .then((response) => (response.ok ? response.json() : null))
    .then((config) => {
      if (config && config.limits && config.limits.max_upload_bytes) state.maxUploadBytes = config.limits.max_upload_bytes;
      if (!config || !config.defaults || state.source) return;
      const defaults = config.defaults;
      if (defaults.k >= 1 && defaults.k <= 16) { els.k.value = String(defaults.k); els.kOutput.textContent = els.k.value; }
      if (defaults.sort) els.sort.value = defaults.sort;
      if (defaults.space) els.space.value = defaults.space;
      if (defaults.kind === "theme") els.kindTheme.checked = true;
      showKind();
    })
    .catch(() => { /* defaults in the page stay */ });
})();
