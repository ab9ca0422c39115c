// Sluice Studio: a browser UI over sluiced's Connect (unary JSON) door. No framework, no build:
// hash routes render pages from SchemaService, QueryService and MigrationService calls.
'use strict';

const PAGE_SIZE = 20;
const TOKEN_KEY = 'sluice.studio.token';
const QUERY_KEY = 'sluice.studio.query.';  // + schema name: the query pad's text

// ---------------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details || [];
  }
}

// Connect's codes for HTTP statuses that carry no Connect error body.
const HTTP_CODES = {400: 'internal', 401: 'unauthenticated', 403: 'permission_denied', 404: 'unimplemented',
                    429: 'unavailable', 502: 'unavailable', 503: 'unavailable', 504: 'unavailable'};

function currentToken() {
  return (sessionStorage.getItem(TOKEN_KEY) || '').trim();
}

// One unary call: `method` is `sluice.v1.Service/Method`, `body` the request message as proto3 JSON,
// `extra` more headers. Resolves to the response message; rejects with an ApiError (code in
// snake_case, message).
async function call(method, body = {}, extra = {}) {
  const headers = {'Content-Type': 'application/json', 'Connect-Protocol-Version': '1', ...extra};
  const token = currentToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(`${location.origin}/${method}`, {method: 'POST', headers, body: JSON.stringify(body)});
  } catch (err) {
    throw new ApiError('unavailable', `cannot reach sluiced: ${err.message}`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch (_) { /* not JSON: handled below */ }
  if (res.ok) {
    if (json === null) throw new ApiError('internal', `${method}: the answer is not JSON`);
    return json;
  }
  const code = (json && json.code) || HTTP_CODES[res.status] || 'unknown';
  const message = (json && json.message) || text || res.statusText;
  throw new ApiError(code, message, json && json.details);
}

// Schemas by name and version, until the token changes or the schema list is shown again.
const schemaCache = new Map();

function getSchema(name, version = 0) {
  const key = `${name}@${version}`;
  if (!schemaCache.has(key)) {
    const body = {target: {schema: name}};
    if (version) body.version = version;
    const pending = call('sluice.v1.SchemaService/GetSchema', body);
    pending.catch(() => schemaCache.delete(key));
    schemaCache.set(key, pending);
  }
  return schemaCache.get(key);
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// h('a', {href: '#/x', class: 'y', onclick: f}, 'text', child, ...)
function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function errorBox(err) {
  const code = err instanceof ApiError ? err.code : 'internal';
  const box = h('div', {class: 'error', role: 'alert', 'data-code': code},
                h('strong', {class: 'code'}, code), ' ', h('span', {class: 'message'}, err.message));
  // Connect details carry a type and, from servers that add it, a readable `debug` form.
  const details = err instanceof ApiError ? err.details : [];
  if (details.length) {
    box.append(h('ul', {class: 'details'},
                 details.map((d) => h('li', {}, d.debug ? `${d.type}: ${JSON.stringify(d.debug)}` : d.type || ''))));
  }
  return box;
}

function notice(text) {
  return h('div', {class: 'notice', role: 'status'}, text);
}

function routeHref(...parts) {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

// ---------------------------------------------------------------------------------------------
// Values (value.proto): shown exactly as sent, never through a JavaScript number.

const VALUE_KINDS = ['nullValue', 'boolValue', 'intValue', 'uintValue', 'doubleValue', 'stringValue', 'bytesValue',
                     'decimalValue', 'dateValue', 'timeValue', 'timestampValue', 'jsonValue', 'uuidValue', 'listValue'];

function valueKind(v) {
  if (v && typeof v === 'object') {
    for (const k of VALUE_KINDS) if (k in v) return k;
  }
  return 'nullValue';  // a Value with no kind set reads as NULL
}

function isNull(v) {
  return valueKind(v) === 'nullValue';
}

// The value as text: what a form field or a filter holds (null for NULL).
function valueText(v) {
  const kind = valueKind(v);
  if (kind === 'nullValue') return null;
  if (kind === 'listValue') return JSON.stringify(((v.listValue || {}).values || []).map(valueText));
  return String(v[kind]);
}

function renderValue(v) {
  const kind = valueKind(v);
  switch (kind) {
    case 'nullValue': return h('span', {class: 'null'}, 'NULL');
    case 'boolValue': return h('span', {class: 'bool'}, String(v.boolValue));
    case 'intValue': case 'uintValue': case 'decimalValue': case 'doubleValue':
      return h('span', {class: 'num'}, String(v[kind]));
    case 'bytesValue': return h('span', {class: 'bytes'}, h('small', {class: 'label'}, 'base64'), ' ', v.bytesValue);
    case 'jsonValue': return h('code', {class: 'json'}, v.jsonValue);
    case 'listValue': {
      const items = (v.listValue.values || []).map(renderValue);
      return h('span', {class: 'list'}, '[', items.flatMap((n, i) => (i ? [', ', n] : [n])), ']');
    }
    default: return h('span', {class: kind.replace('Value', '')}, String(v[kind]));  // text, dates, uuids
  }
}

// ---------------------------------------------------------------------------------------------
// Schema helpers (schema.proto). Enums may come as names or numbers; absent fields are defaults.

const COLUMN_TYPES = ['COLUMN_TYPE_UNSPECIFIED', 'SMALLINT', 'INTEGER', 'BIGINT', 'TINYINT', 'MEDIUMINT', 'BOOLEAN',
                      'TEXT', 'VARCHAR', 'CHAR', 'DECIMAL', 'REAL', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP',
                      'TIMESTAMPTZ', 'INTERVAL', 'JSON', 'JSONB', 'UUID', 'BYTES', 'ENUM'];
const INTEGER_TYPES = new Set(['SMALLINT', 'INTEGER', 'BIGINT', 'TINYINT', 'MEDIUMINT']);
const TEXT_TYPES = new Set(['TEXT', 'VARCHAR', 'CHAR']);

function enumName(v, names) {
  return typeof v === 'number' ? names[v] || String(v) : v || names[0];
}

function columnType(col) {
  return enumName(col.type, COLUMN_TYPES);
}

function relationKind(rel) {
  return enumName(rel.kind, ['RELATION_KIND_UNSPECIFIED', 'ONE', 'MANY']);
}

// `varchar(120)`, `decimal(10,2)`, `enum role`, `integer[]`.
function typeLabel(col) {
  const t = columnType(col);
  let s = t.toLowerCase();
  if (t === 'VARCHAR' || t === 'CHAR') s += `(${col.length || ''})`;
  if (t === 'DECIMAL' && col.precision) s += `(${col.precision},${col.scale || 0})`;
  if (t === 'ENUM') s = `enum ${col.enumName || ''}`;
  if (col.unsigned) s = `unsigned ${s}`;
  return col.array ? `${s}[]` : s;
}

// Tables and views together: both are read, related and drawn; only tables are written.
function findTable(schema, name) {
  const t = (schema.tables || []).find((x) => x.name === name);
  if (t) return {table: t, view: false};
  const v = (schema.views || []).find((x) => x.name === name);
  return v ? {table: v, view: true} : null;
}

function primaryKey(table) {
  if ((table.primaryKey || []).length) return table.primaryKey;
  return (table.columns || []).filter((c) => c.primaryKey).map((c) => c.name);
}

function isNotNull(table, col) {
  return Boolean(col.notNull || col.primaryKey || primaryKey(table).includes(col.name));
}

// Every foreign key, single-column ones (Column.references) included.
function foreignKeysOf(schema) {
  const out = [];
  for (const t of schema.tables || []) {
    for (const c of t.columns || []) {
      if (!c.references) continue;
      out.push({table: t.name, columns: [c.name], foreignTable: c.references.table,
                foreignColumns: [c.references.column], onDelete: c.references.onDelete});
    }
    for (const fk of t.foreignKeys || []) {
      out.push({table: t.name, columns: fk.columns || [], foreignTable: fk.foreignTable,
                foreignColumns: fk.foreignColumns || [], onDelete: fk.onDelete});
    }
  }
  return out;
}

// The relations the schema lint warns about (RELATION_WITHOUT_FOREIGN_KEY, in GetSchema's
// `warnings`): no foreign key backs their columns. The server's rule, not a copy of it.
function unbackedRelations(response) {
  const relations = (response.schema && response.schema.relations) || [];
  const out = new Set();
  for (const w of response.warnings || []) {
    const m = w.code === 'RELATION_WITHOUT_FOREIGN_KEY' && /^schema\.relations\[(\d+)\]\.fields$/.exec(w.field || '');
    if (m && relations[Number(m[1])]) out.add(relations[Number(m[1])]);
  }
  return out;
}

// The `one` relations of `table` with fields pointing at `target` (and `relationName`, if given).
function onesTo(schema, table, target, relationName) {
  return (schema.relations || []).filter((r) => r.table === table && r.targetTable === target &&
      relationKind(r) === 'ONE' && (r.fields || []).length &&
      (relationName === undefined || (r.relationName || '') === relationName));
}

// A relation's columns as [column of its table, column of the target] pairs (a `many` without
// fields takes them from the `one` relation pointing back), and whether a foreign key backs them
// (`unbacked`: unbackedRelations; a `many` without fields, or one through a junction table, is
// backed as the `one` relations it goes through are).
function resolveRelation(schema, rel, unbacked) {
  const zip = (xs, ys) => xs.map((x, i) => [x, ys[i]]);
  if (rel.through) {
    const toSource = onesTo(schema, rel.through, rel.table, rel.relationName || undefined);
    const toTarget = onesTo(schema, rel.through, rel.targetTable, rel.relationName || undefined);
    if (toSource.length !== 1 || toTarget.length !== 1) return {pairs: [], backed: false, through: rel.through};
    return {pairs: [], backed: !unbacked.has(toSource[0]) && !unbacked.has(toTarget[0]), through: rel.through};
  }
  if ((rel.fields || []).length) {
    const pairs = zip(rel.fields, rel.references || []);
    return {pairs, backed: !unbacked.has(rel)};
  }
  const back = onesTo(schema, rel.targetTable, rel.table, rel.relationName || '');
  if (back.length !== 1) return {pairs: [], backed: false};
  const backPairs = zip(back[0].fields, back[0].references || []);  // [target column, our column]
  return {pairs: backPairs.map(([t, s]) => [s, t]), backed: !unbacked.has(back[0])};
}

// ---------------------------------------------------------------------------------------------
// Requests built from the UI

function columnRef(name) {
  return {column: {name}};
}

// Text typed for a column → a Value of its type. Throws invalid_argument for text that cannot be one.
function toValue(col, text) {
  const t = col ? columnType(col) : 'TEXT';
  const bad = (what) => new ApiError('invalid_argument', `${col ? col.name : 'value'}: "${text}" is not ${what}`);
  if (col && col.array) {
    let items;
    try {
      items = JSON.parse(text);
    } catch (_) {
      throw bad('a JSON array');
    }
    if (!Array.isArray(items)) throw bad('a JSON array');
    const element = {...col, array: false};
    const values = items.map((x) => (x === null ? {nullValue: 'NULL_VALUE'} : toValue(element, String(x))));
    return {listValue: {values}};
  }
  if (INTEGER_TYPES.has(t)) {
    if (!/^[-+]?\d+$/.test(text.trim())) throw bad('an integer');
    return {intValue: text.trim().replace(/^\+/, '')};
  }
  switch (t) {
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(text.trim())) throw bad('true or false');
      return {boolValue: text.trim().toLowerCase() === 'true'};
    case 'DECIMAL':
      if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text.trim())) throw bad('a decimal');
      return {decimalValue: text.trim()};
    case 'REAL': case 'DOUBLE': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw bad('a number');
      return {doubleValue: n};
    }
    case 'DATE': return {dateValue: text.trim()};
    case 'TIME': return {timeValue: text.trim()};
    case 'TIMESTAMP': case 'TIMESTAMPTZ': return {timestampValue: text.trim()};
    case 'JSON': case 'JSONB': return {jsonValue: text};
    case 'UUID': return {uuidValue: text.trim()};
    case 'BYTES': return {bytesValue: text.trim()};  // base64, as shown
    default: return {stringValue: text};              // text, enum, interval
  }
}

