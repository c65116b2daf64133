// The offline map: tiles from /tiles, clusters from /api/v1/map/clusters (grouped on the
// server), a cluster's photos from /api/v1/map/photos. With ?set=IDS it also sets the place
// of those photos (click on the map or pick a town). Every request goes to the appliance.
"use strict";
(function () {
  const el = document.getElementById("map");
  if (!el || !window.L) return;
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const thumb = (sha) => `/media/thumb/grid/${sha}.jpg`;
  const placeText = (p) => [...new Set([p.city, p.region, p.country].filter(Boolean))].join(", ");
  // data-loading counts what is under way (a move, tiles, a cluster request); tests wait for 0
  const state = { fetches: 0, moving: false, tiles: false };
  const show = () => { el.dataset.loading = String(state.fetches + state.moving + state.tiles); };
  const busy = (step) => { state.fetches += step; show(); };
  // markers go on past the tiles' last level (the tiles are then enlarged): a cluster of
  // one region can always be split down to its streets
  const MARKER_MAX_ZOOM = 16;
  const map = L.map(el, { worldCopyJump: true, maxZoom: MARKER_MAX_ZOOM });
  map.on("movestart", () => { state.moving = true; show(); });
  map.on("moveend", () => { state.moving = false; show(); });
  const tiles = L.tileLayer(el.dataset.tiles, {
    maxZoom: MARKER_MAX_ZOOM,
    maxNativeZoom: Number(el.dataset.maxzoom) || 6,
    attribution: el.dataset.attribution,
  });
  tiles.on("loading", () => { state.tiles = true; show(); });
  tiles.on("load", () => { state.tiles = false; show(); });
  tiles.addTo(map);
  map.attributionControl.setPrefix('<a href="/static/vendor/leaflet/LICENSE">Leaflet</a>');
  map.setView([30, 10], 2);
  const layer = L.layerGroup().addTo(map);
  let generation = 0;

  function clusterIcon(c) {
    const size = Math.min(72, 44 + Math.round(Math.log10(c.count) * 14)); // 44 px: a thumb's tap
    const style = c.sha256 ? ` style="background-image:url('${thumb(c.sha256)}')"` : "";
    return L.divIcon({
      className: "",
      html: `<div class="photo-cluster"${style}><span>${c.count}</span></div>`,
      iconSize: [size, size],
    });
  }

  async function refresh() {
    const mine = ++generation;
    const b = map.getBounds();
    const west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    const bbox = [Math.max(-90, b.getSouth()), west, Math.min(90, b.getNorth()), east]
      .map((v) => v.toFixed(5)).join(",");
    busy(1);
    let data;
    try {
      const res = await fetch(`/api/v1/map/clusters?bbox=${bbox}&zoom=${map.getZoom()}`, { credentials: "same-origin" });
      data = res.ok ? await res.json() : null;
    } finally {
      busy(-1);
    }
    if (!data || mine !== generation) return;
    layer.clearLayers();
    for (const c of data.clusters) {
      const marker = L.marker([c.lat, c.lon], { icon: clusterIcon(c), title: `${c.count} photos` });
      marker.on("click", () => openCluster(c));
      marker.addTo(layer);
    }
    el.dataset.clusters = String(data.clusters.length);
  }

  // A tap on a cluster zooms into it while it still holds several places; its photos show
  // in the sheet either way.
  function openCluster(c) {
    const [s, w, n, e] = c.bounds;
    const spread = Math.abs(n - s) + Math.abs(e - w) > 1e-4;
    if (c.count > 1 && spread && map.getZoom() < MARKER_MAX_ZOOM) {
      map.fitBounds([[s, w], [n, e]], { padding: [40, 40], maxZoom: MARKER_MAX_ZOOM });
    }
    showPhotos(c);
  }

  async function showPhotos(c) {
    const [s, w, n, e] = c.bounds;
    const res = await fetch(`/api/v1/map/photos?bbox=${s},${w},${n},${e}`, { credentials: "same-origin" });
    if (!res.ok) return;
    const data = await res.json();
    const panel = document.getElementById("cluster-photos");
    const places = [...new Set(data.photos.map((p) => p.place).filter(Boolean))];
    const where = places.length ? ` · ${places.slice(0, 4).join(", ")}${places.length > 4 ? " and more" : ""}` : "";
    document.getElementById("cluster-title").textContent =
      `${c.count} photo${c.count === 1 ? "" : "s"}` + (data.photos.length < c.count ? ` (newest ${data.photos.length})` : "") + where;
    const grid = document.getElementById("cluster-grid");
    grid.replaceChildren(...data.photos.map((p) => {
      const a = document.createElement("a");
      a.href = `/photo/${p.id}`;
      if (p.sha256) {
        const img = document.createElement("img");
        img.loading = "lazy";
        img.src = thumb(p.sha256);
        img.alt = "";
        a.append(img);
      }
      return a;
    }));
    panel.hidden = false;
  }
  document.getElementById("cluster-close").addEventListener("click", () => {
    document.getElementById("cluster-photos").hidden = true;
  });

  map.on("moveend", refresh);
  refresh();

  // --- setting the place of photos without GPS ---------------------------------------------
  const ids = (el.dataset.set || "").split(",").filter(Boolean).map(Number);
  if (!ids.length) return;
  let chosen = null;
  const pin = L.marker([0, 0]);
  const save = document.getElementById("place-save");
  const label = document.getElementById("place-chosen");
  function choose(lat, lon, text) {
    chosen = { latitude: lat, longitude: lon };
    pin.setLatLng([lat, lon]).addTo(map);
    label.textContent = text || `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    save.disabled = false;
  }
  map.on("click", (ev) => choose(ev.latlng.lat, ev.latlng.lng));
  const input = document.getElementById("place-name");
  const hits = document.getElementById("place-hits");
  let typing = 0;
  input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2) { hits.replaceChildren(); return; }
      const res = await fetch(`/api/v1/place-names?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
      if (!res.ok) return;
      const data = await res.json();
      hits.replaceChildren(...data.places.map((p) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        const text = placeText(p);
        b.type = "button";
        b.textContent = text;
        b.addEventListener("click", () => {
          choose(p.latitude, p.longitude, text);
          map.setView([p.latitude, p.longitude], Math.min(map.getMaxZoom(), 8));
          hits.replaceChildren();
        });
        li.append(b);
        return li;
      }));
    }, 200);
  });
  save.addEventListener("click", async () => {
    if (!chosen) return;
    save.disabled = true;
    const res = await fetch("/api/v1/photos/place", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
      body: JSON.stringify({ ids, ...chosen }),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) { label.textContent = data.error || "Could not save the place"; save.disabled = false; return; }
    const p = data.place;
    label.textContent = "Saved: " + (p ? placeText(p) : "a position with no known place");
    refresh();
  });
})();
