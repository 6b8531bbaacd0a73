// The analyst map: desa coloured by risk category from petarawan's vector
// tiles, for the election phase chosen, with search, jumps to a unit, a panel
// per unit and exports of the current view. Every request goes to the server
// that served this page: the backdrop is our own boundaries, and labels use
// the browser's fonts.
import { Map as MapLibreMap, NavigationControl, ScaleControl, AttributionControl, Popup } from './vendor/maplibre-gl/maplibre-gl.mjs';

const LEVELS = ['provinsi', 'kabupaten', 'kecamatan', 'desa'];
const TILE_COLLECTIONS = [...LEVELS, 'insiden'];
// Levels labelled on the map from their unit lists.
const LABELLED = ['kabupaten', 'kecamatan'];
const LEVEL_NAMES = { provinsi: 'Provinsi', kabupaten: 'Kabupaten/kota', kecamatan: 'Kecamatan', desa: 'Desa/kelurahan' };
const EXPORT_LIMIT = 10000;
// Layers a click selects from, topmost first.
const CLICKABLE = ['insiden-circle', 'desa-fill', 'kabupaten-fill'];
const LAYER_TOGGLES = {
  'layer-risk': ['kabupaten-fill', 'desa-fill'],
  'layer-incidents': ['insiden-circle'],
  'layer-boundaries': ['desa-line', 'kecamatan-line', 'kabupaten-line', 'provinsi-line'],
  'layer-labels': ['kabupaten-label', 'kecamatan-label', 'desa-label'],
};

