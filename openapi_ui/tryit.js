// "Try it": a form for an operation's parameters and body, prefilled with examples; it
// sends the real request with fetch and shows status, time, headers and the body.

import { add, h, pretty, uid } from './dom.js';
import { exampleFor } from './examples.js';
import { deref, mainType } from './schema.js';

/** Bodies longer than this are cut in the view (the request itself is unaffected). */
const MAX_SHOWN = 200000;
const TEXTUAL = /^text\/|[/+]json\b|[/+]xml\b|javascript|x-www-form-urlencoded/i;

/** The example of a parameter: its own example(s), else one made from its schema. */
export function parameterExample(param, doc) {
  if ('example' in param) return param.example;
  if (param.examples && typeof param.examples === 'object') {
    const first = Object.values(param.examples)[0];
    const resolved = deref(first, doc);
    if (resolved && typeof resolved === 'object' && 'value' in resolved) return resolved.value;
  }
  return exampleFor(param.schema, doc, { mode: 'request' });
}

/** The values an enum or boolean parameter can take, or null for free text. */
function choices(schema, doc) {
  const s = deref(schema, doc);
  if (!s || typeof s !== 'object') return null;
  if (Array.isArray(s.enum)) return s.enum.filter((v) => v !== null);
  if (mainType(s) === 'boolean') return [true, false];
  for (const variant of s.anyOf || s.oneOf || []) {
    const found = choices(variant, doc);
    if (found) return found;
  }
  return null;
}

function asText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function paramField(param, doc) {
  const id = uid('param');
  const schema = deref(param.schema, doc) || {};
  const isArray = mainType(schema) === 'array';
  const example = parameterExample(param, doc);
  const label = h('label', { for: id }, h('code', null, param.name), ` ${param.in}`, param.required ? h('span', { class: 'badge required' }, 'required') : null);
  const options = choices(isArray ? schema.items : param.schema, doc);
  let input;
  if (options && !isArray) {
    input = h('select', { id }, param.required ? null : h('option', { value: '' }, '(not sent)'), options.map((v) => h('option', { value: asText(v), selected: asText(v) === asText(example) }, asText(v))));
  } else if (isArray) {
    const lines = Array.isArray(example) ? example.map(asText).join('\n') : asText(example);
    input = h('textarea', { id, rows: 2, spellcheck: 'false', 'aria-describedby': `${id}-hint` }, lines);
  } else {
    const numeric = ['integer', 'number'].includes(mainType(schema));
    input = h('input', { id, type: 'text', value: asText(example), inputmode: numeric ? 'decimal' : null, spellcheck: 'false', autocomplete: 'off' });
  }
  input.dataset.name = param.name;
  input.dataset.in = param.in;
  input.dataset.array = isArray ? '1' : '';
  input.dataset.required = param.required ? '1' : '';
  return h('div', { class: 'field' }, label, input, isArray ? h('small', { id: `${id}-hint`, class: 'muted' }, 'One value per line.') : null);
}

function mediaExample(media, doc) {
  if (media && 'example' in media) return media.example;
  if (media && media.examples && typeof media.examples === 'object') {
    const first = deref(Object.values(media.examples)[0], doc);
    if (first && typeof first === 'object' && 'value' in first) return first.value;
  }
  return exampleFor(media && media.schema, doc, { mode: 'request' });
}

function bodyText(type, media, doc) {
  const example = mediaExample(media, doc);
  if (/json/i.test(type)) return pretty(example);
  return asText(example);
}

/** The Try it panel of one operation. */
export function tryItPanel(op, ctx) {
  const { doc } = ctx;
  const fields = op.parameters.map((p) => paramField(p, doc));
  const content = (op.requestBody && op.requestBody.content) || {};
  const types = Object.keys(content);
  const bodyId = uid('body');
  let typeSelect = null;
  let bodyInput = null;
  const bodyParts = [];
  if (types.length) {
    const first = types.find((t) => /json/i.test(t)) || types[0];
    bodyInput = h('textarea', { id: bodyId, class: 'code', rows: 10, spellcheck: 'false' }, bodyText(first, content[first], doc));
    if (types.length > 1) {
      typeSelect = h('select', { 'aria-label': 'Content type of the body', onchange: () => { bodyInput.value = bodyText(typeSelect.value, content[typeSelect.value], doc); } }, types.map((t) => h('option', { value: t, selected: t === first }, t)));
    }
    bodyParts.push(
      h('div', { class: 'field body-field' },
        h('label', { for: bodyId }, 'Request body', op.requestBody.required ? h('span', { class: 'badge required' }, 'required') : null, ' ', typeSelect || h('code', null, first)),
        bodyInput),
    );
  }
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send request');
  const form = h('form', { class: 'tryit-form', novalidate: true }, fields.length ? h('div', { class: 'fields' }, fields) : null, bodyParts, h('div', { class: 'actions' }, send), problem);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    let request;
    try {
      request = buildRequest(op, ctx, form, bodyInput, typeSelect ? typeSelect.value : types.find((t) => /json/i.test(t)) || types[0]);
    } catch (error) {
      problem.textContent = error.message;
      return;
    }
    send.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, `Sending ${request.method} ${request.shown}…`));
    try {
      result.replaceChildren(await perform(request));
    } finally {
      send.disabled = false;
    }
  });
  return h('section', { class: 'tryit' }, h('h4', null, 'Try it'), form, result);
}

