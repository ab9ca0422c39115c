// Sluice Studio in headless Chromium, against a running sluiced with the `shop` schema migrated
// and seeded (users 1 ada@example.com "Ada", 2 bob@example.com "Bob"; posts 10 "Engines" and 11
// "Notes" by user 1). Prints one line per step passed; exits 1 at the first failure, leaving
// screenshots in SLUICE_ARTIFACTS.
//
// Environment: SLUICE_STUDIO_URL (http://127.0.0.1:PORT/studio/), SLUICE_ADMIN_TOKEN,
// SLUICE_DATA_TOKEN, SLUICE_ARTIFACTS, SLUICE_CHROMIUM (default /usr/bin/chromium),
// SLUICE_NODE_MODULES (holds puppeteer-core), SLUICE_EXPECT_NO_FK (relations, `table.name`,
// comma-separated, that no foreign key backs: exactly these must be drawn as such).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const env = process.env;
const TIMEOUT = 10000;
const SCHEMA = 'shop';

function need(name) {
  if (!env[name]) {
    console.error(`FAIL: environment variable ${name} is not set`);
    process.exit(1);
  }
  return env[name];
}

const STUDIO_URL = need('SLUICE_STUDIO_URL');
const puppeteer = require(path.join(need('SLUICE_NODE_MODULES'), 'puppeteer-core'));
const ADMIN_TOKEN = env.SLUICE_ADMIN_TOKEN || '';
const DATA_TOKEN = env.SLUICE_DATA_TOKEN || '';
const ARTIFACTS = env.SLUICE_ARTIFACTS || path.join(os.tmpdir(), 'sluice-studio-artifacts');
const CHROMIUM = env.SLUICE_CHROMIUM || '/usr/bin/chromium';
const EXPECT_NO_FK = (env.SLUICE_EXPECT_NO_FK || '').split(',').map((s) => s.trim()).filter(Boolean).sort();
const ORIGIN = new URL(STUDIO_URL).origin;

// ---------------------------------------------------------------------------------------------
// Assertions and the door, called directly for the expected values.

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

async function api(method, body, token = ADMIN_TOKEN) {
  const headers = {'Content-Type': 'application/json'};
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${ORIGIN}/${method}`, {method: 'POST', headers, body: JSON.stringify(body)});
  const text = await res.text();
  check(res.ok, `${method} (called by the test): HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

function primaryKey(table) {
  if ((table.primaryKey || []).length) return table.primaryKey;
  return (table.columns || []).filter((c) => c.primaryKey).map((c) => c.name);
}

// ---------------------------------------------------------------------------------------------
// Page helpers. Studio marks #main data-state="ready" and data-render=N when a render is shown.

async function renderCount(page) {
  return page.$eval('#main', (m) => Number(m.dataset.render || 0));
}

async function rendered(page, after) {
  await page.waitForFunction((n) => {
    const m = document.getElementById('main');
    return m.dataset.state === 'ready' && Number(m.dataset.render || 0) > n;
  }, {timeout: TIMEOUT}, after);
}

// Runs `action` (a click, a key) and waits for the page it leads to.
async function andRender(page, action) {
  const n = await renderCount(page);
  await action();
  await rendered(page, n);
}

async function goto(page, hash) {
  if ((await page.evaluate(() => location.hash)) === hash) return;
  await andRender(page, () => page.evaluate((h) => { location.hash = h; }, hash));
}

async function setToken(page, token) {
  if ((await page.$eval('#token', (el) => el.value)) === token) return;
  await andRender(page, async () => {
    await page.focus('#token');
    await page.$eval('#token', (el) => el.select());
    await page.keyboard.press('Backspace');
    await page.type('#token', token);
    await page.keyboard.press('Enter');
  });
}

async function columnTexts(page, column) {
  return page.$$eval(`#rows-table tbody td[data-column="${column}"]`, (tds) => tds.map((td) => td.textContent.trim()));
}

// The data-key of the row whose `column` cell reads `text` (null when none).
async function rowKey(page, column, text) {
  return page.$$eval(`#rows-table tbody td[data-column="${column}"]`, (tds, t) => {
    const td = tds.find((x) => x.textContent.trim() === t);
    return td ? td.closest('tr').dataset.key : null;
  }, text);
}

async function errorsShown(page, within = '#main') {
  return page.$$eval(`${within} .error`, (els) => els.map((e) => e.textContent.trim()));
}

async function setField(page, selector, value) {
  await page.$eval(selector, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }, value);
}

