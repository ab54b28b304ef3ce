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

    /* Numbers that need no hover: permanent tooltips on invisible circle markers.
     * labels: [lat, lon, text, selected]. */
    function rankLabels(labels) {
        var g = L.featureGroup();
        labels.forEach(function (a) {
            L.circleMarker([a[0], a[1]], {radius: 0, opacity: 0, fillOpacity: 0, interactive: false})
                .bindTooltip(a[2], {permanent: true, direction: "center",
                    className: "hs-rank" + (a[3] ? " hs-rank-selected" : "")})
                .addTo(g);
        });
        return g;
    }

    window.HotspotsLeaflet = {decode: decode, geoJson: geoJson, locationCounts: locationCounts,
                              control: control, rankLabels: rankLabels};
})();
