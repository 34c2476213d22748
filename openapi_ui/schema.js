// JSON Schema helpers: $ref resolution, one-line type labels, constraint lists, and the
// expandable schema tree (built lazily as the reader opens it).

import { h } from './dom.js';
import { renderMarkdown } from './markdown.js';

/** The object a local `#/...` reference points at, or undefined. */
export function resolveRef(doc, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  let node = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    let key;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The last segment of a reference: `#/components/schemas/Book` -> `Book`. */
export function refName(ref) {
  const last = String(ref).split('/').pop();
  try {
    return decodeURIComponent(last).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    return last;
  }
}

/** The schema with a top-level `$ref` replaced by its target (siblings win, as in 3.1). */
export function deref(schema, doc) {
  if (!schema || typeof schema !== 'object' || typeof schema.$ref !== 'string') return schema;
  const target = resolveRef(doc, schema.$ref);
  const { $ref: _ignored, ...siblings } = schema;
  return target && typeof target === 'object' ? { ...target, ...siblings } : siblings;
}

/** Whether a schema only admits null (the other half of an optional anyOf). */
export function isNullSchema(schema, doc) {
  const s = deref(schema, doc);
  return !!s && typeof s === 'object' && (s.type === 'null' || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === 'null') || s.const === null);
}

/** The main type of a schema, the first non-null one of a type array, or a guess. */
export function mainType(schema) {
  if (!schema || typeof schema !== 'object') return undefined;
  const { type } = schema;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties || (schema.additionalProperties && typeof schema.additionalProperties === 'object')) return 'object';
  if (schema.items || schema.prefixItems) return 'array';
  return undefined;
}

/** A one-line label: `Book`, `string(date) | null`, `array<Book>`, `object<string, int>`. */
export function typeLabel(schema, depth = 0) {
  if (schema === true || schema === undefined || schema === null) return 'any';
  if (schema === false) return 'never';
  if (typeof schema !== 'object') return 'any';
  if (depth > 6) return '…';
  if (typeof schema.$ref === 'string') return refName(schema.$ref);
  if ('const' in schema) return `const ${JSON.stringify(schema.const)}`;
  const variants = schema.oneOf || schema.anyOf;
  if (Array.isArray(variants)) return variants.map((v) => typeLabel(v, depth + 1)).join(' | ');
  if (Array.isArray(schema.allOf)) return schema.allOf.map((v) => typeLabel(v, depth + 1)).join(' & ');
  let types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length) types = [mainType(schema) || (Array.isArray(schema.enum) ? 'enum' : 'any')];
  return types
    .map((t) => {
      if (t === 'array') {
        return schema.prefixItems ? `[${schema.prefixItems.map((v) => typeLabel(v, depth + 1)).join(', ')}]` : `array<${typeLabel(schema.items, depth + 1)}>`;
      }
      if (t === 'object' && !schema.properties && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `object<string, ${typeLabel(schema.additionalProperties, depth + 1)}>`;
      }
      return schema.format && t !== 'null' ? `${t}(${schema.format})` : t;
    })
    .join(' | ');
}

const CONSTRAINTS = [
  ['minimum', (v) => `≥ ${v}`],
  ['exclusiveMinimum', (v) => (typeof v === 'number' ? `> ${v}` : null)],
  ['maximum', (v) => `≤ ${v}`],
  ['exclusiveMaximum', (v) => (typeof v === 'number' ? `< ${v}` : null)],
  ['multipleOf', (v) => `multiple of ${v}`],
  ['minLength', (v) => `length ≥ ${v}`],
  ['maxLength', (v) => `length ≤ ${v}`],
  ['pattern', (v) => `pattern /${v}/`],
  ['minItems', (v) => `items ≥ ${v}`],
  ['maxItems', (v) => `items ≤ ${v}`],
  ['uniqueItems', (v) => (v ? 'unique items' : null)],
  ['minProperties', (v) => `properties ≥ ${v}`],
  ['maxProperties', (v) => `properties ≤ ${v}`],
  ['enum', (v) => (Array.isArray(v) ? `one of: ${v.map((x) => JSON.stringify(x)).join(', ')}` : null)],
  ['readOnly', (v) => (v ? 'read-only' : null)],
  ['writeOnly', (v) => (v ? 'write-only' : null)],
];

/** Human-readable constraints of a schema (and of the variants of an optional one). */
export function constraints(schema, doc) {
  const out = [];
  const seen = new Set();
  const collect = (raw, depth) => {
    const s = deref(raw, doc);
    if (!s || typeof s !== 'object' || depth > 2) return;
    for (const [key, format] of CONSTRAINTS) {
      if (!(key in s)) continue;
      const text = format(s[key]);
      if (text && !seen.has(text)) {
        seen.add(text);
        out.push(text);
      }
    }
    for (const v of s.anyOf || s.oneOf || []) collect(v, depth + 1);
  };
  collect(schema, 0);
  return out;
}

