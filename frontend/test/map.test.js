// The analyst map in a real browser: Debian's chromium driven by playwright-core
// against a running petarawan (PETARAWAN_URL; api/browser_test.go starts one
// over the Banten sample). Every expectation is checked against the API itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const server = process.env.PETARAWAN_URL;
if (!server) throw new Error('PETARAWAN_URL is not set: run this through go test ./api -run TestBrowser');
const origin = new URL(server).origin;
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const artifacts = process.env.ARTIFACTS_DIR || fileURLToPath(new URL('../../artifacts/browser', import.meta.url));

// Flags that let headless chromium render WebGL2 in software (DEVELOPERS.md).
// Never --disable-software-rasterizer: MapLibre then finds no WebGL2.
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader',
];
const VIEWPORT = { width: 1280, height: 800 };
const TABLET = { width: 768, height: 1024, hasTouch: true };
const TEST = { timeout: 90_000 };

let browser;
// The desa the tests click and recolour: its category differs between phases a and b.
let target;

async function api(path) {
  const res = await fetch(new URL(path, server));
  assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
  return res.json();
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
  target = await findTarget();
});

after(async () => { await browser?.close(); });

// findTarget picks, from the API, the largest desa whose category differs
// between two phases of the latest election, and a point well inside it.
async function findTarget() {
  const { elections } = await api('/elections');
  const election = elections[0];
  const byPhase = {};
  for (const phase of election.phases) {
    const page = await api(`/collections/desa/items?election=${election.code}&phase=${phase.code}&properties=code,name,category,area_km2&limit=10000`);
    byPhase[phase.code] = new Map(page.features.map((f) => [f.properties.code, f]));
  }
  let best;
  for (const [i, a] of election.phases.entries()) {
    for (const b of election.phases.slice(i + 1)) {
      for (const [code, fa] of byPhase[a.code]) {
        const fb = byPhase[b.code].get(code);
        if (fa.properties.category === fb.properties.category) continue;
        if (!best || fa.properties.area_km2 > best.feature.properties.area_km2) best = { feature: fa, a: a.code, b: b.code };
      }
    }
  }
  assert.ok(best, 'no desa changes category between two phases: the recolouring cannot be checked');
  const { feature, a, b } = best;
  return {
    code: feature.properties.code,
    election: election.code,
    a: { phase: a, category: feature.properties.category },
    b: { phase: b, category: byPhase[b].get(feature.properties.code).properties.category },
    point: interiorPoint(feature.geometry),
  };
}

