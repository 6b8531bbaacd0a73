// The analyst map: desa coloured by risk category from petarawan's vector
// tiles, for the election phase chosen, with search, jumps to a unit, a panel
// per unit and exports of the current view; H3 hexagons, Gi* hot spots of an
// area and the personnel planner on top. Every request goes to the server
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
const CLICKABLE = ['insiden-circle', 'hotspot-fill', 'hotspot-island', 'h3-fill', 'plan-fill', 'desa-fill', 'kabupaten-fill'];
const LAYER_TOGGLES = {
  'layer-risk': ['kabupaten-fill', 'desa-fill'],
  'layer-incidents': ['insiden-circle'],
  'layer-boundaries': ['desa-line', 'kecamatan-line', 'kabupaten-line', 'provinsi-line'],
  'layer-labels': ['kabupaten-label', 'kecamatan-label', 'desa-label'],
  'layer-h3': ['h3-fill', 'h3-line', 'h3-selected'],
  'layer-hotspot': ['hotspot-fill', 'hotspot-island', 'hotspot-line', 'hotspot-selected'],
};
// Gi* confidence bins, hot to cold: 3/2/1 a hot spot at 99/95/90 %, 0 none, -1/-2/-3 a cold spot.
const BINS = [3, 2, 1, 0, -1, -2, -3];
const BIN_NAMES = { 3: 'Panas 99%', 2: 'Panas 95%', 1: 'Panas 90%', 0: 'Tidak signifikan', '-1': 'Dingin 90%', '-2': 'Dingin 95%', '-3': 'Dingin 99%' };
// The opacity of the risk layers (less while hot spots are shown).
const RISK_OPACITY = { 'kabupaten-fill': 0.8, 'desa-fill': 0.85 };
// Colours of a plan's desa given no personnel, then of its classes of
// personnel per desa, fewest first (ColorBrewer Blues: apart from the risk
// colours and the purple incidents).
const PLAN_NONE = '#f0f0f0';
const PLAN_COLOURS = ['#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#084594'];
// TPS classes of the planner, lightest first.
const TPS_CLASSES = { kurang_rawan: 'kurang rawan', rawan: 'rawan', sangat_rawan: 'sangat rawan' };