// One filter box → a Condition. `NULL` / `!NULL` test for null; `=x` is equality for any type;
// otherwise text columns match case-insensitively anywhere (ilike '%x%'), others by equality.
function filterCondition(col, name, text) {
  const ref = columnRef(name);
  const t = text.trim();
  if (/^null$/i.test(t)) return {isNull: ref};
  if (/^!null$/i.test(t)) return {isNotNull: ref};
  const exact = t.startsWith('=');
  const raw = exact ? t.slice(1) : t;
  if (!exact && (!col || (TEXT_TYPES.has(columnType(col)) && !col.array))) {
    return {ilike: {left: ref, right: {value: {stringValue: `%${raw}%`}}}};
  }
  return {eq: {left: ref, right: {value: toValue(col, raw)}}};
}

function allOf(conditions) {
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : {and: {conditions}};
}

// The row's primary key as a where (the values exactly as the server sent them).
function keyCondition(table, row) {
  const key = primaryKey(table);
  if (!key.length) throw new ApiError('failed_precondition', `table ${table.name} has no primary key`);
  return allOf(key.map((name) => {
    if (isNull(row[name])) throw new ApiError('failed_precondition', `key column ${name} is NULL`);
    return {eq: {left: columnRef(name), right: {value: row[name]}}};
  }));
}

