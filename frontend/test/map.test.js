// The analyst map in a real browser: Debian's chromium driven by playwright-core
// against a running petarawan (PETARAWAN_URL; api/browser_test.go starts one
// over the Banten sample). Every expectation is checked against the API itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
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