const $ = (id) => document.getElementById(id);
const css = getComputedStyle(document.documentElement);
const colour = (name) => css.getPropertyValue(`--${name}`).trim();
const decimal = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('id-ID');
const day = new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const moment = new Intl.DateTimeFormat('id-ID', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' });

let map; // the MapLibre map

const state = {
  elections: [],
  election: '',
  phase: '',
  threats: {}, // code -> name
  dimensions: [], // {code, name}
  selected: null, // {level, code}
  unitRequest: null, // AbortController of the panel's pending request
};

// --- talking to the API -----------------------------------------------------

// apiURL resolves path against the page, so the map works behind a path prefix too.
function apiURL(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  return url.href;
}

async function request(path, params, signal) {
  const res = await fetch(apiURL(path, params), { signal });
  if (!res.ok) {
    let detail = res.statusText;
    try {
      const problem = await res.json();
      detail = problem.detail || problem.title || detail;
    } catch { /* not problem+json */ }
    throw new Error(`${res.status}: ${detail}`);
  }
  return res;
}

const getJSON = async (path, params, signal) => (await request(path, params, signal)).json();

async function getCSV(path, params) {
  const rows = parseCSV(await (await request(path, { ...params, f: 'csv' })).text());
  const header = rows.shift() || [];
  return rows.filter((r) => r.length > 1 || r[0] !== '').map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

// parseCSV reads RFC 4180 text: quoted fields may hold commas, quotes and newlines.
function parseCSV(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const scoreParams = () => ({ election: state.election, phase: state.phase });
const tileJSONURL = (collection) => apiURL(`tiles/${collection}.json`, scoreParams());

// --- small DOM helpers -----------------------------------------------------------

// el builds an element; children are nodes or text (never parsed as HTML).
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

// showMessage tells the user what failed, until they dismiss it with a click.
function showMessage(text) {
  $('message').textContent = `${text} (klik untuk menutup)`;
  $('message').hidden = false;
}

const formatScore = (score) => (score === null || score === undefined ? '–' : decimal.format(score));
const categoryName = (category) => category || 'tanpa skor';

function setPanelOpen(open) {
  document.body.classList.toggle('panel-closed', !open);
  $('panel-toggle').setAttribute('aria-expanded', String(open));
  map?.resize();
}

// --- the map ----------------------------------------------------------------------

function mapStyle() {
  const risk = ['match', ['get', 'category'], 'rendah', colour('rendah'), 'sedang', colour('sedang'), 'tinggi', colour('tinggi'), colour('none')];
  const source = (name) => ({ source: name, 'source-layer': name });
  const width = (...stops) => ['interpolate', ['linear'], ['zoom'], ...stops];
  const label = (id, src, minzoom, maxzoom, size) => ({
    id, type: 'symbol', ...src, minzoom, maxzoom,
    layout: { 'text-field': ['get', 'name'], 'text-size': size, 'text-max-width': 8 },
    paint: { 'text-color': '#1d252c', 'text-halo-color': 'rgba(255,255,255,0.85)', 'text-halo-width': 1.4 },
  });
  const noPoints = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
  return {
    version: 8,
    sources: {
      ...Object.fromEntries(TILE_COLLECTIONS.map((c) => [c, { type: 'vector', url: tileJSONURL(c) }])),
      // One point per unit (filled from the unit lists): a label per polygon would repeat on every tile and island.
      ...Object.fromEntries(LABELLED.map((level) => [`${level}-points`, noPoints])),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#d9e5ee' } },
      { id: 'land', type: 'fill', ...source('provinsi'), paint: { 'fill-color': '#f4f1ea' } },
      { id: 'kabupaten-fill', type: 'fill', ...source('kabupaten'), maxzoom: 8, paint: { 'fill-color': risk, 'fill-opacity': 0.8 } },
      { id: 'desa-fill', type: 'fill', ...source('desa'), minzoom: 8, paint: { 'fill-color': risk, 'fill-opacity': 0.85 } },
      { id: 'desa-line', type: 'line', ...source('desa'), minzoom: 10, paint: { 'line-color': '#ffffff', 'line-width': width(10, 0.3, 15, 1.5) } },
      // The kecamatan polygons are coarser than the desa: closer in, their outlines would cut through desa.
      { id: 'kecamatan-line', type: 'line', ...source('kecamatan'), minzoom: 8, maxzoom: 11.5, paint: { 'line-color': '#6f767e', 'line-width': width(8, 0.5, 11, 1.2) } },
      { id: 'kabupaten-line', type: 'line', ...source('kabupaten'), paint: { 'line-color': '#37414b', 'line-width': width(4, 0.6, 12, 2.4) } },
      { id: 'provinsi-line', type: 'line', ...source('provinsi'), paint: { 'line-color': '#1d252c', 'line-width': width(4, 1, 12, 3) } },
      ...LEVELS.map((level) => ({
        id: `${level}-selected`, type: 'line', ...source(level), filter: ['==', ['get', 'code'], ''],
        paint: { 'line-color': colour('accent'), 'line-width': 3 },
      })),
      { id: 'insiden-circle', type: 'circle', ...source('insiden'), minzoom: 8,
        paint: { 'circle-color': colour('incident'), 'circle-opacity': 0.85, 'circle-radius': width(8, 1.5, 12, 3, 15, 6),
          'circle-stroke-color': '#ffffff', 'circle-stroke-width': width(8, 0.3, 12, 1) } },
      label('kabupaten-label', { source: 'kabupaten-points' }, 7, 10, 13),
      label('kecamatan-label', { source: 'kecamatan-points' }, 10, 13, 12),
      label('desa-label', source('desa'), 13, 24, 11),
    ],
  };
}

function createMap(bounds) {
  map = new MapLibreMap({
    container: 'peta',
    style: mapStyle(),
    bounds,
    fitBoundsOptions: { padding: 20 },
    maxZoom: 18,
    hash: true,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new AttributionControl({ compact: true }), 'bottom-right'); // the tiles' TileJSON names the sources

  map.on('error', (e) => showMessage(`Gagal memuat peta: ${e.error?.message || e.error || 'kesalahan tak dikenal'}`));
  map.on('click', (e) => {
    const [feature] = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((id) => visible(id)) });
    if (!feature) return;
    if (feature.layer.id === 'insiden-circle') showIncident(feature, e.lngLat);
    else selectUnit(feature.layer.id === 'desa-fill' ? 'desa' : 'kabupaten', feature.properties.code);
  });
  map.on('mousemove', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((id) => visible(id)) }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  map.on('moveend', updateExports);
  map.on('idle', updateDemoBanner);
}

const visible = (id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none';

// updateDemoBanner shows the banner while the scores on screen rest on demo data.
function updateDemoBanner() {
  const layers = ['desa-fill', 'kabupaten-fill'].filter((id) => visible(id));
  const features = layers.length ? map.queryRenderedFeatures({ layers }) : [];
  if (features.length) $('demo-banner').hidden = !features.some((f) => f.properties.demo === true);
}

function showIncident(feature, lngLat) {
  const p = feature.properties;
  const body = el('div', {},
    el('strong', {}, p.type_name || p.type),
    moment.format(new Date(p.occurred_at)), ' WIB', el('br'),
    'Desa ', p.desa_code, p.demo === true ? ' · data demo' : '', el('br'),
    el('a', { href: apiURL(`collections/insiden/items/${encodeURIComponent(p.id)}`), target: '_blank' }, 'GeoJSON'));
  new Popup({ closeButton: true, maxWidth: '260px' }).setLngLat(lngLat).setDOMContent(body).addTo(map);
}

// --- the selected unit -------------------------------------------------------------

// selectUnit highlights a unit and shows it in the panel; with zoom, the map moves to it.
async function selectUnit(level, code, { zoom = false } = {}) {
  state.selected = { level, code };
  for (const l of LEVELS) map.setFilter(`${l}-selected`, ['==', ['get', 'code'], l === level ? code : '']);
  state.unitRequest?.abort();
  const controller = new AbortController();
  state.unitRequest = controller;
  let feature;
  try {
    feature = await getJSON(`collections/${level}/items/${encodeURIComponent(code)}`, scoreParams(), controller.signal);
  } catch (err) {
    if (err.name !== 'AbortError') showMessage(`Gagal memuat ${LEVEL_NAMES[level].toLowerCase()} ${code}: ${err.message}`);
    return;
  }
  renderUnit(level, feature);
  setPanelOpen(true);
  if (zoom) fitBBox(geometryBBox(feature.geometry));
}

function renderUnit(level, feature) {
  const p = feature.properties;
  const itemURL = apiURL(`collections/${level}/items/${encodeURIComponent(p.code)}`, scoreParams());
  const explainURL = apiURL(`collections/${level}/items/${encodeURIComponent(p.code)}/explain`, scoreParams());
  const where = [p.kecamatan && `Kec. ${p.kecamatan}`, p.kabupaten, p.provinsi].filter(Boolean).join(', ');
  const codes = [
    ['Kode', p.code],
    ['Kode kecamatan', p.kecamatan_code],
    ['Kode kab/kota', p.kabupaten_code],
    ['Kode provinsi', p.provinsi_code],
    ['Kode KPU 2024', p.kpu_code_2024],
    ['Jumlah TPS', p.tps_count === null || p.tps_count === undefined ? '–' : whole.format(p.tps_count)],
    ['Luas', p.area_km2 === null || p.area_km2 === undefined ? undefined : `${decimal.format(p.area_km2)} km²`],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const phase = currentElection()?.phases.find((ph) => ph.code === p.phase);

  const section = $('unit');
  section.replaceChildren(
    el('button', { type: 'button', class: 'close', title: 'Tutup', 'aria-label': 'Tutup' }, '×'),
    el('h2', {}, p.name),
    el('p', { class: 'where' }, `${capitalise(p.kind || level)}${where ? ' · ' + where : ''}`),
    el('div', { class: 'score-box', dataset: { category: p.category || '' } },
      el('span', { class: 'score' }, formatScore(p.score)),
      el('span', { class: 'category' }, categoryName(p.category)),
      p.demo === true ? el('span', { class: 'badge' }, 'demo') : null),
    el('p', { class: 'note' }, `Skor 0–100 (makin tinggi makin rawan), tahapan ${phase ? phase.name : p.phase || '–'}.`),
    el('dl', {}, codes.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    el('h3', {}, 'Dimensi'),
    el('table', { class: 'dims' }, state.dimensions.map((d) => {
      const v = p[`score_${d.code}`];
      return el('tr', {},
        el('td', {}, d.name),
        el('td', { class: 'bar-cell' }, el('div', { class: 'bar-bg' }, el('div', { class: 'bar-fg', style: `width:${Math.max(0, Math.min(100, v || 0))}%` }))),
        el('td', { class: 'value' }, formatScore(v)));
    })),
    el('h3', {}, 'Ancaman utama'),
    (p.top_threats || []).length
      ? el('ol', { class: 'threats' }, p.top_threats.map((t) => el('li', {}, state.threats[t] || t)))
      : el('p', { class: 'note' }, 'Tidak ada ancaman yang menonjol.'),
    el('p', { class: 'links' },
      el('a', { href: itemURL, target: '_blank' }, 'GeoJSON'),
      el('a', { href: explainURL, target: '_blank' }, 'Penjelasan skor')),
  );
  section.querySelector('.close').addEventListener('click', clearSelection);
  section.hidden = false;
  section.scrollIntoView({ block: 'nearest' });
}

function clearSelection() {
  state.selected = null;
  state.unitRequest?.abort();
  for (const l of LEVELS) map.setFilter(`${l}-selected`, ['==', ['get', 'code'], '']);
  $('unit').hidden = true;
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// geometryBBox is [minLon, minLat, maxLon, maxLat] of a GeoJSON geometry.
function geometryBBox(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return box;
}

const fitBBox = (b) => map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 15, duration: 700 });

// --- elections and phases ----------------------------------------------------------

const currentElection = () => state.elections.find((e) => e.code === state.election);

function fillElections() {
  $('election').replaceChildren(...state.elections.map((e) => el('option', { value: e.code }, e.name)));
  $('election').value = state.election;
  fillPhases();
}

function fillPhases() {
  const election = currentElection();
  $('phase').replaceChildren(...election.phases.map((p) => {
    const dates = p.starts_on === p.ends_on ? day.format(new Date(p.starts_on))
      : `${day.format(new Date(p.starts_on))} – ${day.format(new Date(p.ends_on))}`;
    return el('option', { value: p.code }, `${p.name} (${dates})`);
  }));
  $('phase').value = state.phase;
}

// defaultPhase is the phase under way today (in WIB), else the election's last.
function defaultPhase(election) {
  const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  const current = election.phases.find((p) => p.starts_on <= today && today <= p.ends_on);
  return (current || election.phases[election.phases.length - 1]).code;
}

// showScores points every tile source at the chosen election and phase.
function showScores() {
  for (const c of TILE_COLLECTIONS) map.getSource(c).setUrl(tileJSONURL(c));
  updateExports();
  if (state.selected) selectUnit(state.selected.level, state.selected.code);
}

// --- search ---------------------------------------------------------------------------

let searchRequest;
let searchResults = [];

async function runSearch() {
  const q = $('search').value.trim();
  searchRequest?.abort();
  if (q.length < 2) return showSearchResults(null);
  searchRequest = new AbortController();
  try {
    const { results } = await getJSON('search', { q, limit: 10 }, searchRequest.signal);
    showSearchResults(results);
  } catch (err) {
    if (err.name !== 'AbortError') showMessage(`Pencarian gagal: ${err.message}`);
  }
}

function showSearchResults(results) {
  const list = $('search-results');
  searchResults = results || [];
  list.hidden = results === null;
  $('search').setAttribute('aria-expanded', String(!list.hidden));
  if (results === null) return;
  if (!results.length) {
    list.replaceChildren(el('li', { class: 'empty' }, 'Tidak ditemukan'));
    return;
  }
  list.replaceChildren(...results.map((r, i) => el('li', { role: 'option', id: `search-result-${i}`, dataset: { index: i } },
    `${r.name} `, el('small', {}, `(${capitalise(r.kind || r.level)})`),
    el('span', { class: 'where' }, [r.code, r.kecamatan && `Kec. ${r.kecamatan}`, r.kabupaten, r.provinsi].filter(Boolean).join(' · ')))));
}

function chooseSearchResult(r) {
  showSearchResults(null);
  $('search').value = r.name;
  fitBBox(r.bbox);
  selectUnit(r.level, r.code);
}

function moveSearchCursor(step) {
  const items = [...$('search-results').querySelectorAll('li[role=option]')];
  if (!items.length) return;
  const current = items.findIndex((li) => li.getAttribute('aria-selected') === 'true');
  const next = (current + step + items.length) % items.length;
  items.forEach((li, i) => li.setAttribute('aria-selected', String(i === next)));
  $('search').setAttribute('aria-activedescendant', items[next].id);
  items[next].scrollIntoView({ block: 'nearest' });
}

function wireSearch() {
  let timer;
  $('search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(runSearch, 250); });
  $('search').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); moveSearchCursor(e.key === 'ArrowDown' ? 1 : -1); }
    else if (e.key === 'Escape') showSearchResults(null);
    else if (e.key === 'Enter') {
      const active = $('search-results').querySelector('li[aria-selected=true]');
      const r = searchResults[active ? Number(active.dataset.index) : 0];
      if (r) { e.preventDefault(); chooseSearchResult(r); }
    }
  });
  $('search-results').addEventListener('click', (e) => {
    const li = e.target.closest('li[role=option]');
    if (li) chooseSearchResult(searchResults[Number(li.dataset.index)]);
  });
  document.addEventListener('click', (e) => { if (!e.target.closest('.search')) showSearchResults(null); });
}

// --- jumping to a unit -------------------------------------------------------------

const JUMPS = [
  { level: 'provinsi', select: 'jump-provinsi' },
  { level: 'kabupaten', select: 'jump-kabupaten' },
  { level: 'kecamatan', select: 'jump-kecamatan' },
];

// units lists the units of a level (code, name and a point on their surface):
// a CSV page carries no geometry, so even the kecamatan of all Indonesia stay small.
const unitLists = {};
function units(level) {
  unitLists[level] ||= getCSV(`collections/${level}/items`, { properties: 'code,name', limit: EXPORT_LIMIT })
    .then((rows) => rows.sort((a, b) => a.name.localeCompare(b.name, 'id')));
  return unitLists[level];
}

// A code's parent is its prefix: 36.01.02 lies in 36.01.
const parentOf = (code) => code.slice(0, code.lastIndexOf('.'));

// fillJump offers the units of a level within the parent chosen above it.
async function fillJump(index, parentCode) {
  const jump = JUMPS[index];
  const select = $(jump.select);
  for (const later of JUMPS.slice(index)) {
    const s = $(later.select);
    s.replaceChildren(s.options[0]);
    s.disabled = true;
  }
  if (index > 0 && !parentCode) return;
  let rows;
  try {
    rows = (await units(jump.level)).filter((u) => index === 0 || parentOf(u.code) === parentCode);
  } catch (err) {
    showMessage(`Gagal memuat daftar ${LEVEL_NAMES[jump.level].toLowerCase()}: ${err.message}`);
    return;
  }
  select.append(...rows.map((u) => el('option', { value: u.code }, `${u.name} (${u.code})`)));
  select.disabled = false;
  if (rows.length === 1 && index + 1 < JUMPS.length) {
    select.value = rows[0].code;
    fillJump(index + 1, rows[0].code);
  }
}

function wireJumps() {
  JUMPS.forEach((jump, i) => $(jump.select).addEventListener('change', (e) => {
    const code = e.target.value;
    if (i + 1 < JUMPS.length) fillJump(i + 1, code);
    if (code) selectUnit(jump.level, code, { zoom: true });
  }));
  fillJump(0);
}

// showLabels puts the names of the labelled levels on the map.
async function showLabels() {
  for (const level of LABELLED) {
    let rows;
    try {
      rows = await units(level);
    } catch {
      continue; // the jump lists say so
    }
    map.getSource(`${level}-points`).setData({
      type: 'FeatureCollection',
      features: rows.filter((u) => u.lon !== '' && u.lat !== '').map((u) => ({
        type: 'Feature', properties: { code: u.code, name: u.name }, geometry: { type: 'Point', coordinates: [Number(u.lon), Number(u.lat)] },
      })),
    });
  }
}

// --- layers, exports, panel ------------------------------------------------------------

function wireLayerToggles() {
  for (const [id, layers] of Object.entries(LAYER_TOGGLES)) {
    $(id).addEventListener('change', (e) => {
      for (const layer of layers) map.setLayoutProperty(layer, 'visibility', e.target.checked ? 'visible' : 'none');
    });
  }
}

// updateExports points the download links at the desa in view.
function updateExports() {
  if (!map) return;
  const b = map.getBounds();
  const lon = (v) => Math.max(-180, Math.min(180, v)).toFixed(5);
  const lat = (v) => Math.max(-90, Math.min(90, v)).toFixed(5);
  const params = { bbox: [lon(b.getWest()), lat(b.getSouth()), lon(b.getEast()), lat(b.getNorth())].join(','), limit: EXPORT_LIMIT, ...scoreParams() };
  Object.assign($('export-geojson'), { href: apiURL('collections/desa/items', params), download: `desa-${state.phase}.geojson` });
  Object.assign($('export-csv'), { href: apiURL('collections/desa/items', { ...params, f: 'csv' }), download: `desa-${state.phase}.csv` });
}

function showThresholds(thresholds) {
  const by = Object.fromEntries(thresholds.map((t) => [t.level, t]));
  const text = (t) => `sedang ≥ ${decimal.format(t.sedang)}, tinggi ≥ ${decimal.format(t.tinggi)}`;
  $('thresholds').textContent = [by.desa && `Ambang desa: ${text(by.desa)}.`, by.kabupaten && `Kabupaten/kota: ${text(by.kabupaten)}.`]
    .filter(Boolean).join(' ');
}

async function main() {
  $('message').addEventListener('click', () => { $('message').hidden = true; });
  $('panel-toggle').addEventListener('click', () => setPanelOpen(document.body.classList.contains('panel-closed')));
  if (matchMedia('(max-width: 900px)').matches) setPanelOpen(false);
  let elections, threats, dimensions, thresholds, desa;
  try {
    [{ elections }, { threats }, { dimensions }, { thresholds }, desa] = await Promise.all(
      ['elections', 'threats', 'dimensions', 'thresholds', 'collections/desa'].map((path) => getJSON(path)));
  } catch (err) {
    showMessage(`Gagal memuat data awal: ${err.message}`);
    return;
  }
  if (!elections.length) {
    showMessage('Belum ada pemilu yang dinilai.');
    return;
  }
  state.elections = elections;
  state.election = elections[0].code;
  state.phase = defaultPhase(elections[0]);
  state.threats = Object.fromEntries(threats.map((t) => [t.code, t.name]));
  state.dimensions = dimensions;
  showThresholds(thresholds);
  fillElections();

  // The desa held, else all of Indonesia.
  const [minLon, minLat, maxLon, maxLat] = desa.extent?.spatial?.bbox?.[0] || [95, -11, 141, 6];
  createMap([[minLon, minLat], [maxLon, maxLat]]);
  window.map = map; // for the browser test and the console
  updateExports();

  // Phases, selections, filters and layer switches need the style: wire them once it is there.
  map.once('load', () => {
    $('election').addEventListener('change', (e) => {
      state.election = e.target.value;
      state.phase = defaultPhase(currentElection());
      fillPhases();
      showScores();
    });
    $('phase').addEventListener('change', (e) => {
      state.phase = e.target.value;
      showScores();
    });
    $('election').disabled = $('phase').disabled = false;
    wireSearch();
    wireJumps();
    wireLayerToggles();
    showLabels();
  });
}

main();