// ---------------------------------------------------------------------------------------------
// The confirmation dialog: resolves true when the user sends the request.

function confirmRequest(title, method, body) {
  const box = document.getElementById('confirm');
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-method').textContent = method;
  document.getElementById('confirm-body').textContent = JSON.stringify(body, null, 2);
  box.hidden = false;
  yes.focus();
  return new Promise((resolve) => {
    const done = (answer) => {
      box.hidden = true;
      yes.removeEventListener('click', onYes);
      no.removeEventListener('click', onNo);
      document.removeEventListener('keydown', onKey);
      resolve(answer);
    };
    const onYes = () => done(true);
    const onNo = () => done(false);
    const onKey = (e) => { if (e.key === 'Escape') done(false); };
    yes.addEventListener('click', onYes);
    no.addEventListener('click', onNo);
    document.addEventListener('keydown', onKey);
  });
}

// ---------------------------------------------------------------------------------------------
// Routing. A render builds the page off-screen and swaps it in; a newer render wins.

const ROUTES = [
  [/^\/schemas$/, [], pageSchemas],
  [/^\/schema\/([^/]+)\/diagram$/, ['schema'], pageDiagram],
  [/^\/schema\/([^/]+)\/table\/([^/]+)$/, ['schema', 'table'], pageTable],
  [/^\/schema\/([^/]+)\/query$/, ['schema'], pageQuery],
  [/^\/schema\/([^/]+)\/migrations$/, ['schema'], pageMigrations],
];

let renderCount = 0;
let flash = null;  // a notice for the next render (after an edit)

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/schemas';
  const [path, search] = hash.split('?');
  for (const [re, names, page] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    const params = {};
    names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    return {path, params, query: new URLSearchParams(search || ''), page};
  }
  return null;
}

function renderNav(route) {
  const nav = document.getElementById('nav');
  const link = (href, text, key, active) =>
    h('a', {href, 'data-nav': key, class: active ? 'active' : null}, text);
  const items = [link('#/schemas', 'Schemas', 'schemas', route && route.page === pageSchemas)];
  const s = route && route.params.schema;
  if (s) {
    items.push(h('span', {class: 'crumb'}, s),
               link(routeHref('schema', s, 'diagram'), 'Diagram', 'diagram', route.page === pageDiagram),
               link(routeHref('schema', s, 'query'), 'Query', 'query', route.page === pageQuery),
               link(routeHref('schema', s, 'migrations'), 'Migrations', 'migrations', route.page === pageMigrations));
    if (route.params.table) items.push(h('span', {class: 'crumb'}, route.params.table));
  }
  nav.replaceChildren(...items);
}

async function render() {
  const count = ++renderCount;
  const main = document.getElementById('main');
  const route = parseRoute();
  if (!route) {
    location.replace('#/schemas');
    return;
  }
  main.dataset.state = 'loading';
  renderNav(route);
  const status = h('div', {id: 'status'});
  const view = h('div', {class: 'page'}, status);
  if (flash) status.append(flash);
  flash = null;
  try {
    await route.page({view, status, params: route.params, query: route.query});
  } catch (err) {
    status.append(errorBox(err));
  }
  if (count !== renderCount) return;  // the user went elsewhere meanwhile
  main.replaceChildren(view);
  main.dataset.render = String(count);
  main.dataset.state = 'ready';
}

function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

// ---------------------------------------------------------------------------------------------
// Page: schemas