// interiorPoint is the middle of the widest stretch of the largest polygon on
// a horizontal line through the middle of its box: inside it, away from its edges.
function interiorPoint(geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const box = (ring) => ring.reduce(([x0, y0, x1, y1], [x, y]) => [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)],
    [Infinity, Infinity, -Infinity, -Infinity]);
  const area = (p) => { const [x0, y0, x1, y1] = box(p[0]); return (x1 - x0) * (y1 - y0); };
  const polygon = polygons.reduce((a, b) => (area(b) > area(a) ? b : a));
  const [, minY, , maxY] = box(polygon[0]);
  const y = (minY + maxY) / 2 + 1e-9;
  const xs = [];
  for (const ring of polygon) {
    for (let i = 1; i < ring.length; i++) {
      const [x1, y1] = ring[i - 1], [x2, y2] = ring[i];
      if ((y1 > y) !== (y2 > y)) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  xs.sort((p, q) => p - q);
  let widest = [xs[0], xs[1]];
  for (let i = 0; i + 1 < xs.length; i += 2) if (xs[i + 1] - xs[i] > widest[1] - widest[0]) widest = [xs[i], xs[i + 1]];
  return [(widest[0] + widest[1]) / 2, y];
}

// openMap loads the map in a fresh page and records every request that failed,
// answered >= 400 or left the server, and every script error.
async function openMap(viewport = VIEWPORT) {
  const { hasTouch, ...size } = viewport;
  const page = await browser.newPage({ viewport: size, hasTouch: !!hasTouch });
  const problems = [];
  const requests = [];
  page.on('request', (r) => {
    requests.push(r.url());
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) problems.push(`request left the server: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    // MapLibre cancels the tiles it no longer needs; the search cancels stale queries.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await page.goto(server);
  await settled(page);
  return { page, problems, requests };
}

// settled waits until the map has its style and tiles and stands still.
async function settled(page) {
  await page.waitForFunction(() => window.map?.loaded() && !window.map.isMoving(), null, { timeout: 30_000 });
}

async function assertClean({ page, problems }) {
  assert.deepEqual(problems, [], 'failed requests or errors');
  assert.equal(await page.locator('#message').isVisible(), false, `the map shows an error: ${await page.locator('#message').textContent()}`);
}

const selectedPhase = (page) => page.locator('#phase').inputValue();

// showTarget centres the map on the target desa at zoom 12 (no labels drawn
// there yet) and waits until its tile is drawn.
async function showTarget(page) {
  await page.evaluate(([lon, lat]) => window.map.jumpTo({ center: [lon, lat], zoom: 12 }), target.point);
  await settled(page);
  return renderedAtTarget(page);
}

// renderedAtTarget is the desa drawn at the target's point, as the map reads it.
function renderedAtTarget(page) {
  return page.evaluate((point) => {
    const [f] = window.map.queryRenderedFeatures(window.map.project(point), { layers: ['desa-fill'] });
    return f && { code: f.properties.code, category: f.properties.category };
  }, target.point);
}

// pixelAt is the colour the screen shows at a point of the page.
async function pixelAt(page, x, y) {
  const png = await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } });
  // One pixel: every PNG row filter leaves its bytes as they are.
  let offset = 8, idat = [], colourType;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset), type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      assert.equal(body.readUInt32BE(0) * body.readUInt32BE(4), 1, 'a one-pixel screenshot');
      assert.equal(body[8], 8, 'eight bits per channel');
      colourType = body[9];
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  assert.ok(colourType === 2 || colourType === 6, `PNG colour type ${colourType}`);
  const [, r, g, b] = inflateSync(Buffer.concat(idat));
  return [r, g, b];
}

async function targetScreenPoint(page) {
  const canvas = await page.locator('#peta canvas').boundingBox();
  const p = await page.evaluate((point) => window.map.project(point), target.point);
  return { x: canvas.x + p.x, y: canvas.y + p.y };
}

// legendColours are the colours the legend gives each category.
function legendColours(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#legend .swatch[data-category]')]
    .filter((s) => s.dataset.category)
    .map((s) => [s.dataset.category, getComputedStyle(s).backgroundColor.match(/\d+/g).slice(0, 3).map(Number)])));
}

const nearest = (colour, palette) => Object.entries(palette)
  .map(([name, c]) => [name, c.reduce((sum, v, i) => sum + (v - colour[i]) ** 2, 0)])
  .sort((p, q) => p[1] - q[1])[0][0];

const untick = (page, id) => page.locator(`#${id}`).uncheck();

test('the map loads its page, library, tiles and lists from the server alone, with no failed request', TEST, async () => {
  const map = await openMap();
  const paths = map.requests.map((u) => new URL(u).pathname);
  for (const wanted of ['/static/app.js', '/static/vendor/maplibre-gl/maplibre-gl.mjs', '/elections', '/tiles/desa.json']) {
    assert.ok(paths.includes(wanted), `${wanted} was not requested; requests: ${paths.join(' ')}`);
  }
  assert.ok(paths.some((p) => p.startsWith('/tiles/desa/')), 'no desa tile was requested');
  assert.ok(await map.page.locator('#demo-banner').isVisible(), 'the Banten sample carries demo scores, but no demo banner is shown');
  await map.page.screenshot({ path: join(artifacts, 'map.png') });
  await assertClean(map);
  await map.page.close();
});

test('the desa layer draws the desa of the tiles with the categories of the API', TEST, async () => {
  const map = await openMap();
  const rendered = await map.page.evaluate(() => window.map.queryRenderedFeatures({ layers: ['desa-fill'] })
    .map((f) => ({ code: f.properties.code, category: f.properties.category })));
  assert.ok(rendered.length > 0, 'no desa drawn');
  const phase = await selectedPhase(map.page);
  const page = await api(`/collections/desa/items?phase=${phase}&properties=code,category&limit=10000`);
  const categories = new Map(page.features.map((f) => [f.properties.code, f.properties.category]));
  for (const f of rendered) assert.equal(f.category, categories.get(f.code), `desa ${f.code} drawn as ${f.category}`);
  assert.ok(new Set(rendered.map((f) => f.code)).size > 1000, 'most of the 1,552 desa of Banten should be in the first view');
  await assertClean(map);
  await map.page.close();
});

test('clicking a desa shows its name, codes and score in the panel', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  await untick(page, 'layer-incidents'); // an incident at the point would take the click
  assert.equal((await showTarget(page))?.code, target.code, 'the target desa is not drawn at its point');
  const phase = await selectedPhase(page);
  const want = (await api(`/collections/desa/items/${target.code}?phase=${phase}`)).properties;

  const { x, y } = await targetScreenPoint(page);
  await page.mouse.click(x, y);
  const panel = page.locator('#unit');
  await panel.locator('h2', { hasText: want.name }).waitFor({ timeout: 10_000 });
  assert.equal(await panel.locator('h2').textContent(), want.name);
  assert.equal(await panel.locator('.score').textContent(), want.score.toFixed(2).replace('.', ','), 'the score in Indonesian notation');
  assert.equal((await panel.locator('.category').textContent()).toLowerCase(), want.category);
  const text = await panel.textContent();
  for (const shown of [want.code, want.kecamatan_code, want.kabupaten_code, String(want.tps_count)]) {
    assert.ok(text.includes(shown), `the panel does not show ${shown}`);
  }
  const links = await panel.locator('a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.some((l) => new URL(l).pathname === `/collections/desa/items/${target.code}`), `no GeoJSON link in ${links}`);
  assert.ok(links.some((l) => new URL(l).pathname === `/collections/desa/items/${target.code}/explain`), `no explain link in ${links}`);
  await page.screenshot({ path: join(artifacts, 'panel.png') });
  await assertClean(map);
  await page.close();
});

test('search lists the matches of the server and zooms to the one chosen', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  const desa = (await api(`/collections/desa/items/${target.code}`)).properties;
  const q = desa.kecamatan;
  const { results } = await api(`/search?q=${encodeURIComponent(q)}`);
  const wanted = results.find((r) => r.code === desa.kecamatan_code);
  assert.ok(wanted, `the search for ${q} does not find kecamatan ${desa.kecamatan_code}`);
  const zoomBefore = await page.evaluate(() => window.map.getZoom());

  await page.locator('#search').fill(q);
  const options = page.locator('#search-results li[role=option]');
  await options.first().waitFor({ timeout: 10_000 });
  assert.equal(await options.count(), results.length, 'one entry per result of the server');
  const option = options.nth(results.indexOf(wanted));
  assert.match(await option.textContent(), new RegExp(`${wanted.name}.*${wanted.code.replaceAll('.', '\\.')}`));
  await option.click();
  await page.waitForFunction(() => !window.map.isMoving(), null, { timeout: 10_000 });
  await settled(page);

  const view = await page.evaluate(() => ({ zoom: window.map.getZoom(), center: window.map.getCenter().toArray(), bounds: window.map.getBounds().toArray() }));
  const [minLon, minLat, maxLon, maxLat] = wanted.bbox;
  assert.ok(view.zoom > zoomBefore, `zoom ${view.zoom} after the search, ${zoomBefore} before`);
  assert.ok(view.center[0] > minLon && view.center[0] < maxLon && view.center[1] > minLat && view.center[1] < maxLat,
    `centre ${view.center} outside the result's box ${wanted.bbox}`);
  const [[west, south], [east, north]] = view.bounds;
  assert.ok(west <= minLon && south <= minLat && east >= maxLon && north >= maxLat, `view ${view.bounds} does not show all of ${wanted.bbox}`);
  await page.locator('#unit h2', { hasText: wanted.name }).waitFor({ timeout: 10_000 });
  await assertClean(map);
  await page.close();
});

test('jumping to a kabupaten zooms to it and offers its kecamatan', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  const desa = (await api(`/collections/desa/items/${target.code}`)).properties;
  const kecamatan = await api(`/collections/kecamatan/items?kabupaten_code=${desa.kabupaten_code}&properties=code&limit=1`);

  await page.locator(`#jump-provinsi option[value="${desa.provinsi_code}"]`).waitFor({ state: 'attached', timeout: 10_000 });
  await page.locator('#jump-provinsi').selectOption(desa.provinsi_code);
  await page.locator(`#jump-kabupaten option[value="${desa.kabupaten_code}"]`).waitFor({ state: 'attached', timeout: 10_000 });
  await page.locator('#jump-kabupaten').selectOption(desa.kabupaten_code);
  await page.locator('#unit h2', { hasText: desa.kabupaten }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => !window.map.isMoving(), null, { timeout: 10_000 });

  const { features: [kabupaten] } = await api(`/collections/kabupaten/items?code=${desa.kabupaten_code}`);
  const coords = kabupaten.geometry.coordinates.flat(2);
  const [[west, south], [east, north]] = await page.evaluate(() => window.map.getBounds().toArray());
  for (const [lon, lat] of coords) {
    assert.ok(lon >= west && lon <= east && lat >= south && lat <= north, `${desa.kabupaten} reaches ${lon},${lat}, outside the view`);
  }
  assert.equal(await page.locator('#jump-kecamatan option[value]:not([value=""])').count(), kecamatan.numberMatched,
    `the kecamatan of ${desa.kabupaten}`);
  await settled(page);
  await assertClean(map);
  await page.close();
});

test('a phase change recolours the map and the export follows the view and the phase', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  for (const id of ['layer-incidents', 'layer-labels']) await untick(page, id); // nothing over the pixel read
  await showTarget(page);
  const legend = await legendColours(page);

  const seen = {};
  for (const { phase, category } of [target.a, target.b]) {
    await page.locator('#phase').selectOption(phase);
    await page.waitForFunction(([point, code, category]) => {
      const [f] = window.map.queryRenderedFeatures(window.map.project(point), { layers: ['desa-fill'] });
      return f?.properties.code === code && f.properties.category === category && window.map.loaded();
    }, [target.point, target.code, category], { timeout: 20_000 });
    const { x, y } = await targetScreenPoint(page);
    seen[phase] = await pixelAt(page, x, y);
    assert.equal(nearest(seen[phase], legend), category, `desa ${target.code} in ${phase} is ${category}, drawn ${seen[phase]}`);
    await page.screenshot({ path: join(artifacts, `phase-${phase}.png`) });
  }
  assert.notDeepEqual(seen[target.a.phase], seen[target.b.phase], 'the colour did not change with the phase');

  const geojson = await page.locator('#export-geojson').getAttribute('href');
  const exported = await (await fetch(geojson)).json();
  const row = exported.features.find((f) => f.properties.code === target.code);
  assert.ok(row, `the GeoJSON export of the view lacks desa ${target.code}`);
  assert.equal(row.properties.phase, target.b.phase);
  assert.equal(row.properties.category, target.b.category);
  const csv = await fetch(await page.locator('#export-csv').getAttribute('href'));
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.ok((await csv.text()).includes(target.code), `the CSV export of the view lacks desa ${target.code}`);
  await assertClean(map);
  await page.close();
});

test('on a tablet the map fills the screen and a tapped desa opens its panel over it', TEST, async () => {
  const map = await openMap(TABLET);
  const { page } = map;
  const canvas = await page.locator('#peta canvas').boundingBox();
  assert.ok(canvas.width >= TABLET.width * 0.95, `the map is ${canvas.width} px wide on a ${TABLET.width} px screen`);
  // Incidents off through the map itself: on a tablet the layer toggles sit in the closed drawer.
  await page.evaluate(() => window.map.setLayoutProperty('insiden-circle', 'visibility', 'none'));
  assert.equal((await showTarget(page))?.code, target.code, 'the target desa is not drawn at its point');
  const want = (await api(`/collections/desa/items/${target.code}?phase=${await selectedPhase(page)}`)).properties;
  const { x, y } = await targetScreenPoint(page);
  await page.touchscreen.tap(x, y);
  const panel = page.locator('#unit');
  await panel.locator('h2', { hasText: want.name }).waitFor({ timeout: 10_000 });
  const box = await page.locator('#panel').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= TABLET.width, `the panel (${box.x}+${box.width}) leaves the screen`);
  assert.ok(box.width < TABLET.width, 'the panel covers the whole screen');
  await page.screenshot({ path: join(artifacts, 'tablet.png') });
  await assertClean(map);
  await page.close();
});