/** Whether opening a schema shows more than its one-line label. */
function expandable(schema, doc, depth = 0) {
  const s = deref(schema, doc);
  if (!s || typeof s !== 'object' || depth > 4) return false;
  if (s.properties && Object.keys(s.properties).length) return true;
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return expandable(s.additionalProperties, doc, depth + 1);
  if (Array.isArray(s.allOf) || Array.isArray(s.prefixItems)) return true;
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants)) {
    const real = variants.filter((v) => !isNullSchema(v, doc));
    return real.length > 1 || real.some((v) => expandable(v, doc, depth + 1));
  }
  if (s.items) return expandable(s.items, doc, depth + 1);
  return false;
}

/** The expandable tree of a schema: its label and constraints, then its parts. */
export function schemaTree(schema, doc) {
  const s = deref(schema, doc);
  const limits = constraints(schema, doc);
  return h(
    'div',
    { class: 'schema' },
    h('div', { class: 'schema-top' }, h('span', { class: 'type' }, typeLabel(schema)), limits.length ? h('span', { class: 'constraints' }, limits.join(', ')) : null),
    s && typeof s === 'object' && s.description && schema.$ref ? h('div', { class: 'prop-desc' }, renderMarkdown(s.description)) : null,
    schemaBody(schema, doc, [], 0),
  );
}

function schemaBody(schema, doc, stack, depth) {
  let s = schema;
  if (s && typeof s === 'object' && typeof s.$ref === 'string') {
    if (stack.includes(s.$ref)) return h('p', { class: 'muted' }, `${refName(s.$ref)} again (recursive)`);
    stack = [...stack, s.$ref];
    s = deref(s, doc);
  }
  if (!s || typeof s !== 'object' || depth > 32) return null;
  const parts = [];
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants)) {
    const real = variants.filter((v) => !isNullSchema(v, doc));
    if (real.length === 1) {
      const only = schemaBody(real[0], doc, stack, depth);
      if (only) parts.push(only);
    } else {
      parts.push(
        h('div', { class: 'variants' }, h('span', { class: 'label' }, s.oneOf ? 'one of' : 'any of'),
          h('ul', { class: 'props' }, variants.map((v, i) => propRow(`option ${i + 1}`, v, false, doc, stack, depth + 1)))),
      );
    }
  }
  for (const part of Array.isArray(s.allOf) ? s.allOf : []) {
    const body = schemaBody(part, doc, stack, depth + 1);
    if (body) parts.push(body);
  }
  const properties = s.properties && typeof s.properties === 'object' ? Object.entries(s.properties) : [];
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const rows = properties.map(([name, prop]) => propRow(name, prop, required.has(name), doc, stack, depth + 1));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    rows.push(propRow('[key: string]', s.additionalProperties, false, doc, stack, depth + 1));
  }
  if (rows.length) parts.push(h('ul', { class: 'props' }, rows));
  if (Array.isArray(s.prefixItems)) {
    parts.push(h('ul', { class: 'props' }, s.prefixItems.map((v, i) => propRow(`[${i}]`, v, true, doc, stack, depth + 1))));
  } else if (s.items && typeof s.items === 'object' && expandable(s.items, doc)) {
    parts.push(h('ul', { class: 'props' }, propRow('items', s.items, false, doc, stack, depth + 1)));
  }
  return parts.length ? h('div', { class: 'schema-body' }, parts) : null;
}

function propRow(name, schema, required, doc, stack, depth) {
  const resolved = deref(schema, doc);
  const description = resolved && typeof resolved === 'object' ? resolved.description : undefined;
  const limits = constraints(schema, doc);
  const head = [
    h('code', { class: 'prop-name' }, name),
    required ? h('span', { class: 'badge required' }, 'required') : null,
    h('span', { class: 'type' }, typeLabel(schema)),
    limits.length ? h('span', { class: 'constraints' }, limits.join(', ')) : null,
    resolved && resolved.deprecated ? h('span', { class: 'badge deprecated' }, 'deprecated') : null,
    resolved && 'default' in resolved ? h('span', { class: 'default' }, `default ${JSON.stringify(resolved.default)}`) : null,
  ];
  const desc = description ? h('div', { class: 'prop-desc' }, renderMarkdown(description)) : null;
  const recursive = schema && typeof schema === 'object' && stack.includes(schema.$ref);
  if (recursive || !expandable(schema, doc)) {
    return h('li', { class: 'prop' }, h('div', { class: 'prop-head' }, head, recursive ? h('span', { class: 'muted' }, '(recursive)') : null), desc);
  }
  const details = h('details', { class: 'prop-details' }, h('summary', { class: 'prop-head' }, head), desc);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const body = schemaBody(schema, doc, stack, depth);
    if (body) details.append(body);
  };
  details.addEventListener('toggle', () => {
    if (details.open) build();
  });
  if (depth <= 1) {
    details.open = true;
    build();
  }
  return h('li', { class: 'prop' }, details);
}