// Clicks the form's save button and returns the request the confirmation dialog shows.
async function saveAndReadConfirm(page, save = '#row-form-save') {
  await page.click(save);
  await page.waitForSelector('#confirm:not([hidden])', {visible: true, timeout: TIMEOUT});
  return {
    method: await page.$eval('#confirm-method', (el) => el.textContent.trim()),
    body: JSON.parse(await page.$eval('#confirm-body', (el) => el.textContent)),
  };
}

async function shot(page, name) {
  await page.screenshot({path: path.join(ARTIFACTS, name), fullPage: true});
}

// ---------------------------------------------------------------------------------------------
// Steps

async function schemasStep(page) {
  await page.goto(STUDIO_URL, {waitUntil: 'domcontentloaded', timeout: TIMEOUT});
  await page.waitForFunction(() => document.getElementById('main').dataset.state === 'ready', {timeout: TIMEOUT});
  if (ADMIN_TOKEN) {
    const errors = await page.$$eval('#main .error', (els) => els.map((e) => e.dataset.code));
    same(errors, ['unauthenticated'], 'errors shown before a token is entered');
  }
  await setToken(page, ADMIN_TOKEN);
  const {schemas = []} = await api('sluice.v1.SchemaService/ListSchemas', {});
  const shop = schemas.find((s) => s.name === SCHEMA);
  check(shop, `ListSchemas has no ${SCHEMA}: ${JSON.stringify(schemas)}`);
  await page.waitForSelector(`#schemas tr[data-schema="${SCHEMA}"]`, {timeout: TIMEOUT});
  const row = await page.$eval(`#schemas tr[data-schema="${SCHEMA}"]`, (tr) => ({
    version: tr.querySelector('td.version').textContent.trim(),
    hash: tr.querySelector('td.hash').textContent.trim(),
  }));
  same(row.version, String(shop.version), 'version shown');
  same(row.hash, shop.hash.slice(0, 12), 'hash prefix shown');
  same(await page.evaluate(() => sessionStorage.length > 0), true, 'token kept in sessionStorage');
}

async function diagramStep(page) {
  await andRender(page, () => page.click(`#schemas tr[data-schema="${SCHEMA}"] td.name a`));
  await page.waitForSelector('svg#diagram g.table', {timeout: TIMEOUT});
  const {schema} = await api('sluice.v1.SchemaService/GetSchema', {target: {schema: SCHEMA}});
  const tables = schema.tables || [];

  const boxes = await page.$$eval('svg#diagram g.table', (gs) => gs.map((g) => ({
    table: g.getAttribute('data-table'),
    columns: [...g.querySelectorAll('g.column')].map((c) => c.getAttribute('data-column')),
    pk: [...g.querySelectorAll('g.column')].filter((c) => c.querySelector('.pk'))
      .map((c) => c.getAttribute('data-column')),
    text: g.textContent,
  })));
  same(boxes.map((b) => b.table).sort(), tables.map((t) => t.name).sort(), 'one g.table per table');
  for (const t of tables) {
    const box = boxes.find((b) => b.table === t.name);
    same(box.columns, (t.columns || []).map((c) => c.name), `columns drawn for ${t.name}`);
    same(box.pk.sort(), [...primaryKey(t)].sort(), `primary key marked on ${t.name}`);
    for (const c of t.columns || []) {
      const type = String(c.type || '').toLowerCase();
      check(box.text.toLowerCase().includes(type), `${t.name}.${c.name}: type ${type} not shown`);
    }
  }

  const fks = [];
  for (const t of tables) {
    for (const c of t.columns || []) if (c.references) fks.push(`${t.name}.${c.name}->${c.references.table}`);
    for (const fk of t.foreignKeys || []) fks.push(`${t.name}.${(fk.columns || []).join(',')}->${fk.foreignTable}`);
  }
  const drawn = (selector, attr) => page.$$eval(selector, (ps, a) => ps.map((p) => p.getAttribute(a)).sort(), attr);
  same(await drawn('svg#diagram path.edge.fk', 'data-fk'), fks.sort(), 'foreign key edges');
  same(await drawn('svg#diagram path.edge.relation', 'data-relation'),
       (schema.relations || []).map((r) => `${r.table}.${r.name}`).sort(), 'relation edges');
  same(await drawn('svg#diagram path.edge.relation.no-fk', 'data-relation'), EXPECT_NO_FK,
       'relations drawn without a foreign key (SLUICE_EXPECT_NO_FK)');

  const style = await page.evaluate((noFk) => {
    const of = (el) => el && {dash: getComputedStyle(el).strokeDasharray, stroke: getComputedStyle(el).stroke,
                              title: (el.querySelector('title') || {}).textContent || ''};
    return {
      fk: of(document.querySelector('path.edge.fk')),
      relation: of(document.querySelector('path.edge.relation:not(.no-fk)')),
      noFk: noFk ? of(document.querySelector(`path.edge.relation.no-fk[data-relation="${noFk}"]`)) : null,
      legend: (document.getElementById('legend') || {}).textContent || '',
    };
  }, EXPECT_NO_FK[0] || '');
  check(style.fk && style.fk.dash === 'none', `a foreign key edge is solid (dasharray ${style.fk && style.fk.dash})`);
  if (style.relation) {
    check(style.relation.dash !== 'none', 'a relation edge is dashed');
    check(style.relation.stroke !== style.fk.stroke, 'relation and foreign key edges have different colors');
  }
  check(style.legend.includes('relation without a foreign key'), 'the legend explains relations without a foreign key');
  if (style.noFk) {
    check(style.noFk.dash !== style.fk.dash, 'a relation without a foreign key is not drawn like a foreign key');
    check(!style.relation || style.noFk.stroke !== style.relation.stroke,
          'a relation without a foreign key has its own (warning) color');
    check(style.noFk.title.includes('relation without a foreign key'), `no-fk tooltip: "${style.noFk.title}"`);
  }
  await shot(page, 'diagram.png');
}