async function pageSchemas(ctx) {
  schemaCache.clear();
  const {schemas = []} = await call('sluice.v1.SchemaService/ListSchemas', {});
  ctx.view.append(h('h2', {}, 'Schemas'));
  if (!schemas.length) {
    ctx.view.append(h('p', {}, 'No schema is registered yet: ', h('code', {}, 'sluice register FILE.json')));
    return;
  }
  const rows = schemas.map((s) => h('tr', {'data-schema': s.name},
    h('td', {class: 'name'}, h('a', {href: routeHref('schema', s.name, 'diagram')}, s.name)),
    h('td', {class: 'version'}, String(s.version || 0)),
    h('td', {class: 'hash', title: s.hash || ''}, h('code', {}, (s.hash || '').slice(0, 12))),
    h('td', {class: 'created'}, s.createdAt || ''),
    h('td', {class: 'links'},
      h('a', {href: routeHref('schema', s.name, 'query')}, 'query'), ' · ',
      h('a', {href: routeHref('schema', s.name, 'migrations')}, 'migrations'))));
  ctx.view.append(h('table', {id: 'schemas', class: 'data'},
    h('thead', {}, h('tr', {}, ['Name', 'Version', 'Hash', 'Created', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows)));
}

// ---------------------------------------------------------------------------------------------
// Page: diagram

const CHAR_W = 7.2;  // monospace 12px
const HEAD_H = 26;
const ROW_H = 18;
const PAD = 8;
const GAP_X = 150;
const GAP_Y = 70;
const MARGIN = 24;

// Table boxes on a grid, each sized by its longest column line.
function layoutBoxes(entries) {
  const boxes = entries.map(({table, view}) => {
    const cols = table.columns || [];
    const nameW = Math.max(4, ...cols.map((c) => c.name.length));
    const typeW = Math.max(4, ...cols.map((c) => typeLabel(c).length));
    const w = Math.max(PAD * 2 + (6 + nameW + 2 + typeW + 4) * CHAR_W, PAD * 2 + (table.name.length + 6) * 8);
    return {table, view, nameW, w, h: HEAD_H + cols.length * ROW_H + 6};
  });
  const perRow = Math.max(1, Math.ceil(Math.sqrt(boxes.length)));
  const colW = [];
  const rowH = [];
  boxes.forEach((b, i) => {
    const r = Math.floor(i / perRow);
    const c = i % perRow;
    colW[c] = Math.max(colW[c] || 0, b.w);
    rowH[r] = Math.max(rowH[r] || 0, b.h);
  });
  const offsets = (sizes, gap) => sizes.reduce((acc, s, i) => [...acc, acc[i] + s + gap], [MARGIN]);
  const xs = offsets(colW, GAP_X);
  const ys = offsets(rowH, GAP_Y);
  boxes.forEach((b, i) => {
    b.x = xs[i % perRow];
    b.y = ys[Math.floor(i / perRow)];
  });
  return {boxes, width: Math.max(200, xs[xs.length - 1] - GAP_X + MARGIN),
          height: Math.max(100, ys[ys.length - 1] - GAP_Y + MARGIN)};
}

function drawBox(b, schemaName) {
  const t = b.table;
  const key = primaryKey(t);
  const fkCols = new Set();
  for (const c of t.columns || []) if (c.references) fkCols.add(c.name);
  for (const fk of t.foreignKeys || []) for (const c of fk.columns || []) fkCols.add(c);
  const open = () => navigate(routeHref('schema', schemaName, 'table', t.name));
  const g = svg('g', {class: b.view ? 'view' : 'table', 'data-table': t.name, transform: `translate(${b.x},${b.y})`,
                      tabindex: 0, role: 'link', 'aria-label': `open ${t.name}`,
                      onclick: open, onkeydown: (e) => { if (e.key === 'Enter') open(); }},
    svg('title', {}, `${b.view ? 'view' : 'table'} ${t.name}: click to browse its rows`),
    svg('rect', {class: 'box', width: b.w, height: b.h, rx: 4}),
    svg('rect', {class: 'head', width: b.w, height: HEAD_H, rx: 4}),
    svg('text', {class: 'name', x: PAD, y: 17}, b.view ? `${t.name} (view)` : t.name));
  (t.columns || []).forEach((c, i) => {
    const y = HEAD_H + i * ROW_H + 14;
    const pk = key.includes(c.name);
    const notNull = isNotNull(t, c);
    const ref = c.references && `references ${c.references.table}.${c.references.column}`;
    const tip = [`${c.name} ${typeLabel(c)}`, pk && 'primary key', notNull && 'not null', c.unique && 'unique',
                 c.autoIncrement && 'auto increment', ref].filter(Boolean).join(', ');
    g.append(svg('g', {class: `column${pk ? ' pk' : ''}${notNull ? ' not-null' : ''}`, 'data-column': c.name},
      svg('title', {}, tip),
      pk && svg('text', {class: 'mark pk', x: PAD, y}, 'PK'),
      fkCols.has(c.name) && svg('text', {class: 'mark fk', x: PAD + 3 * CHAR_W, y}, 'FK'),
      svg('text', {class: 'col-name', x: PAD + 6 * CHAR_W, y}, c.name),
      svg('text', {class: 'col-type', x: PAD + (8 + b.nameW) * CHAR_W, y}, typeLabel(c)),
      notNull && svg('text', {class: 'mark nn', x: b.w - PAD, y, 'text-anchor': 'end'}, 'NN')));
  });
  return g;
}

// Where a column's line meets the box's side.
function anchorY(b, column) {
  const i = (b.table.columns || []).findIndex((c) => c.name === column);
  return i < 0 ? b.y + HEAD_H / 2 : b.y + HEAD_H + i * ROW_H + ROW_H / 2;
}

// A cubic curve between two boxes' sides; `k` spreads edges that join the same two boxes.
function edgeGeometry(b1, y1, b2, y2, k) {
  const off = [0, 14, -14, 28, -28, 42, -42][k % 7];
  let x1, x2, d1, d2, reach;
  if (b1 !== b2 && b2.x >= b1.x + b1.w) {
    [x1, x2, d1, d2] = [b1.x + b1.w, b2.x, 1, -1];
  } else if (b1 !== b2 && b2.x + b2.w <= b1.x) {
    [x1, x2, d1, d2] = [b1.x, b2.x + b2.w, -1, 1];
  } else {  // same box or same grid column: loop out on the right
    [x1, x2, d1, d2] = [b1.x + b1.w, b2.x + b2.w, 1, 1];
    reach = 50 + Math.abs(off) * 1.5 + Math.abs(x2 - x1);
  }
  reach = reach || Math.max(40, Math.abs(x2 - x1) / 2);
  const p = [[x1, y1], [x1 + d1 * reach, y1 + off], [x2 + d2 * reach, y2 + off], [x2, y2]];
  const mid = [0, 1].map((j) => (p[0][j] + 3 * p[1][j] + 3 * p[2][j] + p[3][j]) / 8);  // the curve at t = 0.5
  return {d: `M${p.map((q) => q.join(',')).join(' ').replace(' ', ' C')}`, mid};
}

async function pageDiagram(ctx) {
  const name = ctx.params.schema;
  const latest = await getSchema(name);
  const version = Number(ctx.query.get('version')) || 0;
  const shown = version ? await getSchema(name, version) : latest;
  const {schema, version: v} = shown;
  const unbackedSet = unbackedRelations(shown);
  const latestVersion = (latest.version && latest.version.version) || 1;

  const picker = h('select', {id: 'version', 'aria-label': 'version', onchange: (e) => {
    navigate(`${routeHref('schema', name, 'diagram')}?version=${e.target.value}`);
  }});
  for (let n = latestVersion; n >= 1; n--) {
    const label = `version ${n}${n === latestVersion ? ' (latest)' : ''}`;
    picker.append(h('option', {value: n, selected: n === (v && v.version)}, label));
  }
  ctx.view.append(h('div', {class: 'title-row'}, h('h2', {}, `${name} — diagram`), picker,
                    h('code', {class: 'hash', title: 'schema hash'}, ((v && v.hash) || '').slice(0, 12))));

  const entries = [...(schema.tables || []).map((table) => ({table, view: false})),
                   ...(schema.views || []).map((table) => ({table, view: true}))];
  const {boxes, width, height} = layoutBoxes(entries);
  const boxOf = new Map(boxes.map((b) => [b.table.name, b]));
  const fks = foreignKeysOf(schema);

  const marker = (id) => svg('marker', {id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
                                        orient: 'auto-start-reverse'}, svg('path', {d: 'M0,0 L10,5 L0,10 z'}));
  const edges = svg('g', {class: 'edges'});
  const labels = svg('g', {class: 'labels'});
  const seen = new Map();  // boxes pair → edges so far
  const place = (t1, c1, t2, c2) => {
    const b1 = boxOf.get(t1);
    const b2 = boxOf.get(t2);
    if (!b1 || !b2) return null;
    const pair = [t1, t2].sort().join('\u0000');
    const k = seen.get(pair) || 0;
    seen.set(pair, k + 1);
    return edgeGeometry(b1, anchorY(b1, c1), b2, anchorY(b2, c2), k);
  };

  for (const fk of fks) {
    const geo = place(fk.table, fk.columns[0], fk.foreignTable, fk.foreignColumns[0]);
    if (!geo) continue;
    const text = `foreign key ${fk.table} (${fk.columns.join(', ')}) → ${fk.foreignTable} ` +
                 `(${fk.foreignColumns.join(', ')})${fk.onDelete ? `, on delete ${fk.onDelete}` : ''}`;
    const id = `${fk.table}.${fk.columns.join(',')}->${fk.foreignTable}`;
    edges.append(svg('path', {class: 'edge fk', d: geo.d, 'marker-end': 'url(#arrow-fk)', 'data-fk': id},
                     svg('title', {}, text)));
  }
  const unbacked = [];
  for (const rel of schema.relations || []) {
    const res = resolveRelation(schema, rel, unbackedSet);
    const kind = relationKind(rel).toLowerCase();
    const [from, to] = res.pairs[0] || [];
    const geo = place(rel.table, from, rel.targetTable, to);
    const id = `${rel.table}.${rel.name}`;
    if (!res.backed) unbacked.push(rel);
    if (!geo) continue;
    const text = `relation ${id} (${kind}) → ${rel.targetTable}` + (res.through ? ` through ${res.through}` : '') +
                 (res.backed ? '' : ': relation without a foreign key');
    edges.append(svg('path', {class: `edge relation${res.backed ? '' : ' no-fk'}`, d: geo.d, 'data-relation': id,
                              'marker-end': `url(#arrow-${res.backed ? 'relation' : 'no-fk'})`},
                     svg('title', {}, text)));
    labels.append(svg('text', {class: `edge-label${res.backed ? '' : ' no-fk'}`, x: geo.mid[0], y: geo.mid[1] - 4,
                               'text-anchor': 'middle', 'data-relation': id},
                      svg('title', {}, text), `${res.backed ? '' : '⚠ '}${rel.name} (${kind})`));
  }

  const diagram = svg('svg', {id: 'diagram', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
                              'aria-label': `entity-relationship diagram of ${name}`},
    svg('defs', {}, marker('arrow-fk'), marker('arrow-relation'), marker('arrow-no-fk')),
    edges, svg('g', {class: 'boxes'}, boxes.map((b) => drawBox(b, name))), labels);
  ctx.view.append(h('div', {class: 'diagram-wrap'}, diagram));

  const sample = (cls) => h('span', {class: 'sample'},
    svg('svg', {width: 48, height: 10}, svg('line', {class: cls, x1: 2, y1: 5, x2: 46, y2: 5})));
  ctx.view.append(h('div', {id: 'legend', class: 'legend'},
    h('span', {}, sample('legend-fk'), 'foreign key (enforced by the database)'),
    h('span', {}, sample('legend-relation'), 'relation (what relational queries follow), name (one/many)'),
    h('span', {}, sample('legend-no-fk'), '⚠ relation without a foreign key'),
    h('span', {}, h('b', {class: 'pk'}, 'PK'), ' primary key · ', h('b', {class: 'fk'}, 'FK'),
      ' foreign key column · ', h('b', {class: 'nn'}, 'NN'), ' not null')));

  if (unbacked.length) {
    ctx.view.append(h('div', {id: 'lint', class: 'warn'},
      h('p', {}, 'Relations without a foreign key (the schema lint warns RELATION_WITHOUT_FOREIGN_KEY): ',
        'nothing keeps the related rows existing.'),
      h('ul', {}, unbacked.map((r) => h('li', {'data-relation': `${r.table}.${r.name}`},
        `${r.table}.${r.name} → ${r.targetTable}` +
        ((r.fields || []).length ? ` (${r.fields.join(', ')} = ${(r.references || []).join(', ')})` : ''))))));
  }
  if ((schema.enums || []).length) {
    ctx.view.append(h('h3', {}, 'Enums'), h('ul', {class: 'enums'},
      schema.enums.map((e) => h('li', {}, h('code', {}, e.name), ': ', (e.values || []).join(', ')))));
  }
}

// ---------------------------------------------------------------------------------------------
// Page: table browser. State lives in the hash: sort, desc, offset and f.COLUMN filters.

function tableHash(schemaName, tableName, state) {
  const q = new URLSearchParams();
  if (state.sort) q.set('sort', state.sort);
  if (state.sort && state.desc) q.set('desc', '1');
  if (state.offset) q.set('offset', String(state.offset));
  for (const [col, text] of Object.entries(state.filters || {})) if (text.trim()) q.set(`f.${col}`, text);
  const s = q.toString();
  return routeHref('schema', schemaName, 'table', tableName) + (s ? `?${s}` : '');
}

function readTableState(query) {
  const filters = {};
  for (const [k, v] of query) if (k.startsWith('f.')) filters[k.slice(2)] = v;
  return {sort: query.get('sort') || '', desc: query.get('desc') === '1',
          offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0), filters};
}

async function pageTable(ctx) {
  const {schema: schemaName, table: tableName} = ctx.params;
  const response = await getSchema(schemaName);
  const {schema} = response;
  const found = findTable(schema, tableName);
  if (!found) throw new ApiError('not_found', `schema ${schemaName} has no table or view ${tableName}`);
  const {table, view: isView} = found;
  const state = readTableState(ctx.query);
  const colOf = new Map((table.columns || []).map((c) => [c.name, c]));
  const key = primaryKey(table);
  const editable = !isView && key.length > 0;
  const go = (change) => navigate(tableHash(schemaName, tableName, {...state, ...change}));

  // The page of rows: one more than shown tells whether there is a next page.
  let result = {};
  try {
    const orderBy = [];
    if (state.sort) orderBy.push({expression: columnRef(state.sort), descending: state.desc});
    for (const k of key) if (k !== state.sort) orderBy.push({expression: columnRef(k)});
    const select = {table: tableName, orderBy, limit: PAGE_SIZE + 1, offset: state.offset};
    const where = allOf(Object.entries(state.filters).filter(([, t]) => t.trim())
      .map(([name, text]) => filterCondition(colOf.get(name), name, text)));
    if (where) select.where = where;
    const res = await call('sluice.v1.QueryService/Select', {target: {schema: schemaName}, select});
    result = res.result || {};
  } catch (err) {
    ctx.status.append(errorBox(err));
  }
  // Columns as the result names them (the schema's, should a result leave them out).
  const columns = ((result.columns || []).length ? result.columns : table.columns || []).map((c) => c.name);
  const rows = (result.rows || []).map((r) => {
    const row = {};
    columns.forEach((c, i) => { row[c] = (r.values || [])[i]; });
    return row;
  });
  const hasNext = rows.length > PAGE_SIZE;
  const shown = rows.slice(0, PAGE_SIZE);

  // Title, table switcher and paging.
  const switcher = h('select', {id: 'table-select', 'aria-label': 'table',
                                onchange: (e) => navigate(routeHref('schema', schemaName, 'table', e.target.value))},
    [...(schema.tables || []), ...(schema.views || [])].map((t) =>
      h('option', {value: t.name, selected: t.name === tableName}, t.name)));
  const range = shown.length ? `rows ${state.offset + 1}–${state.offset + shown.length}` : 'no rows';
  const formSlot = h('div', {id: 'form-slot'});
  ctx.view.append(
    h('div', {class: 'title-row'}, h('h2', {}, `${schemaName} · ${tableName}${isView ? ' (view)' : ''}`), switcher),
    h('div', {class: 'toolbar'},
      editable && h('button', {type: 'button', id: 'new-row', onclick: () => {
        formSlot.replaceChildren(rowForm(ctx, schemaName, schema, table, null, formSlot));
      }}, 'New row'),
      h('button', {type: 'button', id: 'prev', disabled: state.offset === 0,
                   onclick: () => go({offset: Math.max(0, state.offset - PAGE_SIZE)})}, '← Prev'),
      h('span', {id: 'offset', 'data-offset': state.offset}, `${range} · offset ${state.offset}`),
      h('button', {type: 'button', id: 'next', disabled: !hasNext,
                   onclick: () => go({offset: state.offset + PAGE_SIZE})}, 'Next →'),
      Object.keys(state.filters).length > 0 &&
        h('button', {type: 'button', id: 'clear-filters', onclick: () => go({filters: {}, offset: 0})}, 'Clear'),
      h('span', {class: 'hint'}, 'Filters: text contains (any case), =x equals, NULL / !NULL; Enter applies.')),
    !isView && !key.length ? h('p', {class: 'hint'}, 'This table has no primary key: rows cannot be edited here.') : '',
    formSlot);

  // Header: click to sort (asc, then desc); a filter box per column, Enter applies them all.
  const applyFilters = () => {
    const filters = {};
    for (const input of ctx.view.querySelectorAll('input.filter')) {
      if (input.value.trim()) filters[input.dataset.column] = input.value;
    }
    go({filters, offset: 0});
  };
  const heads = columns.map((name) => {
    const sorted = state.sort === name ? (state.desc ? 'desc' : 'asc') : null;
    const col = colOf.get(name);
    return h('th', {'data-column': name, 'data-sort': sorted, 'aria-sort': sorted ? `${sorted}ending` : null},
      h('button', {type: 'button', class: 'sort', title: 'sort by this column',
                   onclick: () => go({sort: name, desc: sorted === 'asc', offset: 0})},
        name, sorted ? (sorted === 'asc' ? ' ▲' : ' ▼') : ''),
      col && h('span', {class: 'type'}, typeLabel(col)));
  });
  const filterCells = columns.map((name) => h('th', {},
    h('input', {class: 'filter', 'data-column': name, value: state.filters[name] || '', placeholder: 'filter',
                'aria-label': `filter ${name}`, title: 'text: contains, any case; =x: equals; NULL, !NULL',
                onkeydown: (e) => { if (e.key === 'Enter') applyFilters(); }})));

  const relations = (schema.relations || []).filter((r) => r.table === tableName);
  const unbacked = unbackedRelations(response);
  const body = shown.map((row) => {
    const keyText = key.map((k) => valueText(row[k])).join(',');
    return h('tr', {'data-key': editable ? keyText : null},
      columns.map((c) => h('td', {'data-column': c}, renderValue(row[c]))),
      relations.length > 0 &&
        h('td', {class: 'relations'}, relations.map((r) => relationLink(schemaName, schema, r, unbacked, row))),
      editable && h('td', {class: 'actions'},
        h('button', {type: 'button', class: 'edit', onclick: () => {
          formSlot.replaceChildren(rowForm(ctx, schemaName, schema, table, row, formSlot));
        }}, 'Edit'),
        h('button', {type: 'button', class: 'delete danger',
                     onclick: () => deleteRow(ctx, schemaName, table, row)}, 'Delete')));
  });
  ctx.view.append(h('div', {class: 'table-wrap'}, h('table', {id: 'rows-table', class: 'data'},
    h('thead', {}, h('tr', {}, heads, relations.length > 0 && h('th', {}, 'Related'), editable && h('th', {}, '')),
                   h('tr', {class: 'filters'}, filterCells, relations.length > 0 && h('th'), editable && h('th'))),
    h('tbody', {}, body))));
  if (!shown.length) ctx.view.append(h('p', {class: 'hint', id: 'no-rows'}, 'No rows.'));
}

// A link to the rows a relation reaches from `row`: the target table filtered by equality.
function relationLink(schemaName, schema, rel, unbacked, row) {
  const res = resolveRelation(schema, rel, unbacked);
  const label = `${rel.name} →`;
  if (res.through) {
    const title = `many-to-many through ${res.through}: use the query pad`;
    return h('span', {class: 'relation-through', title}, rel.name);
  }
  const filters = {};
  for (const [from, to] of res.pairs) {
    const text = valueText(row[from]);
    if (text === null || to === undefined) {
      return h('span', {class: 'relation-none', title: `${from} is NULL`}, rel.name);
    }
    filters[to] = `=${text}`;
  }
  if (!res.pairs.length) return h('span', {class: 'relation-none', title: 'the relation has no columns'}, rel.name);
  const where = Object.entries(filters).map(([c, t]) => `${c} ${t}`).join(' and ');
  return h('a', {class: `relation-link${res.backed ? '' : ' no-fk'}`, 'data-relation': rel.name,
                 href: tableHash(schemaName, rel.targetTable, {filters}),
                 title: `${rel.targetTable} where ${where} (${relationKind(rel).toLowerCase()})`}, label);
}

// The form for a new row (row null) or to edit one; sends Insert or Update after confirmation.
function rowForm(ctx, schemaName, schema, table, row, slot) {
  const editing = row !== null;
  const fields = (table.columns || []).map((col) => {
    const t = columnType(col);
    const original = editing ? valueText(row[col.name]) : null;
    const locked = Boolean(col.generated) || col.identity === 'ALWAYS';
    let input;
    if ((t === 'ENUM' || t === 'BOOLEAN') && !col.array) {
      const options = t === 'BOOLEAN' ? ['true', 'false']
        : [...(((schema.enums || []).find((e) => e.name === col.enumName) || {}).values || [])];
      if (original !== null && !options.includes(original)) options.push(original);  // keep what the row has
      input = h('select', {}, h('option', {value: ''}, ''), options.map((o) => h('option', {value: o}, o)));
    } else if (t === 'JSON' || t === 'JSONB' || t === 'TEXT') {
      input = h('textarea', {rows: 1});
    } else {
      const placeholder = col.array ? 'JSON array' : t === 'BYTES' ? 'base64' : typeLabel(col);
      input = h('input', {type: 'text', placeholder});
    }
    input.dataset.field = col.name;
    input.value = original === null ? '' : original;
    input.disabled = locked;
    const nullable = !isNotNull(table, col);
    const nullBox = nullable && h('input', {type: 'checkbox', class: 'null-toggle', 'data-null-for': col.name,
                                            checked: editing && original === null, disabled: locked,
                                            onchange: (e) => { input.disabled = e.target.checked || locked; }});
    if (nullBox && nullBox.checked) input.disabled = true;
    const hint = locked ? 'generated' : col.autoIncrement ? 'auto' : col.default ? 'has a default' : '';
    return {col, input, nullBox, original, el: h('label', {class: 'field'},
      h('span', {class: 'field-name'}, col.name, ' ', h('small', {}, typeLabel(col), hint && ` · ${hint}`)),
      input, nullBox && h('span', {class: 'null-label'}, nullBox, 'NULL'))};
  });
  const save = async () => {
    const values = {};
    try {
      for (const f of fields) {
        if (f.input.disabled && !(f.nullBox && f.nullBox.checked)) continue;
        const nulled = Boolean(f.nullBox && f.nullBox.checked);
        const text = f.input.value;
        if (editing) {
          if (nulled ? f.original === null : f.original !== null && text === f.original) continue;
        } else if (!nulled && text === '') {
          continue;  // left out: the column's default
        }
        values[f.col.name] = nulled ? {nullValue: 'NULL_VALUE'} : toValue(f.col, text);
      }
    } catch (err) {
      formStatus.replaceChildren(errorBox(err));
      return;
    }
    if (editing && !Object.keys(values).length) {
      formStatus.replaceChildren(notice('Nothing changed.'));
      return;
    }
    let method;
    let body;
    try {
      if (editing) {
        method = 'sluice.v1.QueryService/Update';
        const where = keyCondition(table, row);
        body = {target: {schema: schemaName}, update: {table: table.name, set: values, where}};
      } else {
        method = 'sluice.v1.QueryService/Insert';
        body = {target: {schema: schemaName}, insert: {table: table.name, rows: [{values}]}};
      }
    } catch (err) {
      formStatus.replaceChildren(errorBox(err));
      return;
    }
    await send(ctx, editing ? 'Update this row?' : 'Insert this row?', method, body, formStatus);
  };
  const formStatus = h('div', {class: 'form-status'});
  return h('form', {id: 'row-form', class: 'row-form', onsubmit: (e) => { e.preventDefault(); save(); }},
    h('h3', {}, editing ? `Edit ${table.name} ${primaryKey(table).map((k) => `${k} ${valueText(row[k])}`).join(', ')}`
                        : `New ${table.name} row`),
    h('div', {class: 'fields'}, fields.map((f) => f.el)),
    formStatus,
    h('div', {class: 'buttons'},
      h('button', {type: 'submit', id: 'row-form-save', class: 'primary'}, editing ? 'Save…' : 'Insert…'),
      h('button', {type: 'button', id: 'row-form-cancel', onclick: () => slot.replaceChildren()}, 'Cancel')));
}

async function deleteRow(ctx, schemaName, table, row) {
  let body;
  try {
    body = {target: {schema: schemaName}, delete: {table: table.name, where: keyCondition(table, row)}};
  } catch (err) {
    ctx.status.replaceChildren(errorBox(err));
    return;
  }
  await send(ctx, 'Delete this row?', 'sluice.v1.QueryService/Delete', body, ctx.status);
}

// Confirm, send, then reload the page with a notice; a refused request shows its error in `where`.
async function send(ctx, title, method, body, where) {
  if (!(await confirmRequest(title, method, body))) return;
  try {
    // Edits are held to the admin scope: the server refuses them to a data token.
    const res = await call(method, body, {'Sluice-Scope': 'admin'});
    const affected = (res.result && res.result.rowsAffected) || '0';
    flash = notice(`${method.split('/')[1]}: ${affected} row${affected === '1' ? '' : 's'} affected.`);
    render();
  } catch (err) {
    where.replaceChildren(errorBox(err));
    where.scrollIntoView({block: 'nearest'});
  }
}

// ---------------------------------------------------------------------------------------------
// Page: query pad

function resultTable(result) {
  const columns = result.columns || [];
  const title = (c) => [c.table, enumName(c.type, COLUMN_TYPES)].filter(Boolean).join(' · ');
  return h('table', {class: 'data'},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {title: title(c)}, c.name)))),
    h('tbody', {}, (result.rows || []).map((r) => h('tr', {},
      columns.map((c, i) => h('td', {'data-column': c.name}, renderValue((r.values || [])[i])))))));
}