// --- H3, hot spots and the planner ---------------------------------------------------

// number reads a whole number in Indonesian notation (1.300).
const number = (text) => Number(text.trim().replaceAll('.', ''));

// uniqueBy keeps the first of the features with the same key (a polygon
// crossing tiles is rendered once per tile).
const uniqueBy = (features, key) => [...new Map(features.map((f) => [f[key], f])).values()];

// renderedProperties are the properties of the features a layer draws in view.
function renderedProperties(page, layer) {
  return page.evaluate((layer) => window.map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties), layer);
}

// viewBBox is the map's view as minLon,minLat,maxLon,maxLat.
async function viewBBox(page) {
  const [[west, south], [east, north]] = await page.evaluate(() => window.map.getBounds().toArray());
  return [west, south, east, north].map((v) => v.toFixed(6)).join(',');
}

// checkCells asserts that the cells drawn have the resolution, category and
// score of the API's cells of that resolution in the view, and returns them.
async function checkCells(page, res) {
  const cells = uniqueBy(await renderedProperties(page, 'h3-fill'), 'h3');
  assert.ok(cells.length > 5, `only ${cells.length} H3 cells drawn`);
  assert.deepEqual([...new Set(cells.map((c) => c.res))], [res], 'the resolution of the cells drawn');
  const { features } = await api(`/h3/${res}?bbox=${await viewBBox(page)}&phase=${await selectedPhase(page)}`);
  const want = new Map(features.map((f) => [f.properties.h3, f.properties]));
  for (const c of cells) {
    const w = want.get(c.h3);
    assert.ok(w, `cell ${c.h3} is drawn but /h3/${res} has no such cell in the view`);
    assert.equal(c.category, w.category, `the category of cell ${c.h3}`);
    assert.ok(Math.abs(c.score - w.score) < 0.005, `cell ${c.h3}: score ${c.score} drawn, ${w.score} in the API`);
  }
  return { cells, want };
}