/** Read the form into {method, url, init, shown}; throws when a required value is missing. */
function buildRequest(op, ctx, form, bodyInput, bodyType) {
  const query = new URLSearchParams();
  const headers = new Headers();
  let path = op.path;
  for (const input of form.querySelectorAll('[data-name]')) {
    const { name, in: where, array, required } = input.dataset;
    const raw = input.value;
    const values = array ? raw.split('\n').map((v) => v.trim()).filter(Boolean) : raw === '' ? [] : [raw];
    if (!values.length) {
      if (required) throw new Error(`Fill in ${name} (${where}).`);
      continue;
    }
    if (where === 'path') path = path.split(`{${name}}`).join(encodeURIComponent(values.join(',')));
    else if (where === 'query') for (const v of values) query.append(name, v);
    else if (where === 'header') headers.set(name, values.join(','));
    else if (where === 'cookie') document.cookie = `${encodeURIComponent(name)}=${encodeURIComponent(values.join(','))}; path=/; SameSite=Strict`;
  }
  const security = op.operation.security !== undefined ? op.operation.security : ctx.doc.security;
  const applied = ctx.auth ? ctx.auth.apply(security, headers, query) : [];
  // An operation behind HTTP basic answers 401 with `WWW-Authenticate: Basic` until the
  // right credentials are sent; with the browser's own credentials in play, that 401
  // opens its login prompt and the request waits on it. The Authorization header set
  // here is what counts, so such a request leaves the browser's credentials out.
  const basic = ctx.auth ? ctx.auth.usesBasic(security) : false;
  const init = { method: op.method.toUpperCase(), headers, credentials: basic ? 'omit' : 'same-origin', redirect: 'follow' };
  if (bodyInput && bodyInput.value.trim() !== '' && !['GET', 'HEAD'].includes(init.method)) {
    init.body = bodyInput.value;
    if (!/^multipart\//i.test(bodyType)) headers.set('Content-Type', bodyType);
  }
  const qs = query.toString();
  const url = ctx.base.replace(/\/+$/, '') + path + (qs ? `?${qs}` : '');
  const shown = new URL(url, location.href);
  return { method: init.method, url, init, applied, shown: shown.pathname + shown.search };
}

async function perform(request) {
  const started = performance.now();
  let response;
  let bytes;
  try {
    response = await fetch(request.url, request.init);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return h('div', { class: 'problem', role: 'alert' }, h('strong', null, 'The request failed'), `: ${error.message}. No response was received.`);
  }
  const elapsed = Math.round(performance.now() - started);
  const type = response.headers.get('Content-Type') || '';
  const klass = `status status-${String(response.status)[0]}xx`;
  const headerRows = [...response.headers.entries()].map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v)));
  return h(
    'div',
    { class: 'response-view' },
    h('div', { class: 'result-line' },
      h('span', { class: klass, 'data-status': response.status }, `${response.status} ${response.statusText}`.trim()),
      h('span', { class: 'time' }, `${elapsed} ms`),
      h('code', { class: 'request-line' }, `${request.method} ${request.shown}`),
      request.applied.length ? h('span', { class: 'muted' }, `with ${request.applied.join(', ')}`) : null),
    bodyView(bytes, type, response.status),
    h('details', { class: 'response-headers' }, h('summary', null, `Response headers (${headerRows.length})`), h('table', null, h('tbody', null, headerRows))),
  );
}

function bodyView(bytes, type, status) {
  if (!bytes.length) return h('p', { class: 'muted body-empty' }, 'No body.');
  if (type && !TEXTUAL.test(type)) return h('p', { class: 'muted' }, `${bytes.length} bytes of ${type} (not shown).`);
  const text = new TextDecoder().decode(bytes);
  let data;
  let shown = text;
  if (/json/i.test(type) || (!type && /^\s*[[{]/.test(text))) {
    try {
      data = JSON.parse(text);
      shown = pretty(data);
    } catch {
      data = undefined;
    }
  }
  const cut = shown.length > MAX_SHOWN;
  return h(
    'div',
    { class: 'body-view' },
    status >= 400 && data !== undefined ? errorSummary(data, status) : null,
    h('pre', { class: 'code response-body', tabindex: '0', 'aria-label': 'Response body' }, cut ? shown.slice(0, MAX_SHOWN) : shown),
    cut ? h('p', { class: 'muted' }, `Showing the first ${MAX_SHOWN} characters of ${shown.length}.`) : null,
  );
}

/** lcore's (and similar) error shapes as a sentence and a list of problems. */
export function errorSummary(data, status) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const title = typeof data.error === 'string' ? data.error : typeof data.title === 'string' ? data.title : `Error ${status}`;
  const message = typeof data.message === 'string' ? data.message : typeof data.detail === 'string' ? data.detail : null;
  const problems = Array.isArray(data.detail) ? data.detail : Array.isArray(data.errors) ? data.errors : [];
  const items = problems.slice(0, 100).map((p) => {
    if (!p || typeof p !== 'object') return h('li', null, asText(p));
    const loc = Array.isArray(p.loc) ? p.loc.map(asText).join(' → ') : asText(p.loc ?? p.field ?? '');
    return h('li', null, loc ? h('code', { class: 'loc' }, loc) : null, loc ? ': ' : null, asText(p.msg ?? p.message ?? ''), p.type ? h('span', { class: 'muted' }, ` (${asText(p.type)})`) : null);
  });
  const box = h('div', { class: 'problem', role: 'alert' }, h('strong', null, `${status} ${title}`), message ? `: ${message}` : null);
  if (items.length) add(box, h('ul', { class: 'problem-list' }, items));
  return box;
}
