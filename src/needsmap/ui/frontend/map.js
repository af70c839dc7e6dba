/* needsmap's LSOA map: a Streamlit component (v1, raw postMessage protocol) drawn with deck.gl.
 *
 * Boundaries come as static, content-addressed, gzipped files (a tileset: index.json.gz, a generalised
 * national level and one detail tile per local authority; byte layout in needsmap.viz.tiles), fetched
 * once and cached by the browser. Each render brings only the view's spec (JSON bytes) and its per-LSOA
 * values (bytes): a new measure recolours the polygons already tessellated. Nothing is asked of any
 * host but the app's own.
 */
"use strict";

(function () {
  // the iframe is <root>/component/<name>/index.html; static paths in the spec are relative to <root>
  const ROOT = new URL("../../", window.location.href);
  const mapEl = document.getElementById("map");
  const tooltipEl = document.getElementById("tooltip");
  const messageEl = document.getElementById("message");
  const loadingEl = document.getElementById("loading");
  const resetEl = document.getElementById("reset");

  const TYPED = {
    u8: Uint8Array, u16: Uint16Array, u32: Uint32Array,
    i8: Int8Array, i16: Int16Array, i32: Int32Array, f32: Float32Array,
  };
  const MISSING = "\u2013"; // en dash, as needsmap.viz.lsoa_map.format_template
  const PENDING = "\u2026"; // attributes still loading
  const NO_COLOUR = [0, 0, 0, 0];
  const TILE_MARGIN = 0.25; // share of the view's size added on each side when choosing detail tiles
  const MAX_DETAIL_TILES = 48; // most local authorities in view for the detail level
  const OUTLINE_BUDGET = 30000; // most LSOA outline segments drawn at once (≈ 1 s a frame without a GPU)

  let deckgl = null;
  let viewState = null;
  let frameHeight = 0;
  let lastDigest = null;
  let renderSeq = 0;
  let current = null; // the view drawn: spec, columns, tileset, versions
  let shownCounter = 0;
  let valuesCounter = 0;
  let pendingDrawn = null;
  let lastLayersKey = null;
  let lastArgs = null;
  let renderedKey = null;
  let levelTimer = null;
  let filterExtension = null;
  let converter = null;
  let contextCache = {json: null, layers: []};
  const fetched = []; // URLs fetched by this frame (for tests and the benchmark)

  // ------------------------------------------------------------------ Streamlit protocol
  function send(type, payload) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, payload), "*");
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    const msg = event.data;
    if (!msg || msg.type !== "streamlit:render") return;
    onRender(msg.args || {}).catch(showError);
  });

  async function onRender(args) {
    const height = Number(args.height) || 620;
    if (height !== frameHeight) {
      frameHeight = height;
      mapEl.style.height = height + "px";
      send("streamlit:setFrameHeight", {height: height});
    }
    if (args.digest === lastDigest) return; // only the theme or the width changed
    lastDigest = args.digest;
    lastArgs = {spec: args.spec, values: args.values};
    const seq = ++renderSeq;
    const spec = JSON.parse(new TextDecoder().decode(args.spec));
    const values = new Uint8Array(args.values.byteLength); // own, 4-byte aligned copy
    values.set(args.values);
    mark("render");
    const vendor = loadVendor(args.vendor || []).then(function () { mark("vendor"); });
    const contextData = staticPaths(spec.layers || []).map(staticData); // fetched meanwhile
    const tileset = getTileset(spec.tileset);
    const index = await tileset.index;
    if (seq !== renderSeq) return; // a newer render came meanwhile
    const view = decodeView(spec, values, index, tileset);
    const viewMoved = !current || current.tileset !== tileset
      || JSON.stringify(current.spec.view) !== JSON.stringify(spec.view);
    const zoom = viewMoved || !viewState ? spec.view.zoom : viewState.zoom;
    if (spec.detail === false || zoom < index.detail_zoom) loadNational(tileset); // needs no deck.gl
    await vendor;
    await Promise.all(contextData);
    if (seq !== renderSeq) return;
    if (viewMoved || !viewState) viewState = initialView(spec.view);
    ensureDeck();
    // the new view replaces the old in one step, its context layers converted (the same JSON keeps
    // the same layers, so deck.gl does not rebuild them)
    view.contextLayers = contextLayers(spec.layers || []);
    current = view;
    // the attributes (names, deciles: ~0.3 MB for England) serve only tooltips: fetched when the
    // pointer first comes over the map, not before the map is drawn
    if (spec.attributes && (attributes.has(spec.attributes) || pointerSeen)) wantAttributes(view);
    if (viewMoved) deckgl.setProps({viewState: viewState});
    startFetches();
    redraw();
  }

  const FIT_MARGIN = 30; // pixels kept free around the area when the view is fitted to the frame

  /* The spec's view; when it carries the area's bounds and this frame is too small to show them whole
   * at the spec's zoom (a phone, 390 px wide), zoomed out until they fit (deck.gl's world is 512 px
   * wide at zoom 0, as needsmap.viz.maps.view_for_bounds). */
  function initialView(view) {
    const out = Object.assign({pitch: 0, bearing: 0}, view);
    delete out.bounds;
    const b = view.bounds;
    const w = mapEl.clientWidth, h = mapEl.clientHeight || frameHeight;
    if (b && w > 0 && h > 0) {
      const merc = function (lat) { return Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)); };
      const dx = Math.max((b[2] - b[0]) * Math.PI / 180, 1e-6);
      const dy = Math.max(merc(b[3]) - merc(b[1]), 1e-6);
      const fw = Math.max(w - 2 * FIT_MARGIN, 50), fh = Math.max(h - 2 * FIT_MARGIN, 50);
      const fit = Math.min(Math.log2(fw * 2 * Math.PI / 512 / dx), Math.log2(fh * 2 * Math.PI / 512 / dy));
      if (fit < out.zoom) {
        out.zoom = Math.max(fit, 3);
        out.longitude = (b[0] + b[2]) / 2;
        const y = (merc(b[1]) + merc(b[3])) / 2;
        out.latitude = (2 * Math.atan(Math.exp(y)) - Math.PI / 2) * 180 / Math.PI;
      }
    }
    mapEl.dataset.zoom = String(out.zoom);
    return out;
  }

  // ------------------------------------------------------------------ loading
  function loadVendor(urls) {
    if (!loadVendor.promise) {
      loadVendor.promise = Promise.all(urls.map(function (url) {
        return new Promise(function (resolve, reject) {
          const script = document.createElement("script");
          script.src = new URL(url, ROOT).href;
          script.async = false; // downloaded in parallel, run in order (@deck.gl/json needs deck.gl)
          script.onload = resolve;
          script.onerror = function () { reject(new Error("could not load " + url)); };
          document.head.appendChild(script);
        });
      }));
    }
    return loadVendor.promise;
  }

  async function fetchBytes(path) {
    const url = new URL(path, ROOT);
    if (url.origin !== ROOT.origin) throw new Error("refusing to fetch from another host: " + path);
    fetched.push(url.pathname);
    mapEl.dataset.fetches = String(fetched.length);
    const response = await fetch(url.href, {credentials: "same-origin"});
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    if (!path.endsWith(".gz")) return new Uint8Array(await response.arrayBuffer());
    const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function fetchJson(path) {
    return JSON.parse(new TextDecoder().decode(await fetchBytes(path)));
  }

  const tilesets = new Map();

  function getTileset(path) {
    if (!path) throw new Error("the map's spec names no tileset");
    let ts = tilesets.get(path);
    if (!ts) {
      ts = {path: path, base: new URL(".", new URL(path, ROOT)), national: null, tiles: new Map(), info: null};
      ts.index = fetchJson(path).then(function (index) {
        if (index.format !== 1) throw new Error("unknown tileset format " + index.format);
        ts.info = index;
        return index;
      });
      tilesets.set(path, ts);
    }
    return ts;
  }

  function siblingPath(ts, file) {
    return new URL(file, ts.base).pathname.slice(ROOT.pathname.length);
  }

  function loadNational(ts) {
    if (!ts.national) {
      ts.national = {geometry: null, promise: null};
      ts.national.promise = fetchBytes(siblingPath(ts, ts.info.national)).then(function (bytes) {
        mark("national-fetched");
        ts.national.geometry = decodeGeometry(bytes, ts.info.n_features);
        mark("national-decoded");
        redraw();
      });
      ts.national.promise.catch(showError);
    }
    return ts.national;
  }

  function loadTile(ts, tile) {
    let entry = ts.tiles.get(tile.id);
    if (!entry) {
      entry = {tile: tile, geometry: null};
      entry.promise = fetchBytes(siblingPath(ts, tile.file)).then(function (bytes) {
        entry.geometry = decodeGeometry(bytes, ts.info.n_features);
        redraw();
      });
      entry.promise.catch(showError);
      ts.tiles.set(tile.id, entry);
    }
    return entry;
  }

  const attributes = new Map();
  let pointerSeen = false;
  let lastHover = null;

  function wantAttributes(view) {
    if (view.attributes || !view.spec.attributes) return;
    view.attributes = getAttributes(view.spec.attributes, view.index.n_features);
    view.attributes.then(function () {
      // redraw an open tooltip that waited for them
      if (current === view && lastHover && tooltipEl.style.display !== "none") onHover(lastHover);
    }, showError);
  }

  mapEl.addEventListener("pointerenter", function () {
    pointerSeen = true;
    if (current) wantAttributes(current);
  });

  function getAttributes(path, nFeatures) {
    let promise = attributes.get(path);
    if (!promise) {
      promise = fetchJson(path).then(function (attrs) {
        if (attrs.n_features !== nFeatures) {
          throw new Error("attributes hold " + attrs.n_features + " LSOAs, the tileset " + nFeatures);
        }
        promise.value = attrs;
        return attrs;
      });
      attributes.set(path, promise);
    }
    return promise;
  }

  // ------------------------------------------------------------------ decoding
  /* Geometry file: "NMG1", u32 n_polygons, n_rings, n_vertices, f64 scale, i32 x0, y0, then
   * u32 polygon_feature[n_polygons], u32 polygon_ring_count[n_polygons], u32 ring_vertex_count[n_rings],
   * i32 delta[2 * n_vertices] (each vertex = the previous one + delta; rings not closed). */
  function decodeGeometry(bytes, nFeatures) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
    if (magic !== "NMG1") throw new Error("not a needsmap geometry file");
    const nPolygons = dv.getUint32(4, true);
    const nRings = dv.getUint32(8, true);
    const nVertices = dv.getUint32(12, true);
    const scale = dv.getFloat64(16, true);
    let x = dv.getInt32(24, true);
    let y = dv.getInt32(28, true);
    let offset = 32;
    const expected = offset + 4 * (2 * nPolygons + nRings) + 8 * nVertices;
    if (bytes.byteLength !== expected) throw new Error("geometry file is " + bytes.byteLength + " bytes, not " + expected);
    const buffer = bytes.slice().buffer; // offset 0: every array below is aligned
    const polygonFeature = new Uint32Array(buffer, offset, nPolygons); offset += 4 * nPolygons;
    const polygonRings = new Uint32Array(buffer, offset, nPolygons); offset += 4 * nPolygons;
    const ringVertices = new Uint32Array(buffer, offset, nRings); offset += 4 * nRings;
    const delta = new Int32Array(buffer, offset, 2 * nVertices);
    const positions = new Float64Array(2 * nVertices);
    for (let k = 0; k < 2 * nVertices; k += 2) {
      x += delta[k];
      y += delta[k + 1];
      positions[k] = x * scale;
      positions[k + 1] = y * scale;
    }
    const polygons = new Array(nPolygons);
    let ring = 0;
    let vertex = 0;
    for (let p = 0; p < nPolygons; p++) {
      const feature = polygonFeature[p];
      if (feature >= nFeatures) throw new Error("geometry names feature " + feature + " of " + nFeatures);
      const start = vertex;
      const holes = [];
      for (let r = 0; r < polygonRings[p]; r++, ring++) {
        if (r > 0) holes.push(2 * (vertex - start)); // deck.gl counts hole starts in coordinates
        vertex += ringVertices[ring];
      }
      const flat = positions.subarray(2 * start, 2 * vertex);
      polygons[p] = {feature: feature, polygon: holes.length ? {positions: flat, holeIndices: holes} : flat};
    }
    if (ring !== nRings || vertex !== nVertices) throw new Error("geometry file counts disagree");
    return {polygons: polygons, key: null, data: null};
  }

  function decodeView(spec, values, index, tileset) {
    const columns = {};
    for (const col of spec.columns || []) {
      const Typed = TYPED[col.dtype];
      if (!Typed) throw new Error("unknown column type " + col.dtype);
      const size = Typed.BYTES_PER_ELEMENT;
      if (col.offset % size || col.offset + col.length * size > values.byteLength) {
        throw new Error("column " + col.name + " lies outside the values");
      }
      let data = new Typed(values.buffer, col.offset, col.length);
      if (col.delta) { // stored as differences from the previous value (sorted features deflate to ~nothing)
        data = Typed.from(data);
        for (let i = 1; i < data.length; i++) data[i] += data[i - 1];
      }
      columns[col.name] = {spec: col, data: data};
    }
    if (!columns.feature || !columns.fill) throw new Error("the values need 'feature' and 'fill' columns");
    const feature = columns.feature.data;
    const rowOf = new Int32Array(index.n_features).fill(-1);
    for (let i = 0; i < feature.length; i++) {
      if (feature[i] >= index.n_features) throw new Error("value row " + i + " names an unknown LSOA");
      rowOf[feature[i]] = i;
    }
    const same = current && current.tileset === tileset && sameArray(current.feature, feature);
    return {
      spec: spec, columns: columns, feature: feature, fill: columns.fill.data, rowOf: rowOf,
      tileset: tileset, index: index, attributes: null, contextLayers: [],
      palette: spec.palette || [],
      shownVersion: same ? current.shownVersion : ++shownCounter,
      valuesVersion: ++valuesCounter,
    };
  }

  function sameArray(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // ------------------------------------------------------------------ templates (as format_template)
  function columnValue(col, row) {
    if (row < 0 || row >= col.data.length) return {missing: true};
    const raw = col.data[row];
    const spec = col.spec;
    if ((spec.missing !== undefined && spec.missing !== null && raw === spec.missing) || Number.isNaN(raw)) {
      return {missing: true};
    }
    if (spec.labels) {
      const label = spec.labels[raw];
      return label === undefined ? {missing: true} : {text: String(label)};
    }
    const scale = spec.scale === undefined || spec.scale === null ? 1 : spec.scale;
    // a scale below 1 is a power of ten: dividing by its inverse gives the same double as Python's
    // float of the decimal (raw * 0.001 may be one ulp off, and then round the other way)
    const number = scale < 1 ? raw / Math.round(1 / scale) : raw * scale;
    return {number: number, integer: spec.dtype !== "f32" && scale === 1};
  }

  function lookup(name, feature, row) {
    const col = current.columns[name];
    if (col) return columnValue(col, row);
    if (name === "lsoa_code") return {text: current.index.codes[feature]};
    const promise = current.attributes;
    if (promise) {
      const attrs = promise.value;
      if (!attrs) return {pending: true};
      const text = attrs.text && attrs.text[name];
      if (text) {
        const code = text.codes[feature];
        return code === undefined || code < 0 ? {missing: true} : {text: String(text.labels[code])};
      }
      const numbers = attrs.numbers && attrs.numbers[name];
      if (numbers) {
        const v = numbers[feature];
        return v === null || v === undefined ? {missing: true} : {number: v, integer: false};
      }
    }
    return {missing: true};
  }

  function render(value, fmt) {
    if (value.pending) return PENDING;
    if (value.missing) return MISSING;
    if (value.text !== undefined) return value.text;
    return formatNumber(value.number, fmt, value.integer);
  }

  /* Python's format() for the formats the templates use: "", ".Nf", ",.Nf", "+,.Nf", "+.Nf". */
  function formatNumber(x, fmt, integer) {
    if (!fmt) {
      if (integer) return String(x);
      if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1); // str(3.0) == "3.0"
      return String(x);
    }
    const m = /^(\+)?(,)?\.([0-3])f$/.exec(fmt);
    if (!m) return String(x);
    const plus = Boolean(m[1]);
    const negative = x < 0 || Object.is(x, -0);
    let body;
    if (Number.isNaN(x)) body = "nan";
    else if (!Number.isFinite(x)) body = "inf";
    else {
      body = roundHalfEven(Math.abs(x), Number(m[3]));
      if (m[2]) body = group(body);
    }
    const sign = negative && !Number.isNaN(x) ? "-" : plus ? "+" : "";
    return sign + body;
  }

  /* toFixed rounds exact ties away from zero; Python rounds them to even. Ties are values whose
   * exact binary expansion ends in 5 at digit n+1: short, so a long toFixed shows them exactly. */
  function roundHalfEven(a, n) {
    const rounded = a.toFixed(n);
    if (a >= 1e21) return rounded;
    const exact = a.toFixed(Math.min(100, n + 60));
    const point = exact.indexOf(".");
    const tail = exact.slice(point + 1 + n);
    if (!/^50*$/.test(tail)) return rounded;
    const truncated = n ? exact.slice(0, point + 1 + n) : exact.slice(0, point);
    const last = Number(truncated[truncated.length - 1]);
    return last % 2 === 0 ? truncated : rounded;
  }

  function group(text) {
    const point = text.indexOf(".");
    const whole = point < 0 ? text : text.slice(0, point);
    const rest = point < 0 ? "" : text.slice(point);
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + rest;
  }

  const FIELD = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}/g;

  function fillTemplate(template, value) {
    return String(template).replace(FIELD, function (_, name, fmt) { return value(name, fmt); });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  // ------------------------------------------------------------------ tooltip
  function showLsoaTooltip(info) {
    const feature = info.object.feature;
    const row = current.rowOf[feature];
    tooltipEl.replaceChildren();
    for (const line of current.spec.tooltip || []) {
      const div = document.createElement("div");
      if (line.style) div.className = line.style;
      div.textContent = fillTemplate(line.text, function (name, fmt) {
        return render(lookup(name, feature, row), fmt);
      });
      tooltipEl.appendChild(div);
    }
    placeTooltip(info);
  }

  function showLayerTooltip(info) {
    const template = current.spec.layer_tooltip;
    if (!template) return hideTooltip();
    const object = info.object || {};
    // the template is needsmap's own HTML; every value from the data is escaped into it
    tooltipEl.innerHTML = fillTemplate(template, function (name) {
      const v = object[name];
      return v === null || v === undefined ? "" : escapeHtml(v);
    });
    placeTooltip(info);
  }

  function placeTooltip(info) {
    tooltipEl.style.display = "block";
    const w = tooltipEl.offsetWidth;
    const h = tooltipEl.offsetHeight;
    const left = info.x + 14 + w > mapEl.clientWidth ? Math.max(0, info.x - 14 - w) : info.x + 14;
    const top = info.y + 14 + h > mapEl.clientHeight ? Math.max(0, info.y - 14 - h) : info.y + 14;
    tooltipEl.style.left = left + "px";
    tooltipEl.style.top = top + "px";
  }

  function hideTooltip() {
    tooltipEl.style.display = "none";
  }

  function onHover(info) {
    lastHover = info;
    const lsoa = Boolean(current && info.picked && info.object && info.layer && info.layer.id.startsWith("lsoa-"));
    setHovered(lsoa && info.layer.id.startsWith("lsoa-tile-") ? {layer: info.layer.id, index: info.index} : null);
    if (!current || !info.picked || !info.object || !info.layer) return hideTooltip();
    wantAttributes(current);
    return lsoa ? showLsoaTooltip(info) : showLayerTooltip(info);
  }

  /* the LSOA under the pointer, highlighted on detail tiles only (a highlight redraws its whole layer:
   * cheap for a tile, about a second for England without a GPU) */
  let hovered = null;

  function setHovered(h) {
    const was = hovered ? hovered.layer + ":" + hovered.index : "";
    const now = h ? h.layer + ":" + h.index : "";
    hovered = h;
    if (was !== now) redraw();
  }

  // ------------------------------------------------------------------ deck.gl
  function ensureDeck() {
    if (deckgl) return;
    const deck = window.deck;
    if (!deck || !deck.Deck) throw new Error("deck.gl did not load");
    filterExtension = new deck.DataFilterExtension({filterSize: 1});
    const classes = {};
    for (const name of Object.keys(deck)) {
      const value = deck[name];
      if (typeof value === "function" && value.prototype instanceof deck.Layer) classes[name] = value;
    }
    converter = new deck.JSONConverter({
      configuration: {classes: classes, enumerations: {COORDINATE_SYSTEM: deck.COORDINATE_SYSTEM}},
    });
    deckgl = new deck.Deck({
      parent: mapEl,
      // no multisampling: without a GPU it multiplies the cost of every fill, and a choropleth's
      // straight edges need little smoothing
      deviceProps: {webgl: {antialias: false, preserveDrawingBuffer: false}},
      viewState: viewState,
      controller: true,
      layers: [],
      onViewStateChange: function (params) {
        viewState = params.viewState;
        deckgl.setProps({viewState: viewState});
        hideTooltip();
        scheduleLevel();
        return viewState;
      },
      onHover: onHover,
      getCursor: function (s) { return s.isDragging ? "grabbing" : s.isHovering ? "pointer" : "grab"; },
      onAfterRender: onAfterRender,
      onError: showError,
    });
    resetEl.addEventListener("click", function () {
      if (!current) return;
      viewState = initialView(current.spec.view);
      deckgl.setProps({viewState: viewState});
      scheduleLevel(0);
    });
    mapEl.addEventListener("mouseleave", function () {
      hideTooltip();
      setHovered(null);
    });
  }

  /* pydeck layer JSON ("@@type", "@@=" accessors) -> deck.gl layers; converted again only when it
   * changes, so their data keeps its identity and deck.gl does not rebuild them. A layer's data may
   * be {"@@static": "<path under the static URL>"} (JSON, gzipped or not): fetched once and cached,
   * and in hand before the layer is made (a layer drawn before its data costs a frame). */
  function contextLayers(json) {
    const text = JSON.stringify(json);
    if (text === contextCache.json) return contextCache.layers;
    const converted = converter.convert({layers: json}).layers.filter(Boolean);
    const layers = converted.map(function (layer) {
      const data = layer.props.data;
      return data && typeof data["@@static"] === "string"
        ? layer.clone({data: staticDataCache.get(data["@@static"]).value}) : layer;
    });
    contextCache = {json: text, layers: layers};
    return layers;
  }

  function staticPaths(json) {
    return json.map(function (layer) { return layer && layer.data && layer.data["@@static"]; })
      .filter(function (path) { return typeof path === "string"; });
  }

  const staticDataCache = new Map();

  function staticData(path) {
    if (!staticDataCache.has(path)) {
      const promise = fetchJson(path).then(function (value) { promise.value = value; return value; });
      staticDataCache.set(path, promise);
    }
    return staticDataCache.get(path);
  }

  function scheduleLevel(delay) {
    clearTimeout(levelTimer);
    // once the view rests: a wheel or a drag passes through many views, fetching for none of them
    levelTimer = setTimeout(function () { startFetches(); redraw(); }, delay === undefined ? 250 : delay);
  }

  /* detail from detail_zoom on, once the view holds few enough local authorities (a wide view of
   * dense cities stays national a little longer: each tile costs a download and a tessellation) */
  function detailActive() {
    return current.spec.detail !== false && viewState.zoom >= current.index.detail_zoom
      && Boolean(window.deck) && tilesInView().length <= MAX_DETAIL_TILES;
  }

  function tilesInView() {
    const deck = window.deck;
    const width = mapEl.clientWidth || 800;
    const height = frameHeight || 620;
    if (!deck || !deck.WebMercatorViewport) return [];
    const vp = new deck.WebMercatorViewport(Object.assign({}, viewState, {width: width, height: height}));
    const b = vp.getBounds();
    const dx = (b[2] - b[0]) * TILE_MARGIN;
    const dy = (b[3] - b[1]) * TILE_MARGIN;
    const box = [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
    return current.index.tiles.filter(function (t) {
      return t.bbox[0] <= box[2] && t.bbox[2] >= box[0] && t.bbox[1] <= box[3] && t.bbox[3] >= box[1];
    });
  }

  /* national level below detail_zoom; at or above it the detail tiles in view (the national level,
   * when already loaded, fills in only where a tile is still on its way) */
  function startFetches() {
    if (!current || !viewState) return;
    const ts = current.tileset;
    if (current.spec.detail === false || viewState.zoom < current.index.detail_zoom) {
      loadNational(ts); // needs no deck.gl: fetched while deck.gl itself loads
      return;
    }
    if (!window.deck) { // the tiles in view are known once deck.gl's viewport maths is here
      if (loadVendor.promise) loadVendor.promise.then(startFetches);
      return;
    }
    if (!detailActive()) {
      loadNational(ts);
      return;
    }
    for (const tile of tilesInView()) loadTile(ts, tile);
  }

  function shownData(geometry) {
    if (geometry.key !== current.shownVersion) {
      const rowOf = current.rowOf;
      geometry.data = geometry.polygons.filter(function (p) { return rowOf[p.feature] >= 0; });
      geometry.key = current.shownVersion;
    }
    return geometry.data;
  }

  /* Fills: SolidPolygonLayer. Outlines: a LineLayer per detail tile, and only while the segments in
   * view stay under OUTLINE_BUDGET. In software WebGL (no GPU) a 0.5 px outline around each of
   * England's 34k LSOAs costs about 20 s per frame as deck.gl paths, and at national zoom it only
   * washes the colours out; a LineLayer costs about a third of a path. */
  function lsoaLayerProps(id, data, detail) {
    const view = current;
    return {
      id: id,
      data: data,
      getPolygon: function (d) { return d.polygon; },
      positionFormat: "XY", // flat [lon, lat, lon, lat, …] rings
      getFillColor: function (d) {
        return view.palette[view.fill[view.rowOf[d.feature]]] || NO_COLOUR;
      },
      filled: true,
      pickable: true,
      highlightedObjectIndex: detail && hovered && hovered.layer === id ? hovered.index : -1,
      highlightColor: [255, 255, 255, 90],
      updateTriggers: {getFillColor: view.valuesVersion},
    };
  }

  /* the rings of the shown polygons as line segments (deck.gl binary attributes) */
  function outlineData(geometry) {
    if (geometry.outlineKey !== current.shownVersion) {
      const shown = shownData(geometry);
      let n = 0;
      for (const p of shown) n += (p.polygon.positions || p.polygon).length / 2;
      const source = new Float64Array(2 * n);
      const target = new Float64Array(2 * n);
      let k = 0;
      for (const p of shown) {
        const pos = p.polygon.positions || p.polygon;
        const starts = [0].concat(p.polygon.holeIndices || [], [pos.length]);
        for (let r = 0; r + 1 < starts.length; r++) {
          for (let i = starts[r]; i < starts[r + 1]; i += 2) {
            const j = i + 2 < starts[r + 1] ? i + 2 : starts[r]; // the ring closes on its first vertex
            source[k] = pos[i]; source[k + 1] = pos[i + 1];
            target[k] = pos[j]; target[k + 1] = pos[j + 1];
            k += 2;
          }
        }
      }
      geometry.outline = {length: n, attributes: {
        getSourcePosition: {value: source, size: 2}, getTargetPosition: {value: target, size: 2}}};
      geometry.outlineKey = current.shownVersion;
    }
    return geometry.outline;
  }

  function redraw() {
    if (!deckgl || !current || !viewState) return;
    const deck = window.deck;
    const ts = current.tileset;
    const layers = [];
    const drawnTiles = [];
    let waiting = false;
    const detail = detailActive();
    if (detail) {
      for (const tile of tilesInView()) {
        const entry = ts.tiles.get(tile.id);
        if (entry && entry.geometry) drawnTiles.push(entry);
        else waiting = true;
      }
    }
    const national = ts.national && ts.national.geometry;
    if (national && !detail) {
      layers.push(new deck.SolidPolygonLayer(lsoaLayerProps("lsoa-national", shownData(national), false)));
    } else if (national && waiting) {
      // zoomed in, tiles on their way: the national level fills in, except under the tiles drawn
      const covered = new Uint8Array(current.index.n_features);
      for (const entry of drawnTiles) for (const p of entry.geometry.polygons) covered[p.feature] = 1;
      const key = drawnTiles.map(function (e) { return e.tile.id; }).join(",");
      layers.push(new deck.SolidPolygonLayer(Object.assign(lsoaLayerProps("lsoa-national-under-tiles",
        shownData(national), false), {
        extensions: [filterExtension],
        getFilterValue: function (d) { return covered[d.feature] ? 0 : 1; },
        filterRange: [0.5, 1.5],
        updateTriggers: {getFillColor: current.valuesVersion, getFilterValue: key},
      })));
    } else if (!detail) {
      waiting = true;
    }
    const shownTiles = drawnTiles.filter(function (e) { return shownData(e.geometry).length > 0; });
    for (const entry of shownTiles) {
      layers.push(new deck.SolidPolygonLayer(lsoaLayerProps("lsoa-tile-" + entry.tile.id, shownData(entry.geometry), true)));
    }
    const line = current.spec.line || {};
    const lineWidth = Number(line.width_px) || 0;
    let segments = 0; // outlines are built only when they are drawn (width 0: none)
    if (lineWidth > 0) for (const entry of shownTiles) segments += outlineData(entry.geometry).length;
    const outlined = lineWidth > 0 && shownTiles.length > 0 && segments <= OUTLINE_BUDGET;
    if (outlined) {
      for (const entry of shownTiles) {
        layers.push(new deck.LineLayer({
          id: "outline-" + entry.tile.id, data: outlineData(entry.geometry),
          getColor: line.color || [255, 255, 255, 70], getWidth: lineWidth, widthUnits: "pixels", pickable: false,
        }));
      }
    }
    const lsoaLayers = layers.length;
    // the first frame waits for the LSOAs: without a GPU each frame costs up to a second or two, and
    // a frame of outlines alone only delays them
    if (waiting && !lsoaLayers) {
      mapEl.dataset.ready = "0";
      return;
    }
    for (const layer of current.contextLayers) layers.push(layer);
    mark("layers");
    const key = layers.map(function (l) { return l.id; }).join("|") + "#" + current.shownVersion + "#"
      + current.valuesVersion + "#" + (national ? 1 : 0) + "#" + JSON.stringify(line) + "#"
      + (hovered ? hovered.layer + ":" + hovered.index : "");
    if (key !== lastLayersKey) {
      lastLayersKey = key;
      deckgl.setProps({layers: layers});
    }
    loadingEl.style.display = waiting ? "block" : "none";
    mapEl.dataset.level = detail ? "detail" : "national";
    mapEl.dataset.tiles = drawnTiles.map(function (e) { return e.tile.id; }).sort().join(",");
    mapEl.dataset.outlines = outlined ? String(segments) : "0";
    mapEl.dataset.zoom = String(viewState.zoom);
    if (waiting || key !== renderedKey) mapEl.dataset.ready = "0";
    if (lsoaLayers && !waiting) {
      pendingDrawn = {seq: renderSeq, valuesVersion: current.valuesVersion};
      if (renderedKey === lastLayersKey) onAfterRender(); // already on screen: no new frame will come
    }
  }

  /* "drawn" = a frame with every layer of the view and its data, finished: software WebGL queues the
   * drawing, and reading back one pixel waits until it is done */
  function onAfterRender() {
    renderedKey = lastLayersKey;
    if (!pendingDrawn) return;
    if (!deckgl.props.layers.every(function (l) { return l.isLoaded; })) return; // a later frame
    const gl = deckgl.device && deckgl.device.gl;
    if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    mark("drawn-" + pendingDrawn.seq);
    mapEl.dataset.drawn = String(pendingDrawn.seq);
    mapEl.dataset.ready = "1"; // every layer of the view in place and on screen
    mapEl.dataset.values = String(pendingDrawn.valuesVersion);
    pendingDrawn = null;
  }

  function mark(name) {
    if (window.performance && performance.mark) performance.mark("needsmap:" + name);
  }

  // ------------------------------------------------------------------ errors
  function showError(error) {
    const text = error && error.message ? error.message : String(error);
    messageEl.textContent = "The map could not be drawn: " + text + ". Reload the page; if this goes on, "
      + "run `needsmap data fetch` (boundaries) or `make setup` (the map's renderer).";
    messageEl.style.display = "flex";
    loadingEl.style.display = "none";
    mapEl.dataset.error = text;
    if (window.console) console.error("needsmap map:", error);
  }

  window.addEventListener("error", function (event) {
    // Chrome reports a resize that needed a second layout pass as an error: not one of ours
    if (String(event.message || "").startsWith("ResizeObserver loop")) return;
    showError(event.error || event.message);
  });
  window.addEventListener("unhandledrejection", function (event) { showError(event.reason); });

  function base64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }

  // read-only hooks for the browser tests and the benchmark: what was fetched and rendered, where a
  // place is on screen, and the tooltip text of an LSOA
  window.needsmapMap = {
    fetched: fetched,
    lastRender: function () {
      return lastArgs && {spec: new TextDecoder().decode(lastArgs.spec), values: base64(lastArgs.values)};
    },
    project: function (lonLat) {
      const deck = window.deck;
      const vp = new deck.WebMercatorViewport(Object.assign({}, viewState,
        {width: mapEl.clientWidth, height: frameHeight}));
      return vp.project(lonLat);
    },
    viewState: function () { return viewState && Object.assign({}, viewState); },
    layers: function () {
      return deckgl ? deckgl.props.layers.map(function (l) { return [l.id, l.props.data.length]; }) : [];
    },
    tooltipText: function (feature) {
      if (!current) return null;
      const row = current.rowOf[feature];
      return (current.spec.tooltip || []).map(function (line) {
        return fillTemplate(line.text, function (name, fmt) { return render(lookup(name, feature, row), fmt); });
      });
    },
  };

  send("streamlit:componentReady", {apiVersion: 1});
})();
