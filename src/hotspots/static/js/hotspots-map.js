/* The Leaflet elements of the hotspot maps (Python side: hotspots.present.map_elements).
 *
 * Loaded after Leaflet from the app's static/js/ folder (Streamlit static serving) and
 * written into standalone pages by hotspots.present.map_assets.map_html(inline_assets=True).
 * Every function takes plain JSON data made in Python; any text in it (tooltips, popups,
 * legend, location names) was HTML-escaped there (hotspots.present.escape). Needs
 * Leaflet only.
 */
(function () {
    "use strict";

    /* Compact geometries back to GeoJSON (hotspots.present.map_geometry.encode_geometry):
     * O is the origin, feats are [kind, rings of integer 1e-5 degree deltas, properties]. */
    function decode(O, feats) {
        function ring(a) {
            var out = new Array(a.length / 2), x = O[0], y = O[1];
            for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out[i / 2] = [x / 1e5, y / 1e5]; }
            return out;
        }
        function rings(c) { return c.map(ring); }
        var kinds = {P: ["Polygon", rings], M: ["MultiPolygon", function (c) { return c.map(rings); }],
                     L: ["LineString", ring], N: ["MultiLineString", rings]};
        return {type: "FeatureCollection", features: feats.map(function (f, k) {
            var t = kinds[f[0]];
            return {type: "Feature", id: k, properties: f[2], geometry: {type: t[0], coordinates: t[1](f[1])}};
        })};
    }

    /* One L.geoJSON layer: d = {origin, feats, tips, pops, styles, by, interactive}.
     * tips / pops: escaped HTML per feature id (or null); styles: one style, or styles
     * keyed by the property named by `by`. */
    function geoJson(d) {
        var tips = d.tips, pops = d.pops, styles = d.styles, by = d.by;
        return L.geoJSON(decode(d.origin, d.feats), {
            interactive: d.interactive,
            style: function (f) { return by ? styles[String(f.properties[by])] : styles; },
            onEachFeature: function (f, layer) {
                var k = f.id;
                if (tips && tips[k]) { layer.bindTooltip(tips[k], {sticky: true}); }
                if (pops && pops[k]) {
                    var el = document.createElement("div");
                    el.innerHTML = pops[k];
                    layer.bindPopup(el, {maxWidth: 360});
                }
            }
        });
    }

    /* Records at locations as circle markers, area proportional to the count, from the
     * compact columns of hotspots.present.map_layers.points_payload. */
    function locationCounts(d) {
        var n = d.n.length, feats = new Array(n), x = d.x0;
        for (var k = 0; k < n; k++) {
            x += d.x[k];
            var i = d.l[k], loc = i < d.np ? d.p + d.t[i] : d.t[i];
            feats[k] = {type: "Feature", geometry: {type: "Point",
                coordinates: [x / 1e5, (d.y0 + d.y[k]) / 1e5]},
                properties: {count: d.n[k], location: loc}};
        }
        feats.sort(function (a, b) { return b.properties.count - a.properties.count; });
        return L.geoJSON({type: "FeatureCollection", features: feats}, {
            pointToLayer: function (f, ll) {
                var c = f.properties.count > 0 ? f.properties.count : 1;
                return L.circleMarker(ll, {radius: d.r0 + (d.r1 - d.r0) * Math.sqrt(c / d.nmax),
                    color: d.c, weight: 1, opacity: 0.9, fillColor: d.c, fillOpacity: 0.45});
            },
            onEachFeature: function (f, layer) {
                var c = f.properties.count;
                var txt = c > 0 ? c.toLocaleString("en-GB") + (c === 1 ? " record" : " records")
                                : "fewer than " + d.s + " records";
                layer.bindTooltip(f.properties.location + ": " + txt);
            }
        });
    }

    /* A static HTML box (legend, banner) as a control: d = {position, cssClass, html}.
     * A <details> in it starts closed on narrow maps (phones). */
    function control(map, d) {
        var c = L.control({position: d.position});
        c.onAdd = function () {
            var div = L.DomUtil.create("div", d.cssClass);
            div.innerHTML = d.html;
            var det = div.querySelector("details");
            if (det && (map.getSize().x < 600 || window.innerWidth < 600)) { det.open = false; }
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        c.addTo(map);
        return c;
    }

    /* Numbers that need no hover: permanent tooltips, in rank order. Where a number would
     * overprint one already placed it moves to the nearest free spot around its hotspot
     * (rings of 8 directions) and a leader line joins it to its place; redone on every
     * zoom. labels: [lat, lon, text, selected, escaped name]; keepout: [corner, size px] boxes of the
     * map no number may cover (the patrol sheet's inset), e.g. ["bottom right", 220]. */
    function rankLabels(labels, keepout) {
        var g = L.featureGroup(), items = [], map = null;
        labels.forEach(function (a) {
            var ll = L.latLng(a[0], a[1]);
            var tip = L.tooltip({permanent: true, direction: "center", interactive: false,
                className: "hs-rank" + (a[3] ? " hs-rank-selected" : "")}).setLatLng(ll).setContent(a[2]);
            var line = L.polyline([ll, ll], {color: "#222", weight: 1.2, opacity: 0, interactive: false});
            items.push({ll: ll, tip: tip, line: line, name: a[4] || ""});
            line.addTo(g);
            tip.addTo(g);
        });
        /* the keyboard: Tab goes through the numbers in rank order, each read out as
         * "Hotspot 3: Lansdowne" (names were escaped in Python: decoded as text here),
         * the map pans to the one in focus and Enter zooms to it */
        function focusable() {
            items.forEach(function (it) {
                var el = it.tip.getElement();
                if (!el || el.getAttribute("tabindex")) { return; }
                var t = document.createElement("textarea");
                t.innerHTML = it.name;
                el.setAttribute("tabindex", "0");
                el.setAttribute("role", "button");
                el.setAttribute("aria-label", "Hotspot " + el.textContent + (t.value ? ": " + t.value : ""));
                el.addEventListener("focus", function () {
                    if (map && !map.getBounds().contains(it.ll)) { map.panTo(it.ll); }
                });
                el.addEventListener("keydown", function (ev) {  // Enter or Space: zoom to it
                    if (map && (ev.key === "Enter" || ev.key === " ")) {
                        ev.preventDefault();
                        map.setView(it.ll, Math.max(map.getZoom(), 16));
                    }
                });
            });
        }
        function overlaps(b, boxes) {
            for (var j = 0; j < boxes.length; j++) {
                var o = boxes[j];
                if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) { return true; }
            }
            return false;
        }
        function place() {
            if (!map) { return; }
            var size = map.getSize(), boxes = [];
            (keepout || []).forEach(function (k) {
                var n = k[1], x = k[0].indexOf("right") >= 0 ? size.x - n : 0;
                var y = k[0].indexOf("bottom") >= 0 ? size.y - n : 0;
                boxes.push([x - 2, y - 2, x + n + 2, y + n + 2]);
            });
            function fits(b) { return b[0] >= 0 && b[1] >= 0 && b[2] <= size.x && b[3] <= size.y; }
            items.forEach(function (it) {
                var el = it.tip.getElement();
                var w = (el && el.offsetWidth) || 22, h = (el && el.offsetHeight) || 18;
                var p = map.latLngToContainerPoint(it.ll), best = p;
                var box = function (q) { return [q.x - w / 2 - 1, q.y - h / 2 - 1, q.x + w / 2 + 1, q.y + h / 2 + 1]; };
                if (overlaps(box(p), boxes) || !fits(box(p))) {
                    search:
                    for (var step = 1; step <= 30; step++) {
                        for (var k = 0; k < 8; k++) {
                            var ang = k * Math.PI / 4 + step * 0.39;
                            var q = L.point(p.x + Math.cos(ang) * step * (w * 0.75 + 2),
                                            p.y + Math.sin(ang) * step * (h * 0.75 + 2));
                            if (!overlaps(box(q), boxes) && fits(box(q))) { best = q; break search; }
                        }
                    }
                }
                boxes.push(box(best));
                var at = best === p ? it.ll : map.containerPointToLatLng(best);
                it.tip.setLatLng(at);
                it.line.setLatLngs([it.ll, at]);
                it.line.setStyle({opacity: best === p ? 0 : 0.8});
            });
        }
        g.onAdd = (function (orig) {
            return function (m) { map = m; orig.call(this, m); m.on("zoomend viewreset", place); place(); focusable(); return this; };
        })(g.onAdd);
        g.onRemove = (function (orig) {
            return function (m) { m.off("zoomend viewreset", place); orig.call(this, m); return this; };
        })(g.onRemove);
        return g;
    }

    /* Street names from police.uk map points (hotspots.present.map_streets): written along
     * their street at street scale only (zoom >= d.z), busiest first, a name left out where
     * it would overprint one already written. d = {t: names, a: [lat, lon, name index,
     * angle], z: minimum zoom}. Only the labels in view are in the page. */
    function streetLabels(d) {
        var g = L.layerGroup(), map = null;
        function redraw() {
            g.clearLayers();
            if (!map || map.getZoom() < d.z) { return; }
            var view = map.getBounds().pad(0.1), boxes = [];
            for (var k = 0; k < d.a.length; k++) {
                var a = d.a[k], ll = L.latLng(a[0], a[1]);
                if (!view.contains(ll)) { continue; }
                var text = d.t[a[2]], p = map.latLngToContainerPoint(ll);
                var w = 6.2 * text.length + 6, h = 14, r = a[3] * Math.PI / 180;
                var bw = Math.abs(w * Math.cos(r)) + Math.abs(h * Math.sin(r));
                var bh = Math.abs(w * Math.sin(r)) + Math.abs(h * Math.cos(r));
                var box = [p.x - bw / 2, p.y - bh / 2, p.x + bw / 2, p.y + bh / 2], clash = false;
                for (var j = 0; j < boxes.length && !clash; j++) {
                    var o = boxes[j];
                    clash = box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3];
                }
                if (clash) { continue; }
                boxes.push(box);
                var span = document.createElement("span");
                span.className = "hs-street";
                span.innerHTML = text;  // escaped in Python (map_streets)
                span.style.transform = "translate(-50%, -50%) rotate(" + (-a[3]) + "deg)";
                L.marker(ll, {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "hs-street-icon", html: span, iconSize: null})})
                    .addTo(g);
            }
        }
        g.onAdd = (function (orig) {
            return function (m) { map = m; orig.call(this, m); m.on("moveend zoomend", redraw); redraw(); return this; };
        })(g.onAdd);
        g.onRemove = (function (orig) {
            return function (m) { m.off("moveend zoomend", redraw); orig.call(this, m); return this; };
        })(g.onRemove);
        return g;
    }

    /* Where tiles are set but cannot be fetched (no network), the street layers come on
     * at the first failed tile, so the map is never a grey square. */
    function streetsOnTileError(map, layers) {
        var done = false;
        map.eachLayer(function (l) {
            if (!(l instanceof L.TileLayer)) { return; }
            l.on("tileerror", function () {
                if (done) { return; }
                done = true;
                layers.forEach(function (x) { if (!map.hasLayer(x)) { map.addLayer(x); } });
            });
        });
    }

    window.HotspotsLeaflet = {decode: decode, geoJson: geoJson, locationCounts: locationCounts,
                              control: control, rankLabels: rankLabels, streetLabels: streetLabels,
                              streetsOnTileError: streetsOnTileError};
})();
