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
    const response = await fetch(path, { method: "POST", signal, ...request });
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
      if (els.kAuto.checked) els.kOutput.textContent = String(state.palette.colors.length);
      const ms = Math.round(performance.now() - started);
      setStatus(`${state.palette.colors.length} colors in ${ms} ms.`);
    } catch (error) {
      if (error.name === "AbortError") return;
      if (generation !== state.generation) return;
      setStatus("");
      showError(error.message);
    } finally {
      if (generation === state.generation) setBusy(false);
    }
  }

  function scheduleRefresh(delay = 160) {
    clearTimeout(state.debounce);
    state.debounce = setTimeout(refresh, delay);
  }

  // ------------------------------------------------------------------ rendering

  function formatShare(share) {
    const percent = share * 100;
    if (percent >= 10) return `${percent.toFixed(1)}%`;
    if (percent >= 0.1) return `${percent.toFixed(2)}%`;
    return "<0.1%";
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
        detail.textContent = `rgb(${color.rgb.join(", ")}) · ${color.name}` +
          (color.family ? ` · ${color.family}` : "");
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

    const meta = palette.meta || {};
    const parts = [];
    if (Array.isArray(meta.original_size)) parts.push(`${meta.original_size[0]}×${meta.original_size[1]} px`);
    if (meta.histogram_bins != null) parts.push(`${meta.histogram_bins.toLocaleString()} color bins`);
    if (meta.kind === "theme") parts.push("theme: colors picked from the image");
    else if (meta.space) parts.push(`k-means in ${meta.space}`);
    if (Array.isArray(meta.warnings) && meta.warnings.length) parts.push(meta.warnings.join("; "));
    els.caption.textContent = parts.join(" · ");

    els.figure.hidden = false;
    document.body.dataset.loaded = "true";
    els.chooseButton.textContent = "Choose another image";
    els.emptyNote.hidden = true;
    els.downloads.hidden = false;
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
    if (!state.source || !state.paletteText) return;
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
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ inputs

  function useFile(blob, name) {
    if (!blob) return;
    if (blob.type && !blob.type.startsWith("image/")) {
      showError(`${name || "That file"} is not an image (${blob.type}).`);
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
      showError("Enter an address starting with http:// or https://");
      els.urlInput.focus();
      return;
    }
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = null;
    state.source = { kind: "url", url: text };
    els.preview.src = text;
    els.preview.alt = `The image at ${text}`;
    els.urlInput.value = text;
    refresh();
  }

  function setBusy(busy) {
    els.veil.hidden = !busy;
    els.figure.setAttribute("aria-busy", busy ? "true" : "false");
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
    if (state.source && state.source.kind === "url") els.preview.alt = "The browser could not show this image.";
  });

  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download, button));
  }

  els.kOutput.textContent = els.k.value;
  showKind();
  fetch("/api/config")
    .then((response) => (response.ok ? response.json() : null))
    .then((config) => {
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