const $ = (id) => document.getElementById(id);
// Narrow screens (tablets): the panel slides over the map (style.css).
const narrow = matchMedia('(max-width: 900px)');
const css = getComputedStyle(document.documentElement);
const colour = (name) => css.getPropertyValue(`--${name}`).trim();
const decimal = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('id-ID');
const percent = new Intl.NumberFormat('id-ID', { style: 'percent', maximumFractionDigits: 1 });
const thousandths = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const pValue = (p) => (p < 0.001 ? 'p < 0,001' : `p = ${thousandths.format(p)}`);
const day = new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const moment = new Intl.DateTimeFormat('id-ID', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' });

let map; // the MapLibre map

const state = {
  elections: [],
  election: '',
  phase: '',
  threats: {}, // code -> name
  dimensions: [], // {code, name}
  selected: null, // {level, code}, and res for an H3 cell (level 'h3')
  unitRequest: null, // AbortController of the panel's pending request
  h3Res: '', // the H3 layer's fixed resolution, '' to follow the zoom
  hotspot: null, // the analysis shown: {area: {code, name}, res (of H3 cells), byId (properties by desa code or cell)}
  hotspotRequest: null, // AbortController of the pending analysis
  hotspotFit: false, // the map moves to the area of the next analysis shown
  plan: null, // the plan shown: {input, body, result, byCode, most (personnel of a desa), classes}
  planRequest: null, // AbortController of the pending plan
  planShown: true, // the plan is drawn on the map
  planAreasEdited: false, // the planner's areas were typed, not suggested
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

// request fetches path (GET unless init says otherwise) and turns a problem+json answer into an Error.
async function request(path, params, init = {}) {
  const res = await fetch(apiURL(path, params), init);
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

const getJSON = async (path, params, signal) => (await request(path, params, { signal })).json();

// postJSON sends body as JSON; the answer's format is up to params (f).
const postJSON = (path, params, body, signal) => request(path, params, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal,
});

async function getCSV(path, params, signal) {
  const rows = parseCSV(await (await request(path, { ...params, f: 'csv' }, { signal })).text());
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
// The H3 tiles: a fixed resolution, or the one the zoom calls for.
const h3TileJSONURL = () => tileJSONURL(state.h3Res ? `h3-${state.h3Res}` : 'h3');

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
const binOf = (p) => p.bin_fdr ?? p.bin;
const demoBadge = (demo) => (demo === true ? el('span', { class: 'badge', title: 'Skor dari data demo, bukan penilaian lapangan' }, 'demo') : null);

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
  const bin = ['coalesce', ['get', 'bin_fdr'], ['get', 'bin']];
  const binColours = ['match', bin, ...BINS.filter((b) => b !== 0).flatMap((b) => [b, colour(`bin${b}`)]), colour('bin0')];
  const hidden = { visibility: 'none' };
  return {
    version: 8,
    sources: {
      // The desa are known by their code, for the planner's feature states.
      ...Object.fromEntries(TILE_COLLECTIONS.map((c) => [c, { type: 'vector', url: tileJSONURL(c), ...(c === 'desa' && { promoteId: 'code' }) }])),
      h3: { type: 'vector', url: h3TileJSONURL() },
      hotspots: noPoints,
      // One point per unit (filled from the unit lists): a label per polygon would repeat on every tile and island.
      ...Object.fromEntries(LABELLED.map((level) => [`${level}-points`, noPoints])),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#d9e5ee' } },
      { id: 'land', type: 'fill', ...source('provinsi'), paint: { 'fill-color': '#f4f1ea' } },
      { id: 'kabupaten-fill', type: 'fill', ...source('kabupaten'), maxzoom: 8, paint: { 'fill-color': risk, 'fill-opacity': RISK_OPACITY['kabupaten-fill'] } },
      { id: 'desa-fill', type: 'fill', ...source('desa'), minzoom: 8, paint: { 'fill-color': risk, 'fill-opacity': RISK_OPACITY['desa-fill'] } },
      // The plan's personnel per desa, from feature states (showPlanOnMap); desa outside the plan stay clear.
      { id: 'plan-fill', type: 'fill', ...source('desa'), minzoom: 8, layout: hidden, paint: planPaint([1]) },
      { id: 'h3-fill', type: 'fill', ...source('h3'), layout: hidden, paint: { 'fill-color': risk, 'fill-opacity': 0.8 } },
      { id: 'h3-line', type: 'line', ...source('h3'), layout: hidden, paint: { 'line-color': '#ffffff', 'line-opacity': 0.7, 'line-width': width(6, 0.3, 12, 1) } },
      { id: 'hotspot-fill', type: 'fill', source: 'hotspots', filter: ['!', ['get', 'island']], layout: hidden,
        paint: { 'fill-color': binColours } },
      { id: 'hotspot-island', type: 'fill', source: 'hotspots', filter: ['get', 'island'], layout: hidden, paint: { 'fill-pattern': 'hatch' } },
      { id: 'hotspot-line', type: 'line', source: 'hotspots', layout: hidden, paint: { 'line-color': 'rgba(40,40,40,0.45)', 'line-width': width(8, 0.3, 12, 0.8) } },
      { id: 'desa-line', type: 'line', ...source('desa'), minzoom: 10, paint: { 'line-color': '#ffffff', 'line-width': width(10, 0.3, 15, 1.5) } },
      // The kecamatan polygons are coarser than the desa: closer in, their outlines would cut through desa.
      { id: 'kecamatan-line', type: 'line', ...source('kecamatan'), minzoom: 8, maxzoom: 11.5, paint: { 'line-color': '#6f767e', 'line-width': width(8, 0.5, 11, 1.2) } },
      { id: 'kabupaten-line', type: 'line', ...source('kabupaten'), paint: { 'line-color': '#37414b', 'line-width': width(4, 0.6, 12, 2.4) } },
      { id: 'provinsi-line', type: 'line', ...source('provinsi'), paint: { 'line-color': '#1d252c', 'line-width': width(4, 1, 12, 3) } },
      ...LEVELS.map((level) => ({
        id: `${level}-selected`, type: 'line', ...source(level), filter: ['==', ['get', 'code'], ''],
        paint: { 'line-color': colour('accent'), 'line-width': 3 },
      })),
      ...[['h3-selected', source('h3')], ['hotspot-selected', { source: 'hotspots' }]].map(([id, src]) => ({
        id, type: 'line', ...src, filter: ['==', ['get', 'h3'], ''], layout: hidden, paint: { 'line-color': colour('accent'), 'line-width': 3 },
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

// planPaint colours a desa by the class of the personnel the plan gives it
// (its feature state allocated): none, then a class from each lower bound;
// desa without a state stay clear.
function planPaint(bounds) {
  const colours = PLAN_COLOURS.slice(PLAN_COLOURS.length - bounds.length);
  return {
    'fill-color': ['step', ['coalesce', ['feature-state', 'allocated'], 0], PLAN_NONE, ...bounds.flatMap((b, i) => [b, colours[i]])],
    'fill-opacity': ['case', ['==', ['typeof', ['feature-state', 'allocated']], 'number'], 0.9, 0],
  };
}

// planClasses splits the personnel per desa, 1 to max, into up to five
// classes growing geometrically (most desa get one or two, a few many), as
// the lower bounds of the classes.
function planClasses(max) {
  const bounds = [1];
  for (let i = 1; i < PLAN_COLOURS.length; i++) {
    const n = Math.round(max ** (i / PLAN_COLOURS.length));
    if (n > bounds[bounds.length - 1]) bounds.push(n);
  }
  return bounds;
}

// hatchImage is the diagonal hatching of the hot spot analysis' islands.
function hatchImage() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const line = (x + y) % size < 2;
      data.set(line ? [90, 90, 90, 220] : [200, 200, 200, 110], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
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
  map.addImage('hatch', hatchImage()); // the islands' fill-pattern
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new AttributionControl({ compact: true }), 'bottom-right'); // the tiles' TileJSON names the sources

  map.on('error', (e) => showMessage(`Gagal memuat peta: ${e.error?.message || e.error || 'kesalahan tak dikenal'}`));
  map.on('click', (e) => {
    const [feature] = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((id) => visible(id)) });
    if (!feature) return;
    const { id } = feature.layer, p = feature.properties;
    if (id === 'insiden-circle') showIncident(feature, e.lngLat);
    // A hot spot unit is a desa or a cell of the analysis' resolution.
    else if (p.h3) selectUnit('h3', p.h3, { res: p.res ?? state.hotspot?.res });
    else selectUnit(id.includes('kabupaten') ? 'kabupaten' : 'desa', p.code);
  });
  map.on('mousemove', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((id) => visible(id)) }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  map.on('moveend', updateExports);
  map.on('moveend', followHotspotArea);
  map.on('idle', updateDemoBanner);
  map.on('idle', updateH3Note);
}

const visible = (id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none';

// updateDemoBanner shows the banner while the scores on screen rest on demo data.
function updateDemoBanner() {
  const layers = ['desa-fill', 'kabupaten-fill', 'h3-fill'].filter((id) => visible(id));
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

// itemPath is where the API serves a unit: an admin unit, or an H3 cell (level 'h3').
const itemPath = ({ level, code, res }) => (level === 'h3'
  ? `collections/h3-${res}/items/${encodeURIComponent(code)}`
  : `collections/${level}/items/${encodeURIComponent(code)}`);

// highlight outlines the selected unit (none for null).
function highlight(selected) {
  for (const l of LEVELS) map.setFilter(`${l}-selected`, ['==', ['get', 'code'], selected?.level === l ? selected.code : '']);
  for (const id of ['h3-selected', 'hotspot-selected']) map.setFilter(id, ['==', ['get', 'h3'], selected?.level === 'h3' ? selected.code : '']);
}

// selectUnit highlights a unit (an admin unit, or an H3 cell of resolution
// res) and shows it in the panel; with zoom, the map moves to it.
async function selectUnit(level, code, { zoom = false, res } = {}) {
  state.selected = { level, code, res };
  highlight(state.selected);
  state.unitRequest?.abort();
  const controller = new AbortController();
  state.unitRequest = controller;
  let feature;
  try {
    feature = await getJSON(itemPath(state.selected), scoreParams(), controller.signal);
  } catch (err) {
    const what = level === 'h3' ? 'sel H3' : LEVEL_NAMES[level].toLowerCase();
    if (err.name !== 'AbortError') showMessage(`Gagal memuat ${what} ${code}: ${err.message}`);
    return;
  }
  if (level === 'h3') renderCell(feature);
  else renderUnit(level, feature);
  setPanelOpen(true);
  if (zoom) fitBBox(bboxOf(feature.geometry.coordinates));
}

// showInPanel puts a unit's details in the panel, under a close button; null children are left out.
function showInPanel(...children) {
  const section = $('unit');
  section.replaceChildren(el('button', { type: 'button', class: 'close', title: 'Tutup', 'aria-label': 'Tutup' }, '×'), ...children.flat().filter(Boolean));
  section.querySelector('.close').addEventListener('click', clearSelection);
  section.hidden = false;
  section.scrollIntoView({ block: 'nearest' });
}

const scoreBox = (p) => el('div', { class: 'score-box', dataset: { category: p.category || '' } },
  el('span', { class: 'score' }, formatScore(p.score)),
  el('span', { class: 'category' }, categoryName(p.category)),
  demoBadge(p.demo));

const phaseName = (code) => currentElection()?.phases.find((ph) => ph.code === code)?.name || code || '–';

const definitions = (rows) => el('dl', {}, rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
  .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

function renderUnit(level, feature) {
  const p = feature.properties;
  const itemURL = apiURL(itemPath({ level, code: p.code }), scoreParams());
  const explainURL = apiURL(`${itemPath({ level, code: p.code })}/explain`, scoreParams());
  const where = [p.kecamatan && `Kec. ${p.kecamatan}`, p.kabupaten, p.provinsi].filter(Boolean).join(', ');
  showInPanel(
    el('h2', {}, p.name),
    el('p', { class: 'where' }, `${capitalise(p.kind || level)}${where ? ' · ' + where : ''}`),
    scoreBox(p),
    el('p', { class: 'note' }, `Skor 0–100 (makin tinggi makin rawan), tahapan ${phaseName(p.phase)}.`),
    definitions([
      ['Kode', p.code],
      ['Kode kecamatan', p.kecamatan_code],
      ['Kode kab/kota', p.kabupaten_code],
      ['Kode provinsi', p.provinsi_code],
      ['Kode KPU 2024', p.kpu_code_2024],
      ['Jumlah TPS', p.tps_count === null || p.tps_count === undefined ? '–' : whole.format(p.tps_count)],
      ['Luas', p.area_km2 === null || p.area_km2 === undefined ? undefined : `${decimal.format(p.area_km2)} km²`],
    ]),
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
    planBlock(p.code),
    hotspotBlock(p.code),
    el('p', { class: 'links' },
      el('a', { href: itemURL, target: '_blank' }, 'GeoJSON'),
      el('a', { href: explainURL, target: '_blank' }, 'Penjelasan skor')),
  );
}

// renderCell shows an H3 cell: the scores of the desa overlapping it.
function renderCell(feature) {
  const p = feature.properties;
  const count = (n) => (n === null || n === undefined ? '–' : whole.format(n));
  showInPanel(
    el('h2', {}, `Sel H3 ${p.h3}`),
    el('p', { class: 'where' }, `Heksagon H3 resolusi ${p.res}${p.area_km2 ? ` · ${decimal.format(p.area_km2)} km²` : ''}`),
    scoreBox(p),
    el('p', { class: 'note' }, `Skor rata-rata desa/kelurahan yang beririsan dengan sel, dibobot luas irisan; tahapan ${phaseName(p.phase)}.`),
    definitions([
      ['Skor (bobot TPS)', formatScore(p.score_tps)],
      ['Skor tertinggi', formatScore(p.score_max)],
      ['Jumlah desa', count(p.desa_count)],
      ['Desa rendah', count(p.rendah)],
      ['Desa sedang', count(p.sedang)],
      ['Desa tinggi', count(p.tinggi)],
      ['TPS (menurut luas)', p.tps === null || p.tps === undefined ? '–' : decimal.format(p.tps)],
      ['Tercakup desa', p.covered_fraction === null || p.covered_fraction === undefined ? '–' : percent.format(p.covered_fraction)],
    ]),
    hotspotBlock(p.h3),
    el('p', { class: 'links' }, el('a', { href: apiURL(itemPath({ level: 'h3', code: p.h3, res: p.res }), scoreParams()), target: '_blank' }, 'GeoJSON')),
  );
}

// hotspotBlock gives a unit's Gi* result in the analysis shown, if it is in it.
function hotspotBlock(id) {
  const h = state.hotspot?.byId.get(id);
  if (!h) return null;
  const bin = binOf(h);
  return [
    el('h3', {}, 'Hotspot (Gi*)'),
    h.island
      ? el('p', { class: 'hotspot-result' }, el('span', { class: 'swatch', dataset: { bin: 'island' } }),
        ' Tanpa tetangga di wilayah analisis: tidak ada statistik.')
      : el('p', { class: 'hotspot-result' }, el('span', { class: 'swatch', dataset: { bin } }),
        ` ${BIN_NAMES[bin]} · z = ${decimal.format(h.z)} · ${pValue(h.p)}`),
  ];
}

// planBlock gives the personnel the plan shown allots a unit, if it is in it.
function planBlock(code) {
  const a = state.plan?.byCode.get(code);
  if (!a) return null;
  return [
    el('h3', {}, 'Alokasi personel'),
    definitions([
      ['Kebutuhan', whole.format(a.need)],
      ['Dialokasikan', whole.format(a.allocated)],
      ['Kekurangan', whole.format(a.shortfall)],
    ]),
  ];
}

function clearSelection() {
  state.selected = null;
  state.unitRequest?.abort();
  highlight(null);
  $('unit').hidden = true;
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// bboxOf is [minLon, minLat, maxLon, maxLat] of GeoJSON coordinates, nested to any depth.
function bboxOf(coordinates) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  walk(coordinates);
  return box;
}

// fitBBox shows a box, clear of the panel where it lies over the map (narrow screens).
function fitBBox(b) {
  const overlaid = narrow.matches && !document.body.classList.contains('panel-closed');
  const left = overlaid ? $('panel').offsetWidth + 20 : 40;
  const padding = { top: 40, right: 40, bottom: 40, left: left < map.getCanvas().clientWidth / 2 ? left : 40 };
  map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding, maxZoom: 15, duration: 700 });
}

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

// showScores points every tile source, the hot spots and the plan at the chosen election and phase.
function showScores() {
  for (const c of TILE_COLLECTIONS) map.getSource(c).setUrl(tileJSONURL(c));
  map.getSource('h3').setUrl(h3TileJSONURL());
  updateExports();
  if ($('layer-hotspot').checked) loadHotspots();
  if (state.plan) computePlan(state.plan.input);
  if (state.selected) selectUnit(state.selected.level, state.selected.code, { res: state.selected.res });
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
    if (jump.level !== 'kecamatan') suggestPlanArea($('jump-kabupaten').value || $('jump-provinsi').value);
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

// --- H3 hexagons ------------------------------------------------------------------------

function wireH3() {
  $('layer-h3').addEventListener('change', (e) => {
    $('h3-controls').hidden = !e.target.checked;
    if (!e.target.checked && state.selected?.level === 'h3') clearSelection();
  });
  $('h3-res').addEventListener('change', (e) => {
    state.h3Res = e.target.value;
    map.getSource('h3').setUrl(h3TileJSONURL());
  });
}

// updateH3Note says which resolution the hexagons on screen have.
function updateH3Note() {
  if (!visible('h3-fill')) return;
  const shown = new Set(map.queryRenderedFeatures({ layers: ['h3-fill'] }).map((f) => f.properties.res));
  $('h3-note').textContent = shown.size
    ? `Resolusi di layar: ${[...shown].sort().join(', ')}.`
    : 'Tidak ada sel di layar (heksagon tampil mulai zoom 5).';
}

// --- hot spots ----------------------------------------------------------------------------

// fillHotspotAreas offers the provinsi and kabupaten as areas of the analysis.
async function fillHotspotAreas() {
  let levels;
  try {
    levels = await Promise.all(['provinsi', 'kabupaten'].map((level) => units(level)));
  } catch {
    return; // the jump lists say so
  }
  $('hotspot-area').append(...levels.map((rows, i) => el('optgroup', { label: LEVEL_NAMES[i ? 'kabupaten' : 'provinsi'] },
    rows.map((u) => el('option', { value: u.code, dataset: { name: u.name } }, `${u.name} (${u.code})`)))));
}

// centreKabupaten is the kabupaten/kota under the middle of the map, or null (at sea).
async function centreKabupaten(signal) {
  const { lng, lat } = map.getCenter();
  const bbox = [lng, lat, lng + 1e-6, lat + 1e-6].map((v) => v.toFixed(6)).join(',');
  const [u] = await getCSV('collections/kabupaten/items', { bbox, properties: 'code,name', limit: 1 }, signal);
  return u ? { code: u.code, name: u.name } : null;
}

// chosenHotspotArea is the area picked in the list, or null to follow the map.
function chosenHotspotArea() {
  const option = $('hotspot-area').selectedOptions[0];
  return option?.value ? { code: option.value, name: option.dataset.name } : null;
}

// loadHotspots runs the analysis the controls ask for over area (by default
// the one picked, else the kabupaten/kota in the middle of the map) and
// shows it; the map moves to an area picked (state.hotspotFit) once it is shown.
async function loadHotspots(area = chosenHotspotArea()) {
  state.hotspotRequest?.abort();
  const controller = new AbortController();
  state.hotspotRequest = controller;
  const summary = $('hotspot-summary');
  summary.replaceChildren('Menghitung…');
  try {
    area ||= await centreKabupaten(controller.signal);
    if (!area) {
      summary.replaceChildren('Tidak ada kabupaten/kota di tengah peta: geser peta atau pilih wilayah.');
      return;
    }
    const unit = $('hotspot-unit').value;
    const fc = await getJSON('hotspots', {
      area: area.code, unit, res: unit === 'h3' ? $('hotspot-res').value : undefined,
      value: $('hotspot-value').value, fdr: $('hotspot-fdr').checked, ...scoreParams(),
    }, controller.signal);
    showHotspots(area, fc);
    const geometries = fc.features.map((f) => f.geometry?.coordinates).filter(Boolean);
    if (state.hotspotFit && geometries.length) fitBBox(bboxOf(geometries));
    state.hotspotFit = false;
  } catch (err) {
    if (err.name === 'AbortError') return;
    summary.replaceChildren(el('span', { class: 'error' }, `Analisis hotspot gagal: ${err.message}`));
  }
}

// followHotspotArea reruns an analysis that follows the map when its middle
// moves to another kabupaten/kota.
let followed = 0;
async function followHotspotArea() {
  if (!$('layer-hotspot').checked || chosenHotspotArea()) return;
  const turn = ++followed;
  let area;
  try {
    area = await centreKabupaten();
  } catch {
    return; // the next move tries again
  }
  if (turn === followed && area && area.code !== state.hotspot?.area.code) loadHotspots(area);
}

// valueName is the name the value list gives a hot spot value.
const valueName = (value) => [...$('hotspot-value').options].find((o) => o.value === value)?.text || value;

// showHotspots draws the units of an analysis by their bin (bin_fdr with
// FDR), counts them in the legend and sums up the method under it.
function showHotspots(area, fc) {
  const m = fc.method;
  const counts = Object.fromEntries([...BINS, 'island'].map((b) => [b, 0]));
  for (const { properties: p } of fc.features) counts[p.island ? 'island' : binOf(p)]++;
  state.hotspot = { area, res: m.res, byId: new Map(fc.features.map(({ properties: p }) => [p.h3 || p.code, p])) };
  map.getSource('hotspots').setData(fc);
  for (const span of $('hotspot-legend').querySelectorAll('.count')) span.textContent = whole.format(counts[span.dataset.bin]);
  const units = m.unit === 'h3' ? `sel H3 resolusi ${m.res}` : 'desa/kelurahan';
  const weights = m.unit === 'h3'
    ? `cincin-k (k = ${m.k}): sel dalam ${m.k} langkah grid`
    : 'ketetanggaan queen: desa yang bersinggungan';
  $('hotspot-summary').replaceChildren(el('span', {},
    el('strong', {}, `${area.name} (${area.code})`), ' ', demoBadge(fc.demo), el('br'),
    `${valueName(m.value)}, tahapan ${phaseName(m.phase)}. ${m.statistic}: n = ${whole.format(m.n)} ${units}; bobot biner ${weights}, `,
    'termasuk unit itu sendiri. ',
    m.fdr ? 'Dengan koreksi FDR Benjamini-Hochberg. ' : 'Tanpa koreksi FDR. ',
    el('span', { class: 'hot-count' }, `Panas: ${whole.format(fc.hot)}`), ', ',
    el('span', { class: 'cold-count' }, `dingin: ${whole.format(fc.cold)}`),
    `, tanpa tetangga: ${whole.format(m.islands)}.`,
    m.unit === 'h3' && m.value !== 'incidents'
      ? el('span', { class: 'caveat' }, ' Catatan: sel yang bertetangga berbagi skor desa yang sama sehingga cenderung mengelompok; '
        + 'untuk inferensi gunakan satuan desa.')
      : null,
  ));
}

function wireHotspots() {
  // The dimensions can be analysed too, between the composite and the incidents.
  $('hotspot-value').options[0].after(...state.dimensions.map((d) => el('option', { value: d.code }, `Dimensi: ${d.name}`)));
  $('layer-hotspot').addEventListener('change', (e) => {
    $('hotspot').hidden = !e.target.checked;
    // The risk colours fade under an analysis: tinggi and a hot spot are both red.
    for (const [layer, opacity] of Object.entries(RISK_OPACITY)) map.setPaintProperty(layer, 'fill-opacity', e.target.checked ? 0.3 : opacity);
    if (e.target.checked) {
      state.hotspotFit = chosenHotspotArea() !== null;
      loadHotspots();
      return;
    }
    state.hotspotRequest?.abort();
    state.hotspot = null;
    map.getSource('hotspots').setData({ type: 'FeatureCollection', features: [] });
  });
  $('hotspot-area').addEventListener('change', () => {
    state.hotspotFit = chosenHotspotArea() !== null;
    loadHotspots();
  });
  $('hotspot-unit').addEventListener('change', (e) => {
    $('hotspot-res-label').hidden = e.target.value !== 'h3';
    loadHotspots();
  });
  for (const id of ['hotspot-res', 'hotspot-value', 'hotspot-fdr']) $(id).addEventListener('change', () => loadHotspots());
  fillHotspotAreas();
}

// --- the personnel planner ----------------------------------------------------------

// planInput reads the planner's form: the body of POST /plan/deployment, less the phase.
function planInput() {
  const number = (id) => Number($(id).value || 0);
  return {
    available: number('plan-available'),
    areas: $('plan-areas').value.split(/[\s,;]+/).filter(Boolean),
    min_per_desa: number('plan-min'),
    reserve: number('plan-reserve'),
  };
}

// computePlan asks the server for the plan of input in the phase chosen and shows it.
async function computePlan(input) {
  state.planRequest?.abort();
  const controller = new AbortController();
  state.planRequest = controller;
  const body = { ...input, ...scoreParams() };
  $('plan-compute').disabled = true;
  let result;
  try {
    result = await (await postJSON('plan/deployment', {}, body, controller.signal)).json();
  } catch (err) {
    if (err.name === 'AbortError') return;
    state.plan = null;
    clearPlanFromMap();
    $('plan-csv').disabled = true;
    $('plan-result').replaceChildren(el('p', { class: 'error' }, `Perencanaan gagal: ${err.message}`));
    $('plan-result').hidden = false;
    return;
  } finally {
    if (state.planRequest === controller) $('plan-compute').disabled = false;
  }
  const most = result.desa.reduce((m, d) => Math.max(m, d.allocated), 0);
  state.plan = {
    input, body, result, most, classes: planClasses(most),
    byCode: new Map([...result.desa, ...result.kecamatan, ...result.kabupaten].map((u) => [u.code, u])),
  };
  showPlanOnMap(result);
  renderPlan(result);
  $('plan-csv').disabled = false;
  if (state.selected && state.selected.level !== 'h3') selectUnit(state.selected.level, state.selected.code);
}

// planTable lists the areas of a level with their sums, and their total at the foot.
function planTable(rows, level) {
  const columns = ['desa', 'need', 'allocated', 'shortfall'];
  const sum = (key) => rows.reduce((n, a) => n + a[key], 0);
  const table = el('table', { class: `plan-table ${level}` },
    el('thead', {}, el('tr', {}, ['Wilayah', 'Desa', 'Kebutuhan', 'Alokasi', 'Kurang'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((a) => el('tr', { dataset: { code: a.code }, title: `Perbesar ke ${a.name}` },
      el('td', {}, a.name, el('small', {}, a.code)),
      columns.map((key) => el('td', { class: key }, whole.format(a[key])))))),
    el('tfoot', {}, el('tr', {}, el('th', { scope: 'row' }, 'Jumlah'), columns.map((key) => el('td', { class: key }, whole.format(sum(key)))))));
  table.querySelector('tbody').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-code]');
    if (row) selectUnit(level, row.dataset.code, { zoom: true });
  });
  return table;
}

function renderPlan(r) {
  const t = r.totals, params = r.parameters;
  const notes = [];
  if (t.minimum_shortfall > 0) {
    notes.push(`Kekurangan ${whole.format(t.shortfall)} personel; bahkan minimum ${whole.format(params.min_per_desa)} per desa tidak tercukupi `
      + `(kurang ${whole.format(t.minimum_shortfall)}): minimum dipenuhi mulai dari desa dengan kebutuhan terbesar.`);
  } else if (t.shortfall > 0) {
    notes.push(`Kekurangan ${whole.format(t.shortfall)} personel: ${whole.format(t.deployable)} personel yang dapat dikerahkan `
      + 'dibagi sebanding kebutuhan setiap desa' + (params.min_per_desa ? ', setelah minimum per desa.' : '.'));
  } else if (t.unallocated > 0) {
    notes.push(`Kebutuhan tercukupi: ${whole.format(t.unallocated)} personel tidak dialokasikan (di luar cadangan).`);
  }
  if (t.desa_unscored) notes.push(`${whole.format(t.desa_unscored)} desa tanpa skor pada tahapan ini: TPS-nya dihitung kurang rawan.`);
  if (t.desa_without_tps) notes.push(`${whole.format(t.desa_without_tps)} desa tanpa data jumlah TPS: hanya mendapat minimum per desa.`);
  const patterns = Object.entries(TPS_CLASSES)
    .map(([c, name]) => `${name} ${params.guard_patterns[c].police} personel per ${params.guard_patterns[c].per_tps} TPS`).join('; ');
  const { classes: bounds, most } = state.plan;
  const range = (lo, hi) => (lo === hi ? whole.format(lo) : `${whole.format(lo)}–${whole.format(hi)}`);
  const colours = PLAN_COLOURS.slice(PLAN_COLOURS.length - bounds.length);
  $('plan-result').replaceChildren(
    el('p', { class: 'plan-areas' }, params.areas.map((a) => `${a.name} (${a.code})`).join(', '),
      ` · tahapan ${phaseName(params.phase)} `, demoBadge(r.demo)),
    el('div', { class: 'totals' }, [['need', 'Kebutuhan'], ['allocated', 'Dialokasikan'], ['shortfall', 'Kekurangan']].map(([key, label]) =>
      el('div', { class: key === 'shortfall' && t.shortfall > 0 ? 'total short' : 'total', dataset: { total: key } }, el('span', { class: 'value' }, whole.format(t[key])), el('span', { class: 'label' }, label)))),
    definitions([
      ['Desa', whole.format(t.desa)],
      ['TPS', `${whole.format(t.tps)} (${Object.entries(TPS_CLASSES).map(([c, name]) => `${name} ${whole.format(t.tps_classes[c])}`).join(', ')})`],
      ['Dapat dikerahkan', `${whole.format(t.deployable)} (tersedia ${whole.format(params.available)}, cadangan ${whole.format(params.reserve)})`],
      ['Tidak dialokasikan', t.unallocated ? whole.format(t.unallocated) : undefined],
    ]),
    ...notes.map((n) => el('p', { class: 'note warn' }, n)),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'plan-show', checked: state.planShown }), ' Tampilkan alokasi di peta'),
    el('p', { class: 'note' }, 'Personel per desa (tampil mulai zoom 8):'),
    el('ul', { class: 'legend plan-legend' },
      el('li', {}, el('span', { class: 'swatch', style: `background:${PLAN_NONE}` }), ' 0'),
      bounds.filter((b) => b <= most).map((b, i) => el('li', {}, el('span', { class: 'swatch', style: `background:${colours[i]}` }),
        ` ${range(b, i + 1 < bounds.length ? bounds[i + 1] - 1 : most)}`))),
    el('h3', {}, 'Per kabupaten/kota'),
    planTable(r.kabupaten, 'kabupaten'),
    el('details', {}, el('summary', {}, `Per kecamatan (${whole.format(r.kecamatan.length)})`), planTable(r.kecamatan, 'kecamatan')),
    el('p', { class: 'note' }, `Kelas TPS mengikuti kategori skor desa (rendah → kurang rawan, sedang → rawan, tinggi → sangat rawan). `
      + `Pola pengamanan: ${patterns}. Alokasi bulat dan tetap untuk masukan yang sama; jumlahnya tepat sama dengan personel yang dapat `
      + 'dikerahkan, atau dengan kebutuhan bila lebih kecil.'),
  );
  $('plan-show').addEventListener('change', (e) => {
    state.planShown = e.target.checked;
    setPlanVisible(state.planShown);
  });
  $('plan-result').hidden = false;
}

// showPlanOnMap colours every desa of the plan by its personnel through the
// feature states of the desa tiles: the map needs no second copy of the polygons.
function showPlanOnMap(r) {
  clearPlanFromMap();
  for (const d of r.desa) map.setFeatureState({ source: 'desa', sourceLayer: 'desa', id: d.code }, { allocated: d.allocated });
  for (const [property, value] of Object.entries(planPaint(state.plan.classes))) {
    map.setPaintProperty('plan-fill', property, value);
  }
  setPlanVisible(state.planShown);
}

function clearPlanFromMap() {
  map.removeFeatureState({ source: 'desa', sourceLayer: 'desa' });
  setPlanVisible(false);
}

const setPlanVisible = (on) => map.setLayoutProperty('plan-fill', 'visibility', on ? 'visible' : 'none');

// downloadPlanCSV saves the plan shown as CSV, a line per desa.
async function downloadPlanCSV() {
  const { body, result } = state.plan;
  let blob;
  try {
    blob = await (await postJSON('plan/deployment', { f: 'csv' }, body)).blob();
  } catch (err) {
    showMessage(`Gagal mengunduh CSV: ${err.message}`);
    return;
  }
  const url = URL.createObjectURL(blob);
  const name = `alokasi-personel-${result.parameters.areas.map((a) => a.code).join('_')}-${result.parameters.phase}.csv`;
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// suggestPlanArea fills the planner's areas with a unit chosen elsewhere, unless the user typed their own.
function suggestPlanArea(code) {
  if (code && !state.planAreasEdited) $('plan-areas').value = code;
}

function wirePlanner() {
  $('plan-areas').addEventListener('input', () => { state.planAreasEdited = true; });
  $('plan-form').addEventListener('submit', (e) => {
    e.preventDefault();
    computePlan(planInput());
  });
  $('plan-csv').addEventListener('click', downloadPlanCSV);
  // One provinsi in the data: plan for all of it.
  units('provinsi').then((rows) => { if (rows.length === 1) suggestPlanArea(rows[0].code); }, () => {});
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
  if (narrow.matches) setPanelOpen(false);
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
    wireH3();
    wireHotspots();
    wirePlanner();
    showLabels();
  });
}

main();
