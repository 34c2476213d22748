// The /docs page: loads the OpenAPI document named by <meta name="lcore-docs-json">,
// lists its operations by tag, filters them, opens one per URL fragment (#operationId,
// so links and the back button work), and lists the component schemas.

import { AuthStore, authPanel } from './auth.js';
import { add, clear, h, pretty } from './dom.js';
import { exampleFor } from './examples.js';
import { renderInline, renderMarkdown } from './markdown.js';
import { operationPanel } from './operation.js';
import { schemaTree, typeLabel } from './schema.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const entries = new Map(); // operation id -> entry
let ctx = null;

function meta(name, fallback) {
  const el = document.querySelector(`meta[name="${name}"]`);
  return el ? el.getAttribute('content') : fallback;
}

function status(text, isError) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.hidden = !text;
  el.classList.toggle('error', !!isError);
  el.setAttribute('role', isError ? 'alert' : 'status');
}

/** Where "Try it" sends requests: servers[0] when it is on this origin, else the app root. */
function apiBase(doc, jsonUrl) {
  const root = new URL(meta('lcore-docs-root', './'), location.href);
  const server = Array.isArray(doc.servers) ? doc.servers[0] : null;
  if (server && typeof server.url === 'string') {
    const raw = server.url.replace(/\{([^}]+)\}/g, (_, name) => String(server.variables?.[name]?.default ?? ''));
    try {
      const url = new URL(raw, jsonUrl);
      if (url.origin === location.origin) return url.href;
    } catch {
      // not a URL: fall back to the app root
    }
  }
  return root.href;
}

function operationEntries(doc) {
  const list = [];
  const used = new Set();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation || typeof operation !== 'object') continue;
      let id = typeof operation.operationId === 'string' && operation.operationId ? operation.operationId : `${method}${path}`.replace(/[^A-Za-z0-9_-]+/g, '_');
      while (used.has(id)) id += '_';
      used.add(id);
      const tags = Array.isArray(operation.tags) && operation.tags.length ? operation.tags.map(String) : ['default'];
      const text = [method, path, operation.summary || '', operation.operationId || '', ...tags].join(' ').toLowerCase();
      list.push({ id, method, path, operation, pathItem: item, tags, text, open: false, built: false });
    }
  }
  return list;
}

function renderInfo(doc, jsonUrl) {
  const info = doc.info || {};
  const title = String(info.title || 'API');
  document.title = `${title} – API docs`;
  document.getElementById('title').textContent = title;
  const servers = Array.isArray(doc.servers) ? doc.servers.filter((s) => s && typeof s.url === 'string') : [];
  const el = document.getElementById('info');
  add(clear(el), [
    h('p', { class: 'meta' },
      info.version ? h('span', { class: 'badge version' }, `v${info.version}`) : null,
      doc.openapi ? h('span', { class: 'badge' }, `OpenAPI ${doc.openapi}`) : null,
      h('a', { href: jsonUrl.href, class: 'json-link' }, 'OpenAPI document (JSON)')),
    info.description ? h('div', { class: 'markdown' }, renderMarkdown(info.description)) : null,
    servers.length ? h('div', { class: 'servers' }, h('h2', null, 'Servers'), h('ul', null, servers.map((s) => h('li', null, h('code', null, s.url), s.description ? ` – ${s.description}` : null)))) : null,
  ]);
}

function renderOperations(doc, list) {
  const order = [];
  const described = new Map();
  for (const tag of Array.isArray(doc.tags) ? doc.tags : []) {
    if (tag && tag.name) {
      order.push(String(tag.name));
      described.set(String(tag.name), tag.description);
    }
  }
  for (const entry of list) if (!order.includes(entry.tags[0])) order.push(entry.tags[0]);
  const container = clear(document.getElementById('operations'));
  for (const tag of order) {
    const mine = list.filter((e) => e.tags[0] === tag);
    if (!mine.length) continue;
    const section = h('section', { class: 'tag', 'data-tag': tag },
      h('h2', { class: 'tag-name' }, tag),
      described.get(tag) ? h('div', { class: 'markdown tag-desc' }, renderMarkdown(described.get(tag))) : null,
      mine.map(operationElement));
    container.append(section);
    for (const entry of mine) entry.section = section;
  }
}

function operationElement(entry) {
  const { operation } = entry;
  const panelId = `panel-${entry.id}`;
  entry.button = h(
    'button',
    { type: 'button', class: 'op-toggle', 'aria-expanded': 'false', 'aria-controls': panelId, onclick: () => toggle(entry) },
    h('span', { class: `method method-${entry.method}` }, entry.method.toUpperCase()),
    h('span', { class: 'path' }, entry.path),
    h('span', { class: 'summary' }, operation.summary || ''),
    operation.deprecated ? h('span', { class: 'badge deprecated' }, 'deprecated') : null,
    (operation.security !== undefined ? operation.security : ctx.doc.security)?.length ? h('span', { class: 'badge lock', title: 'Needs authorization' }, 'auth') : null,
  );
  entry.panel = h('div', { class: 'op-panel', id: panelId, hidden: true });
  entry.el = h('article', { class: `op op-${entry.method}${operation.deprecated ? ' deprecated' : ''}`, id: `op-${entry.id}`, 'data-operation-id': entry.id }, h('h3', { class: 'op-heading' }, entry.button), entry.panel);
  return entry.el;
}

