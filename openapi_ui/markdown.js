// A small Markdown subset rendered straight to DOM nodes: paragraphs, headings, lists,
// block quotes, code (fenced, indented, inline), emphasis, links and autolinks.
// Nothing is ever parsed as HTML: text goes in as text nodes and raw HTML shows as
// written; links keep only http, https and mailto URLs (or relative ones); images become
// links, since the page's Content-Security-Policy would block any outside image.

import { h } from './dom.js';

/** Longer descriptions are shown as plain text (keeps parsing time bounded). */
export const MAX_MARKDOWN = 100000;

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);
const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

const FENCE = /^ {0,3}(`{3,}|~{3,})[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(?:([ \t]{1,4})(.*)|[ \t]*$)/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const INDENTED = /^(?: {4}|\t)(.*)$/;
const BLANK = /^[ \t]*$/;
const AUTOLINK = /^<((?:https?|mailto):[^\s<>]*)>/i;

/**
 * The URL if a link may point there, else null: a relative URL, or an absolute one with
 * a safe scheme. Characters a browser ignores inside a scheme ("java\tscript:") are
 * removed before the check, so they cannot hide one.
 */
export function safeUrl(url) {
  const trimmed = String(url).trim();
  const cleaned = trimmed.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (scheme && !SAFE_SCHEMES.has(scheme[1].toLowerCase())) return null;
  return trimmed;
}

/** Render Markdown text as a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const source = String(text ?? '');
  if (source.length > MAX_MARKDOWN) {
    fragment.append(h('p', { class: 'md-plain' }, source));
    return fragment;
  }
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  fragment.append(...parseBlocks(lines));
  return fragment;
}

/** Render one line of inline Markdown (no blocks) as a DocumentFragment. */
export function renderInline(text) {
  const fragment = document.createDocumentFragment();
  fragment.append(...parseInline(String(text ?? '').slice(0, MAX_MARKDOWN), false));
  return fragment;
}

// -- blocks -------------------------------------------------------------------------------

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

function parseBlocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (BLANK.test(line)) {
      i += 1;
    } else if ((m = FENCE.exec(line))) {
      i = fencedCode(lines, i + 1, m[1], out);
    } else if (INDENTED.test(line)) {
      i = indentedCode(lines, i, out);
    } else if ((m = HEADING.exec(line))) {
      const level = Math.min(6, m[1].length + 2);
      out.push(h(`h${level}`, { class: 'md-heading' }, parseInline(m[2] || '', false)));
      i += 1;
    } else if (RULE.test(line)) {
      out.push(h('hr'));
      i += 1;
    } else if (QUOTE.test(line)) {
      i = blockQuote(lines, i, out);
    } else if ((m = ITEM.exec(line))) {
      i = list(lines, i, out);
    } else {
      i = paragraph(lines, i, out);
    }
  }
  return out;
}

function fencedCode(lines, i, fence, out) {
  const body = [];
  const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
  while (i < lines.length && !closing.test(lines[i])) {
    body.push(lines[i]);
    i += 1;
  }
  out.push(h('pre', { class: 'md-code' }, h('code', null, body.join('\n'))));
  return i + 1;
}

function indentedCode(lines, i, out) {
  const body = [];
  while (i < lines.length && (INDENTED.test(lines[i]) || BLANK.test(lines[i]))) {
    const m = INDENTED.exec(lines[i]);
    body.push(m ? m[1] : '');
    i += 1;
  }
  while (body.length && body[body.length - 1] === '') body.pop();
  out.push(h('pre', { class: 'md-code' }, h('code', null, body.join('\n'))));
  return i;
}

function blockQuote(lines, i, out) {
  const inner = [];
  while (i < lines.length && !BLANK.test(lines[i])) {
    const m = QUOTE.exec(lines[i]);
    if (m) inner.push(m[1]);
    else if (startsBlock(lines[i])) break;
    else inner.push(lines[i]); // a lazy continuation of the quoted paragraph
    i += 1;
  }
  out.push(h('blockquote', null, parseBlocks(inner)));
  return i;
}

function list(lines, i, out) {
  const first = ITEM.exec(lines[i]);
  const ordered = /\d/.test(first[2]);
  const items = [];
  let tight = true;
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || /\d/.test(m[2]) !== ordered) break;
    const offset = m[1].length + m[2].length + (m[3] ? m[3].length : 1);
    const body = [m[4] || ''];
    i += 1;
    while (i < lines.length) {
      const line = lines[i];
      const indent = line.length - line.trimStart().length;
      if (BLANK.test(line)) {
        const next = lines.slice(i + 1).find((l) => !BLANK.test(l));
        const nextIndent = next === undefined ? 0 : next.length - next.trimStart().length;
        if (next === undefined || nextIndent < Math.min(offset, 2)) break;
        body.push('');
      } else if (indent >= Math.min(offset, 2)) {
        body.push(line.slice(Math.min(indent, offset)));
      } else if (!startsBlock(line) && !BLANK.test(lines[i - 1])) {
        body.push(line); // a lazy continuation line
      } else {
        break;
      }
      i += 1;
    }
    if (body.slice(0, -1).includes('')) tight = false;
    items.push(body);
    if (i < lines.length && BLANK.test(lines[i])) {
      const next = lines.slice(i).find((l) => !BLANK.test(l));
      const m2 = next === undefined ? null : ITEM.exec(next);
      if (!m2 || /\d/.test(m2[2]) !== ordered) break;
      tight = false;
      while (BLANK.test(lines[i])) i += 1;
    }
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  const el = h(ordered ? 'ol' : 'ul', { start: ordered && start !== 1 ? start : null });
  for (const body of items) {
    const nodes = parseBlocks(body);
    const li = h('li');
    for (const node of nodes) {
      if (tight && node.nodeName === 'P') li.append(...node.childNodes);
      else li.append(node);
    }
    el.append(li);
  }
  out.push(el);
  return i;
}

function paragraph(lines, i, out) {
  const text = [lines[i]];
  i += 1;
  while (i < lines.length && !BLANK.test(lines[i]) && !startsBlock(lines[i])) {
    text.push(lines[i]);
    i += 1;
  }
  out.push(h('p', null, parseInline(text.map((l) => l.replace(/^[ \t]+/, '')).join('\n'), false)));
  return i;
}

// -- inline -------------------------------------------------------------------------------

function parseInline(src, inLink) {
  const nodes = [];
  let buf = '';
  const flush = () => {
    if (buf) nodes.push(document.createTextNode(buf));
    buf = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length && PUNCTUATION.test(src[i + 1])) {
      buf += src[i + 1];
      i += 2;
    } else if (c === '\\' && src[i + 1] === '\n') {
      flush();
      nodes.push(h('br'));
      i += 2;
    } else if (c === '\n') {
      if (/ {2,}$/.test(buf)) {
        buf = buf.replace(/ +$/, '');
        flush();
        nodes.push(h('br'));
      } else {
        buf += '\n';
      }
      i += 1;
    } else if (c === '`') {
      const run = runLength(src, i, '`');
      const end = codeEnd(src, i + run, run);
      if (end < 0) {
        buf += src.slice(i, i + run);
        i += run;
      } else {
        flush();
        let code = src.slice(i + run, end).replace(/\n/g, ' ');
        if (code.length > 2 && code[0] === ' ' && code[code.length - 1] === ' ' && code.trim()) {
          code = code.slice(1, -1);
        }
        nodes.push(h('code', null, code));
        i = end + run;
      }
    } else if (c === '*' || c === '_') {
      const found = emphasis(src, i, inLink);
      if (found) {
        flush();
        nodes.push(found.node);
        i = found.end;
      } else {
        const run = runLength(src, i, c);
        buf += src.slice(i, i + run);
        i += run;
      }
    } else if ((c === '[' || (c === '!' && src[i + 1] === '[')) && !inLink) {
      const found = link(src, c === '!' ? i + 1 : i);
      if (found) {
        flush();
        nodes.push(found.node);
        i = found.end;
      } else {
        buf += c;
        i += 1;
      }
    } else if (c === '<' && !inLink && AUTOLINK.test(src.slice(i, i + 2048))) {
      const m = AUTOLINK.exec(src.slice(i, i + 2048));
      flush();
      nodes.push(anchor(m[1], [m[1]]));
      i += m[0].length;
    } else {
      buf += c;
      i += 1;
    }
  }
  flush();
  return nodes;
}

