// Building DOM nodes. Text always goes in as text nodes, never as markup, so nothing
// read from the OpenAPI document can inject HTML.

/**
 * Create an element: h('a', {class: 'x', href: url, onclick: fn}, 'text', child).
 * Props: `class`, `text`, `on<event>` listeners, booleans (true: present, false: absent),
 * everything else as attributes. Children are nodes or strings (nested arrays flatten).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  add(el, children);
  return el;
}

/** Append children (nodes, strings, nested arrays; null and false are skipped). */
export function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Remove every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** JSON text of a value, indented; strings stay readable. */
export function pretty(value) {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

let counter = 0;
/** A unique id for label/for and aria-controls pairs. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