async function browserStep(page) {
  await andRender(page, () => page.click('svg#diagram g.table[data-table="users"]'));
  const hash = await page.evaluate(() => location.hash);
  check(hash.endsWith(`/schema/${SCHEMA}/table/users`), `the users box opens ${hash}`);
  const emails = await columnTexts(page, 'email');
  for (const e of ['ada@example.com', 'bob@example.com']) check(emails.includes(e), `users shows ${e}: ${emails}`);
  const names = await columnTexts(page, 'name');
  for (const n of ['Ada', 'Bob']) check(names.includes(n), `users shows ${n}: ${names}`);

  const sortBy = async (column, expected) => {
    await andRender(page, () => page.click(`#rows-table th[data-column="${column}"] button.sort`));
    const sorted = await page.$eval(`#rows-table th[data-column="${column}"]`, (th) => th.dataset.sort);
    same(sorted, expected, `sort direction of ${column}`);
    return columnTexts(page, column);
  };
  const asc = await sortBy('email', 'asc');
  same(asc, [...asc].sort(), 'emails ascending');
  const desc = await sortBy('email', 'desc');
  same(desc, [...desc].sort().reverse(), 'emails descending');
  check(desc.indexOf('bob@example.com') < desc.indexOf('ada@example.com'), `descending puts bob first: ${desc}`);

  await andRender(page, async () => {
    await page.type('#rows-table input.filter[data-column="name"]', 'Ada');
    await page.keyboard.press('Enter');
  });
  same(await columnTexts(page, 'name'), ['Ada'], 'rows left by the filter name = Ada');
  same(await columnTexts(page, 'balance'), ['12.50'], 'the decimal cell, exact');
  same(await page.$eval('#rows-table input.filter[data-column="name"]', (el) => el.value), 'Ada', 'filter kept');

  await andRender(page, () => page.click('#rows-table tbody tr a.relation-link[data-relation="posts"]'));
  check((await page.evaluate(() => location.hash)).includes(`/schema/${SCHEMA}/table/posts`), 'posts link opens posts');
  same((await columnTexts(page, 'title')).sort(), ['Engines', 'Notes'], "Ada's posts");
  // Values exactly as stored: JSON as its text, bytes as base64 (labelled), a double, NULL marked.
  const engines = await rowKey(page, 'title', 'Engines');
  const cell = (column) => page.$eval(`#rows-table tbody tr[data-key="${engines}"] td[data-column="${column}"]`,
                                      (td) => td.textContent.trim());
  same(await cell('metadata'), '{"tags":["math",3.5]}', 'the JSON cell');
  same(await cell('cover'), 'base64 AAEC/w==', 'the bytes cell');
  same(await cell('rating'), '4.25', 'the double cell');
  same(await cell('body'), 'NULL', 'the NULL cell');
  same(await errorsShown(page), [], 'errors on the posts page');
  await shot(page, 'browser.png');
}

