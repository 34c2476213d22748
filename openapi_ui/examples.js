// Example values generated from JSON Schemas: explicit values first (const, examples,
// example, default, enum), then a value built from the type, its format and its bounds.
// Pure functions: no DOM.

import { deref, mainType } from './schema.js';

/** How deep an example nests before giving up (also bounds non-recursive giants). */
export const MAX_DEPTH = 12;

const RECURSIVE = Symbol('recursive');

const FORMATS = {
  'date-time': '2024-01-15T09:30:00Z',
  date: '2024-01-15',
  time: '09:30:00',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  'uri-reference': '/example',
  iri: 'https://example.com/',
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  byte: 'aGVsbG8=',
  binary: '',
  password: 'secret',
  decimal: '1.50',
  regex: '^.*$',
  'json-pointer': '/example',
};

/**
 * An example value for `schema`, with `$ref`s resolved in `doc`.
 * Options: `mode` 'request' leaves out readOnly properties, 'response' writeOnly ones.
 * A reference met again inside itself is cut: optional fields are left out, required
 * ones become null, arrays stay empty.
 */
export function exampleFor(schema, doc, options = {}) {
  const value = generate(schema, doc || {}, { mode: options.mode || 'response', stack: [], depth: 0 });
  return value === RECURSIVE ? null : value;
}

function generate(schema, doc, state) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return null;
  if (state.depth > MAX_DEPTH) return RECURSIVE;
  if (typeof schema.$ref === 'string') {
    if (state.stack.includes(schema.$ref)) return RECURSIVE;
    const inner = { ...state, stack: [...state.stack, schema.$ref] };
    return generate(deref(schema, doc), doc, inner);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if ('example' in schema) return schema.example;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) {
    return schema.enum.find((v) => v !== null) ?? schema.enum[0];
  }
  const deeper = { ...state, depth: state.depth + 1 };
  if (Array.isArray(schema.allOf) && schema.allOf.length) return allOf(schema, doc, deeper);
  const variants = schema.oneOf || schema.anyOf;
  if (Array.isArray(variants) && variants.length) {
    const ordered = [...variants.filter((v) => !onlyNull(v)), ...variants.filter(onlyNull)];
    for (const variant of ordered) {
      const value = generate(variant, doc, deeper);
      if (value !== RECURSIVE) return value;
    }
    return RECURSIVE;
  }
  switch (mainType(schema)) {
    case 'object':
      return objectExample(schema, doc, deeper);
    case 'array':
      return arrayExample(schema, doc, deeper);
    case 'string':
      return stringExample(schema);
    case 'integer':
      return numberExample(schema, true);
    case 'number':
      return numberExample(schema, false);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function onlyNull(schema) {
  return !!schema && (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.every((t) => t === 'null')));
}

function allOf(schema, doc, state) {
  const { allOf: parts, ...rest } = schema;
  const values = [...parts, rest].map((part) => generate(part, doc, state)).filter((v) => v !== RECURSIVE && v !== null);
  const objects = values.filter((v) => typeof v === 'object' && !Array.isArray(v));
  if (objects.length && objects.length === values.length) return Object.assign({}, ...objects);
  return values.length ? values[0] : null;
}

function objectExample(schema, doc, state) {
  const out = {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const properties = schema.properties && typeof schema.properties === 'object' ? schema.properties : {};
  for (const [name, property] of Object.entries(properties)) {
    const resolved = deref(property, doc) || {};
    if (state.mode === 'request' && resolved.readOnly) continue;
    if (state.mode === 'response' && resolved.writeOnly) continue;
    const value = generate(property, doc, state);
    if (value === RECURSIVE) {
      if (required.has(name)) out[name] = null;
    } else {
      out[name] = value;
    }
  }
  const extra = schema.additionalProperties;
  if (!Object.keys(properties).length && extra && typeof extra === 'object') {
    const value = generate(extra, doc, state);
    if (value !== RECURSIVE) out.key = value;
  }
  return out;
}

function arrayExample(schema, doc, state) {
  if (Array.isArray(schema.prefixItems)) {
    return schema.prefixItems.map((item) => generate(item, doc, state)).map((v) => (v === RECURSIVE ? null : v));
  }
  if (!schema.items || typeof schema.items !== 'object' || schema.maxItems === 0) return [];
  const item = generate(schema.items, doc, state);
  if (item === RECURSIVE) return [];
  const count = Math.max(1, Math.min(Number(schema.minItems) || 0, 16));
  return Array.from({ length: count }, () => structuredClone(item));
}

function stringExample(schema) {
  let value = Object.hasOwn(FORMATS, schema.format) ? FORMATS[schema.format] : 'string';
  const min = Number(schema.minLength) || 0;
  if (value.length < min) value += 'x'.repeat(Math.min(min, 10000) - value.length);
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) value = value.slice(0, Math.max(0, schema.maxLength));
  return value;
}

function numberExample(schema, integer) {
  let low = -Infinity;
  let high = Infinity;
  let lowOpen = false;
  let highOpen = false;
  if (typeof schema.minimum === 'number') low = schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number' && schema.exclusiveMinimum >= low) {
    low = schema.exclusiveMinimum;
    lowOpen = true;
  }
  if (typeof schema.maximum === 'number') high = schema.maximum;
  if (typeof schema.exclusiveMaximum === 'number' && schema.exclusiveMaximum <= high) {
    high = schema.exclusiveMaximum;
    highOpen = true;
  }
  const between = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && !integer ? (a + b) / 2 : null);
  let value = 0;
  if (value < low || (lowOpen && value <= low)) value = lowOpen ? (between(low, high) ?? low + 1) : low;
  else if (value > high || (highOpen && value >= high)) value = highOpen ? (between(low, high) ?? high - 1) : high;
  if (integer) {
    value = Math.ceil(value);
    if (lowOpen && value <= low) value = Math.floor(low) + 1;
  }
  const step = schema.multipleOf;
  if (typeof step === 'number' && step > 0) {
    const up = Math.ceil(value / step) * step;
    if (up < high || (!highOpen && up === high)) value = up;
  }
  return value;
}