test('the H3 layer draws the cells of the API and the resolution control switches their tiles', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  for (const id of ['layer-incidents', 'layer-labels']) await untick(page, id);
  // Zoom 11 shows resolution 7 when the resolution follows the zoom.
  await page.evaluate(([lon, lat]) => window.map.jumpTo({ center: [lon, lat], zoom: 11 }), target.point);
  await page.locator('#layer-h3').check();
  await settled(page);
  const { cells, want } = await checkCells(page, 7);
  assert.match(await page.locator('#h3-note').textContent(), /Resolusi di layar: 7\./);

  // A click on the middle of a cell shows its values in the panel.
  const cell = want.get(cells[Math.floor(cells.length / 2)].h3);
  const { features: [item] } = await api(`/h3/7?bbox=${await viewBBox(page)}&phase=${await selectedPhase(page)}`)
    .then((fc) => ({ features: fc.features.filter((f) => f.properties.h3 === cell.h3) }));
  const ring = item.geometry.coordinates[0].slice(1);
  const centre = [0, 1].map((i) => ring.reduce((sum, p) => sum + p[i], 0) / ring.length);
  const canvas = await page.locator('#peta canvas').boundingBox();
  const at = await page.evaluate((p) => window.map.project(p), centre);
  await page.mouse.click(canvas.x + at.x, canvas.y + at.y);
  const panel = page.locator('#unit');
  await panel.locator('h2', { hasText: cell.h3 }).waitFor({ timeout: 10_000 });
  assert.equal(await panel.locator('.score').textContent(), cell.score.toFixed(2).replace('.', ','));
  assert.equal((await panel.locator('.category').textContent()).toLowerCase(), cell.category);
  const text = await panel.textContent();
  assert.ok(text.includes(`Jumlah desa${cell.desa_count}`), `the panel does not give the cell's ${cell.desa_count} desa: ${text}`);
  assert.ok(!/null|undefined/.test(text), `the panel shows a missing value: ${text}`);
  assert.ok(await panel.locator('.badge').isVisible(), 'the demo label of a cell of demo scores');

  // A fixed resolution: the tiles of the h3-8 tileset.
  const tile8 = page.waitForRequest((r) => /\/tiles\/h3-8\/\d+\/\d+\/\d+\.mvt/.test(new URL(r.url()).pathname), { timeout: 10_000 });
  await page.locator('#h3-res').selectOption('8');
  await tile8;
  await page.waitForFunction(() => {
    const f = window.map.queryRenderedFeatures({ layers: ['h3-fill'] });
    return f.length > 0 && f.every((c) => c.properties.res === 8) && window.map.loaded();
  }, null, { timeout: 20_000 });
  await checkCells(page, 8);
  assert.ok(map.requests.some((u) => new URL(u).pathname === '/tiles/h3-8.json'), 'the TileJSON of h3-8 was not requested');
  await page.screenshot({ path: join(artifacts, 'h3.png') });
  await assertClean(map);
  await page.close();
});