async function queryStep(page) {
  await andRender(page, () => page.click('#nav a[data-nav="query"]'));
  const {schema} = await api('sluice.v1.SchemaService/GetSchema', {target: {schema: SCHEMA}});
  const prefilled = JSON.parse(await page.$eval('#query', (el) => el.value));
  same(prefilled.select && prefilled.select.table, schema.tables[0].name, 'table of the query pad example');

  const request = {target: {schema: SCHEMA}, select: {table: 'users', orderBy: [{expression: {column: {name: 'id'}}}]}};
  await setField(page, '#query', JSON.stringify(request, null, 2));
  const runs = await page.$eval('#query-pad', (el) => Number(el.dataset.runs));
  await page.click('#run');
  await page.waitForFunction((r) => Number(document.getElementById('query-pad').dataset.runs) > r,
                             {timeout: TIMEOUT}, runs);

  same(await errorsShown(page, '#sql'), [], 'errors in #sql');
  const sql = await page.$eval('#sql', (el) => el.textContent);
  check(/\bSELECT\b/i.test(sql), `#sql has no SELECT: ${sql}`);
  check(sql.includes('"users"') || sql.includes('`users`'), `#sql does not quote the table name: ${sql}`);
  check(await page.$('#explain pre, #explain .error'), '#explain shows neither a plan nor an error');
  same(await errorsShown(page, '#rows'), [], 'errors in #rows');
  const rows = await page.$eval('#rows', (el) => el.textContent);
  const ada = rows.indexOf('ada@example.com');
  const bob = rows.indexOf('bob@example.com');
  check(ada >= 0 && bob > ada, `#rows shows ada then bob (order by id): ${rows.slice(0, 300)}`);
  await shot(page, 'query.png');
}

async function migrationsStep(page) {
  await andRender(page, () => page.click('#nav a[data-nav="migrations"]'));
  const status = await api('sluice.v1.MigrationService/Status', {target: {schema: SCHEMA}});
  const applied = (status.applied || []).map((m) => m.name);
  check(applied.length >= 1, 'no migration is applied to shop (the launcher must run `sluice migrate shop`)');
  same(await errorsShown(page), [], 'errors on the migrations page');
  same(await page.$$eval('#applied tbody tr', (trs) => trs.map((tr) => tr.dataset.migration)), applied,
       'applied migrations shown');
  same(await page.$eval('#drift', (el) => el.dataset.count), '0', 'drift lines shown');
  same(await page.$eval('#dirty', (el) => el.dataset.dirty), 'false', 'dirty flag shown');
  await shot(page, 'migrations.png');
}