function statementText(statement) {
  if (!statement || !statement.sql) return '(no statement)';
  const params = (statement.params || []).map((p) => valueText(p));
  return params.length ? `${statement.sql}\n-- params: ${JSON.stringify(params)}` : statement.sql;
}

async function pageQuery(ctx) {
  const name = ctx.params.schema;
  const {schema} = await getSchema(name);
  const first = (schema.tables || [])[0];
  const example = {target: {schema: name}, select: {table: first ? first.name : '', limit: 20}};
  const key = first ? primaryKey(first) : [];
  if (key.length) example.select.orderBy = key.map((k) => ({expression: columnRef(k)}));

  const textarea = h('textarea', {id: 'query', rows: 14, spellcheck: 'false', 'aria-label': 'SelectRequest JSON'});
  textarea.value = sessionStorage.getItem(QUERY_KEY + name) || JSON.stringify(example, null, 2);
  const sql = h('div', {id: 'sql'});
  const explain = h('div', {id: 'explain'});
  const code = (text) => h('pre', {class: 'code'}, text);
  const rows = h('div', {id: 'rows'});
  const pad = h('div', {id: 'query-pad', 'data-runs': '0'});
  const run = h('button', {type: 'button', id: 'run', class: 'primary', onclick: () => runQuery()}, 'Run');
  textarea.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) runQuery(); });

  const runQuery = async () => {
    let body;
    try {
      body = JSON.parse(textarea.value);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('the request is a JSON object');
    } catch (err) {
      rows.replaceChildren(errorBox(new ApiError('invalid_argument', `not a SelectRequest: ${err.message}`)));
      return;
    }
    sessionStorage.setItem(QUERY_KEY + name, textarea.value);
    body.target = {schema: name, ...(body.target || {})};
    const asSql = {...body, toSql: true};
    delete asSql.explain;
    delete asSql.analyze;
    const asPlan = {...body, explain: true};
    delete asPlan.toSql;
    run.disabled = true;
    for (const el of [sql, explain, rows]) el.replaceChildren(h('span', {class: 'hint'}, 'running…'));
    const select = (req) => call('sluice.v1.QueryService/Select', req).then((r) => r.result || {});
    await Promise.all([
      select(asSql).then((r) => sql.replaceChildren(code(statementText(r.statement))),
                         (err) => sql.replaceChildren(errorBox(err))),
      select(asPlan).then((r) => explain.replaceChildren(code(r.plan || '(no plan)')),
                          (err) => explain.replaceChildren(errorBox(err))),
      select(body).then((r) => {
        const parts = [];
        if (r.plan) parts.push(code(r.plan));
        if (r.statement && !(r.rows || []).length) parts.push(code(statementText(r.statement)));
        if ((r.columns || []).length) parts.push(resultTable(r));
        parts.push(h('p', {class: 'hint'}, `${(r.rows || []).length} row(s)`));
        rows.dataset.count = String((r.rows || []).length);
        rows.replaceChildren(...parts);
      }, (err) => rows.replaceChildren(errorBox(err))),
    ]);
    run.disabled = false;
    pad.dataset.runs = String(Number(pad.dataset.runs) + 1);
  };

  pad.append(
    h('h2', {}, `${name} — query pad`),
    h('p', {class: 'hint'}, 'A SelectRequest (proto3 JSON). Run sends it three times: with toSql, with explain, ',
      'and as written. Ctrl+Enter runs.'),
    textarea, h('div', {class: 'toolbar'}, run),
    h('h3', {}, 'SQL'), sql, h('h3', {}, 'Plan'), explain, h('h3', {}, 'Rows'), rows);
  ctx.view.append(pad);
}