test('the hot spot layer colours the Gi* bins of the API with a legend that counts them', TEST, async () => {
  const map = await openMap();
  const { page } = map;
  for (const id of ['layer-incidents', 'layer-labels', 'layer-boundaries']) await untick(page, id);
  const desa = (await api(`/collections/desa/items/${target.code}`)).properties;
  await showTarget(page);

  // By default the analysis covers the kabupaten/kota in the middle of the map.
  await page.locator('#layer-hotspot').check();
  await page.locator('#hotspot-summary strong', { hasText: `(${desa.kabupaten_code})` }).waitFor({ timeout: 15_000 });

  // With the FDR correction, over the kabupaten chosen from the list: the map moves to show all of it.
  const phase = await selectedPhase(page);
  const fc = await api(`/hotspots?area=${desa.kabupaten_code}&unit=desa&value=composite&fdr=true&phase=${phase}`);
  await page.locator('#hotspot-fdr').check();
  await page.locator('#hotspot-summary', { hasText: 'Dengan koreksi FDR' }).waitFor({ timeout: 15_000 });
  await page.locator('#hotspot-area').selectOption(desa.kabupaten_code);
  const [minLon, minLat, maxLon, maxLat] = fc.features.flatMap((f) => f.geometry.coordinates.flat(2))
    .reduce(([x0, y0, x1, y1], [x, y]) => [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)], [Infinity, Infinity, -Infinity, -Infinity]);
  await page.waitForFunction(([w0, s0, e0, n0]) => {
    const [[w, s], [e, n]] = window.map.getBounds().toArray();
    return !window.map.isMoving() && w <= w0 && s <= s0 && e >= e0 && n >= n0;
  }, [minLon, minLat, maxLon, maxLat], { timeout: 15_000 });
  await settled(page);

  const bins = new Map(fc.features.map((f) => [f.properties.code, f.properties]));
  const counts = {};
  for (const p of bins.values()) {
    const key = p.island ? 'island' : String(p.bin_fdr);
    counts[key] = (counts[key] || 0) + 1;
  }
  const legend = Object.fromEntries(await page.locator('#hotspot-legend .count').evaluateAll((spans) => spans.map((s) => [s.dataset.bin, s.textContent])));
  for (const [bin, shown] of Object.entries(legend)) assert.equal(number(shown), counts[bin] || 0, `the legend's count of bin ${bin}`);
  const hotInLegend = ['1', '2', '3'].reduce((sum, b) => sum + number(legend[b]), 0);
  assert.equal(hotInLegend, fc.hot, 'the hot units in the legend and in the API');
  assert.equal(number((await page.locator('#hotspot-summary .hot-count').textContent()).replace(/\D+/, '')), fc.hot);
  assert.ok((await page.locator('#hotspot-summary').textContent()).includes(`n = ${fc.method.n.toLocaleString('id-ID')}`), 'the summary gives n');
  assert.ok(fc.hot > 0, `the sample has no hot spot in ${desa.kabupaten_code} to draw`);

  // Every unit drawn has the API's bin, and every hot unit is drawn (the whole kabupaten is in view).
  const drawn = uniqueBy(await renderedProperties(page, 'hotspot-fill'), 'code');
  for (const p of drawn) assert.equal(p.bin_fdr, bins.get(p.code)?.bin_fdr, `desa ${p.code} drawn in bin ${p.bin_fdr}`);
  const hotDrawn = drawn.filter((p) => p.bin_fdr > 0).map((p) => p.code).sort();
  const hotWanted = [...bins.values()].filter((p) => p.bin_fdr > 0).map((p) => p.code).sort();
  assert.deepEqual(hotDrawn, hotWanted, 'the hot desa drawn');

  // The colour on screen inside the largest desa of the hottest bin is the legend's.
  const hottest = Math.max(...hotWanted.map((c) => bins.get(c).bin_fdr));
  const inBin = fc.features.filter((f) => f.properties.bin_fdr === hottest);
  const largest = inBin.reduce((a, b) => (JSON.stringify(b.geometry).length > JSON.stringify(a.geometry).length ? b : a));
  const point = interiorPoint(largest.geometry);
  const canvas = await page.locator('#peta canvas').boundingBox();
  const at = await page.evaluate((p) => window.map.project(p), point);
  const swatches = Object.fromEntries(await page.locator('#hotspot-legend .swatch').evaluateAll((ss) => ss
    .filter((s) => s.dataset.bin !== 'island')
    .map((s) => [s.dataset.bin, getComputedStyle(s).backgroundColor.match(/[\d.]+/g).slice(0, 3).map(Number)])));
  const pixel = await pixelAt(page, canvas.x + at.x, canvas.y + at.y);
  assert.equal(nearest(pixel, swatches), String(hottest), `desa ${largest.properties.code} (bin ${hottest}) is drawn ${pixel}`);
  await page.locator('#hotspot').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, 'hotspots.png') });
  await assertClean(map);
  await page.close();
});

