// One operation opened: description, parameters table, request body, responses (each
// with its schema tree and a generated example), and the Try it form.

import { h, pretty } from './dom.js';
import { exampleFor } from './examples.js';
import { renderMarkdown } from './markdown.js';
import { constraints, deref, schemaTree, typeLabel } from './schema.js';
import { parameterExample, tryItPanel } from './tryit.js';

/** The operation's parameters: the path item's, overridden by the operation's own. */
export function mergedParameters(pathItem, operation, doc) {
  const byKey = new Map();
  for (const raw of [...(pathItem.parameters || []), ...(operation.parameters || [])]) {
    const param = deref(raw, doc);
    if (param && typeof param === 'object' && param.name && param.in) byKey.set(`${param.in}:${param.name}`, param);
  }
  return [...byKey.values()];
}

function show(value) {
  return value === undefined ? '' : JSON.stringify(value);
}

function cell(label, ...children) {
  return h('td', { 'data-label': label }, ...children);
}

function parametersTable(parameters, doc) {
  if (!parameters.length) return h('p', { class: 'muted' }, 'No parameters.');
  const rows = parameters.map((p) => {
    const schema = deref(p.schema, doc) || {};
    return h(
      'tr',
      { class: p.deprecated ? 'deprecated' : null },
      h('th', { scope: 'row', 'data-label': 'Name' }, h('code', null, p.name), p.deprecated ? h('span', { class: 'badge deprecated' }, 'deprecated') : null),
      cell('In', p.in),
      cell('Type', h('span', { class: 'type' }, typeLabel(p.schema))),
      cell('Required', p.required ? h('span', { class: 'badge required' }, 'required') : 'no'),
      cell('Description', p.description ? renderMarkdown(p.description) : ''),
      cell('Constraints', constraints(p.schema, doc).join(', ')),
      cell('Default', 'default' in schema ? h('code', null, show(schema.default)) : ''),
      cell('Example', h('code', null, show(parameterExample(p, doc)))),
    );
  });
  const head = ['Name', 'In', 'Type', 'Required', 'Description', 'Constraints', 'Default', 'Example'].map((t) => h('th', { scope: 'col' }, t));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'params' }, h('thead', null, h('tr', null, head)), h('tbody', null, rows)));
}

function mediaBlock(type, media, doc, mode) {
  const schema = media && media.schema;
  const example = media && 'example' in media ? media.example : exampleFor(schema, doc, { mode });
  return h(
    'div',
    { class: 'media' },
    h('div', { class: 'media-type' }, h('code', null, type)),
    schema ? schemaTree(schema, doc) : null,
    h('details', { class: 'example', open: true }, h('summary', null, 'Example'), h('pre', { class: 'code' }, /json/i.test(type) ? pretty(example) : String(example ?? ''))),
  );
}

function requestBodyBlock(body, doc) {
  const resolved = deref(body, doc);
  if (!resolved || typeof resolved !== 'object') return null;
  const content = resolved.content || {};
  return h(
    'section',
    { class: 'request-body' },
    h('h4', null, 'Request body', resolved.required ? h('span', { class: 'badge required' }, 'required') : null),
    resolved.description ? h('div', { class: 'markdown' }, renderMarkdown(resolved.description)) : null,
    Object.entries(content).map(([type, media]) => mediaBlock(type, media, doc, 'request')),
  );
}

function responsesBlock(responses, doc) {
  const entries = Object.entries(responses || {});
  if (!entries.length) return null;
  return h(
    'section',
    { class: 'responses' },
    h('h4', null, 'Responses'),
    entries.map(([code, raw]) => {
      const response = deref(raw, doc) || {};
      const headers = Object.entries(response.headers || {});
      return h(
        'div',
        { class: 'response' },
        h('div', { class: 'response-head' }, h('span', { class: `status status-${code[0]}xx` }, code), h('div', { class: 'markdown' }, renderMarkdown(response.description || ''))),
        headers.length ? h('p', { class: 'muted' }, 'Headers: ', headers.map(([name, header], i) => [i ? ', ' : '', h('code', null, name), ` ${typeLabel((deref(header, doc) || {}).schema)}`])) : null,
        Object.entries(response.content || {}).map(([type, media]) => mediaBlock(type, media, doc, 'response')),
      );
    }),
  );
}

function securityNote(operation, doc) {
  const requirements = operation.security !== undefined ? operation.security : doc.security;
  if (!Array.isArray(requirements) || !requirements.length) return null;
  const options = requirements.map((r) => Object.keys(r || {}));
  const text = options.map((names) => (names.length ? names.join(' + ') : 'none')).join(' or ');
  return h('p', { class: 'security-note' }, 'Authorization: ', h('code', null, text), ' (set it under ', h('a', { href: '#authorize' }, 'Authorize'), ')');
}

/** The body of an opened operation. `entry` has method, path, operation, pathItem. */
export function operationPanel(entry, ctx) {
  const { doc } = ctx;
  const { operation } = entry;
  const parameters = mergedParameters(entry.pathItem, operation, doc);
  return [
    operation.deprecated ? h('p', { class: 'deprecated-note' }, 'Deprecated: this operation may be removed; avoid it in new code.') : null,
    operation.description ? h('div', { class: 'markdown' }, renderMarkdown(operation.description)) : null,
    securityNote(operation, doc),
    h('section', { class: 'parameters' }, h('h4', null, 'Parameters'), parametersTable(parameters, doc)),
    operation.requestBody ? requestBodyBlock(operation.requestBody, doc) : null,
    responsesBlock(operation.responses, doc),
    tryItPanel({ method: entry.method, path: entry.path, operation, parameters, requestBody: deref(operation.requestBody, doc) }, ctx),
  ];
}