function runLength(src, i, c) {
  let n = 0;
  while (src[i + n] === c) n += 1;
  return n;
}

/** Where a code span opened by `run` backticks closes (a run of exactly that length). */
function codeEnd(src, from, run) {
  let i = from;
  while (i < src.length) {
    const at = src.indexOf('`', i);
    if (at < 0) return -1;
    const n = runLength(src, at, '`');
    if (n === run) return at;
    i = at + n;
  }
  return -1;
}

/** The closing delimiter of an emphasis, skipping code spans, escapes and other runs. */
function closer(src, from, c, len) {
  let i = from;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '\\') {
      i += 2;
    } else if (ch === '`') {
      const run = runLength(src, i, '`');
      const end = codeEnd(src, i + run, run);
      i = end < 0 ? i + run : end + run;
    } else if (ch === c) {
      const run = runLength(src, i, c);
      const after = src[i + run] || '';
      const before = src[i - 1];
      if (run === len && i > from && !SPACE.test(before) && !(c === '_' && WORD.test(after))) {
        return i;
      }
      i += run;
    } else {
      i += 1;
    }
  }
  return -1;
}

function emphasis(src, i, inLink) {
  const c = src[i];
  const run = runLength(src, i, c);
  if (run > 2) return null;
  const start = i + run;
  if (start >= src.length || SPACE.test(src[start])) return null;
  if (c === '_' && i > 0 && WORD.test(src[i - 1])) return null; // snake_case stays as is
  const end = closer(src, start, c, run);
  if (end < 0) return null;
  const children = parseInline(src.slice(start, end), inLink);
  return { node: h(run === 2 ? 'strong' : 'em', null, children), end: end + run };
}

/** A `[text](url "title")` link starting at the bracket at `i`. */
function link(src, i) {
  let depth = 0;
  let j = i;
  for (; j < src.length; j += 1) {
    const ch = src[j];
    if (ch === '\\') j += 1;
    else if (ch === '[') depth += 1;
    else if (ch === ']') {
      depth -= 1;
      if (depth === 0) break;
    }
  }
  if (j >= src.length || src[j + 1] !== '(') return null;
  const m = /^\(\s*<?([^\s()<>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/.exec(src.slice(j + 1, j + 2049));
  if (!m) return null;
  const label = parseInline(src.slice(i + 1, j), true);
  return { node: anchor(m[1], label), end: j + 1 + m[0].length };
}

function anchor(url, children) {
  const href = safeUrl(url);
  if (href === null) return h('span', { class: 'md-unsafe-link' }, children);
  const external = /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');
  return h('a', { href, rel: external ? 'noopener noreferrer' : null, target: external ? '_blank' : null }, children);
}