// parseCSV reads RFC 4180 text into rows of fields.
function parseCSV(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

test('on a tablet the planner spreads 1,300 personnel as the API does, on the map, in its table and its CSV', TEST, async () => {
  const map = await openMap(TABLET);
  const { page } = map;
  const { features: provinsi } = await api('/collections/provinsi/items?properties=code');
  assert.equal(provinsi.length, 1, 'the sample holds one provinsi');
  const area = provinsi[0].properties.code;

  await page.locator('#panel-toggle').tap();
  assert.equal(await page.locator('#plan-areas').inputValue(), area, 'the planner covers the one provinsi by default');
  await page.locator('#plan-available').fill('1300');
  await page.locator('#plan-compute').tap();
  const foot = page.locator('#plan-result table.kabupaten tfoot');
  await foot.waitFor({ timeout: 15_000 });

  const phase = await selectedPhase(page);
  const res = await fetch(new URL('/plan/deployment', server), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ available: 1300, areas: [area], min_per_desa: 0, reserve: 0, election: target.election, phase }),
  });
  assert.equal(res.status, 200);
  const plan = await res.json();
  const expected = Math.min(1300, plan.totals.need);
  assert.equal(plan.totals.allocated, expected, 'the API allocates what is available, or the need');
  assert.equal(number(await foot.locator('td.allocated').textContent()), expected, 'the table total');
  assert.equal(number(await page.locator('#plan-result [data-total=allocated] .value').textContent()), expected);
  assert.equal(number(await page.locator('#plan-result [data-total=need] .value').textContent()), plan.totals.need);
  assert.equal(number(await page.locator('#plan-result [data-total=shortfall] .value').textContent()), plan.totals.shortfall);
  const rows = await page.locator('#plan-result table.kabupaten tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.code, tr.querySelector('td.allocated').textContent]));
  assert.deepEqual(rows.map(([code, n]) => [code, number(n)]), plan.kabupaten.map((k) => [k.code, k.allocated]), 'the kabupaten rows');
  assert.ok(await page.locator('#plan-result .plan-areas .badge').isVisible(), 'the demo label of a plan over demo scores');
  const said = await page.locator('#plan-result').textContent();
  assert.ok(!/null|undefined|\[object/.test(said), `the plan shows a missing value: ${said}`);
  if (plan.totals.shortfall > 0) assert.ok(said.includes(`Kekurangan ${plan.totals.shortfall.toLocaleString('id-ID')} personel`), 'the shortfall is stated');

  // The map colours every desa by its personnel: the target's feature state is its allocation.
  const wanted = plan.desa.find((d) => d.code === target.code);
  assert.equal(await page.evaluate((code) => window.map.getFeatureState({ source: 'desa', sourceLayer: 'desa', id: code }).allocated, target.code),
    wanted.allocated, `the personnel of desa ${target.code} on the map`);

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.locator('#plan-csv').tap()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const [header, ...lines] = parseCSV(await readFile(await download.path(), 'utf8')).filter((r) => r.length > 1);
  const allocated = header.indexOf('allocated');
  assert.ok(allocated >= 0, `no allocated column in ${header}`);
  assert.equal(lines.length, plan.totals.desa, 'a line per desa');
  assert.equal(lines.reduce((sum, r) => sum + Number(r[allocated]), 0), expected, 'the CSV sums to the allocation');
  await page.locator('#plan-result .plan-table.kabupaten').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, 'plan-tablet.png') });

  // Panel closed: the allocation on the map.
  await page.locator('#panel-toggle').tap();
  await settled(page);
  await page.screenshot({ path: join(artifacts, 'plan-map.png') });
  await assertClean(map);
  await page.close();
});