function setOpen(entry, open) {
  if (open && !entry.built) {
    entry.built = true;
    add(entry.panel, [h('p', { class: 'op-link' }, h('a', { href: `#${encodeURIComponent(entry.id)}` }, `#${entry.id}`)), operationPanel(entry, ctx)]);
  }
  entry.open = open;
  entry.panel.hidden = !open;
  entry.button.setAttribute('aria-expanded', String(open));
  entry.el.classList.toggle('open', open);
}

/** A click: open the operation through the fragment (a history entry), or close it. */
function toggle(entry) {
  if (entry.open) {
    setOpen(entry, false);
    if (currentId() === entry.id) history.pushState(null, '', location.pathname + location.search);
  } else {
    location.hash = encodeURIComponent(entry.id);
  }
}

function currentId() {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return '';
  }
}

/** Show what the fragment names: one operation open (none for no fragment), or a model. */
function route(initial) {
  const id = currentId();
  const target = entries.get(id);
  if (target || !id) {
    for (const entry of entries.values()) if (entry !== target && entry.open) setOpen(entry, false);
  }
  if (target) {
    setOpen(target, true);
    if (target.el.hidden) clearFilter();
    target.el.scrollIntoView({ block: 'start' });
    if (!initial || document.activeElement === document.body) target.button.focus({ preventScroll: true });
  } else if (id) {
    const el = document.getElementById(id);
    if (el && el.tagName === 'DETAILS') el.open = true;
    if (el) el.scrollIntoView({ block: 'start' });
  }
}

function clearFilter() {
  const input = document.getElementById('filter');
  input.value = '';
  applyFilter('');
}

function applyFilter(text) {
  const terms = text.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const entry of entries.values()) {
    const visible = terms.every((t) => entry.text.includes(t));
    entry.el.hidden = !visible;
    if (visible) shown += 1;
  }
  for (const section of document.querySelectorAll('#operations section.tag')) {
    section.hidden = !section.querySelector('article.op:not([hidden])');
  }
  const count = document.getElementById('filter-count');
  count.textContent = terms.length ? `${shown} of ${entries.size} operations` : `${entries.size} operations`;
  document.getElementById('no-match').hidden = shown > 0 || !entries.size;
}

function renderModels(doc) {
  const schemas = (doc.components && doc.components.schemas) || {};
  const names = Object.keys(schemas);
  const el = document.getElementById('models');
  el.hidden = !names.length;
  if (!names.length) return;
  add(clear(el), [
    h('h2', null, 'Models'),
    names.map((name) => {
      const ref = { $ref: `#/components/schemas/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` };
      const schema = schemas[name] || {};
      const details = h('details', { class: 'model', id: `model-${name}` },
        h('summary', null, h('span', { class: 'model-name' }, name), ' ', h('span', { class: 'type' }, typeLabel(schema)), schema.description ? h('span', { class: 'muted model-desc' }, ' – ', renderInline(String(schema.description).split('\n')[0])) : null));
      let built = false;
      details.addEventListener('toggle', () => {
        if (!details.open || built) return;
        built = true;
        details.append(schemaTree(ref, doc), h('details', { class: 'example' }, h('summary', null, 'Example'), h('pre', { class: 'code' }, pretty(exampleFor(ref, doc)))));
      });
      return details;
    }),
  ]);
}

async function start() {
  const jsonUrl = new URL(meta('lcore-docs-json', 'docs/json'), location.href);
  let doc;
  try {
    const response = await fetch(jsonUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`.trim());
    doc = await response.json();
    if (!doc || typeof doc !== 'object') throw new Error('not an OpenAPI document');
  } catch (error) {
    status(`Could not load the API description from ${jsonUrl.pathname}: ${error.message}`, true);
    return;
  }
  const schemes = (doc.components && doc.components.securitySchemes) || {};
  ctx = { doc, base: apiBase(doc, jsonUrl), auth: new AuthStore(schemes, `lcore-docs-auth:${jsonUrl.pathname}`) };
  renderInfo(doc, jsonUrl);
  const panel = authPanel(ctx.auth);
  const authSlot = clear(document.getElementById('auth'));
  if (panel) authSlot.append(panel);
  authSlot.hidden = !panel;
  const list = operationEntries(doc);
  for (const entry of list) entries.set(entry.id, entry);
  renderOperations(doc, list);
  renderModels(doc);
  const filter = document.getElementById('filter');
  filter.addEventListener('input', () => applyFilter(filter.value));
  filter.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') clearFilter();
  });
  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable]');
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      filter.focus();
    }
  });
  applyFilter(filter.value);
  document.getElementById('toolbar').hidden = false;
  status('');
  window.addEventListener('hashchange', () => route(false));
  window.addEventListener('popstate', () => route(false));
  route(true);
  document.body.dataset.ready = 'true';
}

start();