// ---------------------------------------------------------------------------------------------
// Page: migrations

async function pageMigrations(ctx) {
  const name = ctx.params.schema;
  ctx.view.append(h('h2', {}, `${name} — migrations`));
  const st = await call('sluice.v1.MigrationService/Status', {target: {schema: name}});
  const applied = st.applied || [];
  const pending = st.pending || [];
  const drift = st.drift || [];
  ctx.view.append(h('p', {id: 'dirty', class: st.dirty ? 'warn' : 'ok', 'data-dirty': String(Boolean(st.dirty))},
    st.dirty ? '⚠ DIRTY: a migration stopped part way; migrate again to resume it.' : 'Not dirty.'));

  ctx.view.append(h('h3', {}, `Applied (${applied.length})`));
  ctx.view.append(applied.length ? h('table', {id: 'applied', class: 'data'},
    h('thead', {}, h('tr', {}, ['Name', 'Applied at', 'Duration', 'Hash', 'State'].map((t) => h('th', {}, t)))),
    h('tbody', {}, applied.map((m) => h('tr', {'data-migration': m.name, class: m.dirty ? 'dirty' : null},
      h('td', {}, m.name),
      h('td', {}, m.appliedAt || ''),
      h('td', {class: 'num'}, `${m.durationMs || '0'} ms`),
      h('td', {title: m.hash || ''}, h('code', {}, (m.hash || '').slice(0, 12))),
      h('td', {}, m.dirty ? `dirty after ${m.statementsDone || 0} statement(s)${m.interrupted ? ' (interrupted)' : ''}`
                          : 'ok')))))
    : h('p', {id: 'applied', class: 'hint'}, 'None applied.'));

  ctx.view.append(h('h3', {}, `Pending (${pending.length})`));
  ctx.view.append(pending.length ? h('ul', {id: 'pending', class: 'warn'}, pending.map((p) => h('li', {}, p)))
    : h('p', {id: 'pending', class: 'hint'}, 'None listed (a migrations folder tells: sluice status SCHEMA DIR).'));

  ctx.view.append(h('h3', {}, 'Drift'));
  ctx.view.append(drift.length
    ? h('div', {id: 'drift', class: 'warn', 'data-count': drift.length},
        h('p', {}, 'The database differs from the latest schema version; push would run:'),
        h('pre', {class: 'code'}, drift.join('\n')))
    : h('p', {id: 'drift', class: 'ok', 'data-count': '0'}, 'No drift: the database matches the latest version.'));
}

// ---------------------------------------------------------------------------------------------
// Start: the token field, then the route.

function start() {
  const input = document.getElementById('token');
  input.value = currentToken();
  const apply = () => {
    if (input.value.trim() === currentToken()) return;
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    schemaCache.clear();
    render();
  };
  input.addEventListener('change', apply);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
  window.addEventListener('hashchange', render);
  render();
}

start();