async function editStep(page) {
  check(DATA_TOKEN, 'SLUICE_DATA_TOKEN is not set');
  await goto(page, `#/schema/${SCHEMA}/table/users`);

  // Admin: Bob becomes Robert, through the form and the confirmation.
  const bob = await rowKey(page, 'email', 'bob@example.com');
  check(bob, "no row for bob@example.com (or users rows carry no data-key)");
  await page.click(`#rows-table tbody tr[data-key="${bob}"] button.edit`);
  await page.waitForSelector('#row-form [data-field="name"]', {timeout: TIMEOUT});
  await setField(page, '#row-form [data-field="name"]', 'Robert');
  const update = await saveAndReadConfirm(page);
  same(update.method, 'sluice.v1.QueryService/Update', 'method confirmed');
  same(update.body.update && update.body.update.set, {name: {stringValue: 'Robert'}}, 'update.set confirmed');
  check(update.body.update.where, 'the update confirmed has no where');
  await andRender(page, () => page.click('#confirm-yes'));
  same(await errorsShown(page), [], 'errors after the update');
  const nameCell = `#rows-table tbody tr[data-key="${bob}"] td[data-column="name"]`;
  same(await page.$eval(nameCell, (td) => td.textContent.trim()), 'Robert', "Bob's name shown after the update");
  const stored = await api('sluice.v1.QueryService/Select', {target: {schema: SCHEMA}, select: {table: 'users',
    where: {eq: {left: {column: {name: 'email'}}, right: {value: {stringValue: 'bob@example.com'}}}}}});
  const storedRows = JSON.stringify(stored.result.rows);
  check(storedRows.includes('"Robert"'), `Bob's row in the database: ${storedRows}`);

  // Admin: a new row through the form (the columns left empty take their defaults).
  await page.click('#new-row');
  await page.waitForSelector('#row-form [data-field="email"]', {timeout: TIMEOUT});
  await setField(page, '#row-form [data-field="email"]', 'studio-temp@example.com');
  await setField(page, '#row-form [data-field="name"]', 'Temp');
  const insert = await saveAndReadConfirm(page);
  same(insert.method, 'sluice.v1.QueryService/Insert', 'method confirmed');
  same(insert.body.insert && insert.body.insert.rows,
       [{values: {email: {stringValue: 'studio-temp@example.com'}, name: {stringValue: 'Temp'}}}], 'insert confirmed');
  await andRender(page, () => page.click('#confirm-yes'));
  same(await errorsShown(page), [], 'errors after the insert');
  const temp = await rowKey(page, 'email', 'studio-temp@example.com');
  check(temp, 'the inserted row is not shown');

  // Data token: Studio's edits are held to the admin scope (Sluice-Scope: admin), so the server
  // refuses the delete and the row stays.
  const deleteTemp = async () => {
    await page.click(`#rows-table tbody tr[data-key="${temp}"] button.delete`);
    await page.waitForSelector('#confirm:not([hidden])', {visible: true, timeout: TIMEOUT});
    const del = JSON.parse(await page.$eval('#confirm-body', (el) => el.textContent));
    check(del.delete && del.delete.table === 'users' && del.delete.where, `delete confirmed: ${JSON.stringify(del)}`);
  };
  await setToken(page, DATA_TOKEN);
  await deleteTemp();
  await page.click('#confirm-yes');
  await page.waitForSelector('#main .error[data-code]', {timeout: TIMEOUT});
  same(await page.$$eval('#main .error', (els) => els.map((e) => e.dataset.code)), ['permission_denied'],
       'the delete with the data token');
  const kept = await api('sluice.v1.QueryService/Select', {target: {schema: SCHEMA}, select: {table: 'users',
    where: {eq: {left: {column: {name: 'email'}}, right: {value: {stringValue: 'studio-temp@example.com'}}}}}});
  same((kept.result.rows || []).length, 1, 'the row the data token could not delete');
  await shot(page, 'refused.png');

  // Admin again: the delete runs.
  await setToken(page, ADMIN_TOKEN);
  await deleteTemp();
  await andRender(page, () => page.click('#confirm-yes'));
  same(await errorsShown(page), [], 'errors after the delete with the admin token');
  same(await rowKey(page, 'email', 'studio-temp@example.com'), null, 'the deleted row is gone');

  // A refused edit: Ada's email made Bob's breaks the unique constraint; the error shows, Ada stays.
  const ada = await rowKey(page, 'email', 'ada@example.com');
  await page.click(`#rows-table tbody tr[data-key="${ada}"] button.edit`);
  await page.waitForSelector('#row-form [data-field="email"]', {timeout: TIMEOUT});
  await setField(page, '#row-form [data-field="email"]', 'bob@example.com');
  await saveAndReadConfirm(page);
  await page.click('#confirm-yes');
  await page.waitForSelector('#row-form .error', {timeout: TIMEOUT});
  same(await page.$eval('#row-form .error', (el) => el.dataset.code), 'already_exists', 'code of the refused update');
  same(await rowKey(page, 'email', 'ada@example.com'), ada, "Ada's row after the refused update");
  await shot(page, 'edit.png');

  // Data token on an admin call: the migrations page shows permission_denied.
  await setToken(page, DATA_TOKEN);
  await andRender(page, () => page.click('#nav a[data-nav="migrations"]'));
  same(await page.$$eval('#main .error', (els) => els.map((e) => e.dataset.code)), ['permission_denied'],
       'errors on the migrations page with the data token');
  await shot(page, 'permission.png');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  page.setDefaultTimeout(TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`); });
  // The page is offline-ready: nothing but sluiced's own origin is asked for.
  const foreign = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(ORIGIN) && !req.url().startsWith('data:')) foreign.push(req.url());
  });

  const steps = [
    ['schemas page lists shop with its version', schemasStep],
    ['diagram draws every table, foreign key and relation', diagramStep],
    ['table browser sorts, filters and follows the posts relation', browserStep],
    ['query pad shows the SQL, the plan and the rows', queryStep],
    ['migrations page shows the applied migrations and no drift', migrationsStep],
    ['edits are confirmed, need an admin token, and refusals are shown', editStep],
  ];
  let failed = false;
  for (const [i, [name, step]] of steps.entries()) {
    try {
      await step(page);
      // Failed calls are the page's to show; uncaught errors are bugs.
      const uncaught = pageErrors.filter((e) => e.startsWith('uncaught'));
      check(!uncaught.length, `page errors: ${uncaught.join('; ')}`);
      check(!foreign.length, `requests to other origins: ${foreign.join(', ')}`);
      console.log(`ok ${i + 1} - ${name}`);
    } catch (err) {
      failed = true;
      console.log(`not ok ${i + 1} - ${name}: ${err.message}`);
      if (pageErrors.length) console.log(`  page console: ${pageErrors.join('\n  ')}`);
      await shot(page, `failure-${i + 1}.png`).catch(() => {});
      break;
    }
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.log(`not ok - ${err.stack || err.message}`);
  process.exit(1);
});
