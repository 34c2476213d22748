// Credentials for "Try it": entered once in the Authorize panel, applied to every call
// that needs them, and kept only in this tab's sessionStorage (never localStorage).

import { h, uid } from './dom.js';

/** The kind of input a security scheme needs: 'bearer', 'basic', 'apiKey' or null. */
export function schemeKind(scheme) {
  if (!scheme || typeof scheme !== 'object') return null;
  if (scheme.type === 'http') {
    const name = String(scheme.scheme || '').toLowerCase();
    return name === 'basic' ? 'basic' : name === 'bearer' ? 'bearer' : null;
  }
  if (scheme.type === 'apiKey' && scheme.name && ['header', 'query', 'cookie'].includes(scheme.in)) return 'apiKey';
  if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect') return 'bearer';
  return null;
}

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: values then last until the page is left
  }
}

/** base64 of the UTF-8 bytes of `text` (btoa alone only takes Latin-1). */
function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export class AuthStore {
  constructor(schemes, key) {
    this.schemes = schemes && typeof schemes === 'object' ? schemes : {};
    this.key = key;
    this.values = {};
    this.listeners = [];
    try {
      const saved = JSON.parse(storage()?.getItem(key) || '{}');
      if (saved && typeof saved === 'object') this.values = saved;
    } catch {
      this.values = {};
    }
  }

  /** Whether the scheme has every value it needs. */
  has(name) {
    const value = this.values[name];
    if (!value) return false;
    return schemeKind(this.schemes[name]) === 'basic' ? !!value.username : !!value.token;
  }

  set(name, field, text) {
    this.values[name] = { ...(this.values[name] || {}), [field]: text };
    this.save();
  }

  clear() {
    this.values = {};
    this.save();
  }

  save() {
    try {
      storage()?.setItem(this.key, JSON.stringify(this.values));
    } catch {
      // quota or privacy mode: the values still apply for this page
    }
    for (const listener of this.listeners) listener();
  }

  /**
   * Add credentials to a request. `requirements` is the operation's `security` (or the
   * document's); undefined when neither declares any, and then every entered value is
   * sent. Returns the names of the schemes applied.
   */
  apply(requirements, headers, query) {
    let names;
    if (!Array.isArray(requirements)) {
      names = Object.keys(this.schemes).filter((n) => this.has(n));
    } else {
      const options = requirements.map((r) => Object.keys(r || {}));
      names = options.find((o) => o.length && o.every((n) => this.has(n))) || (options[0] || []).filter((n) => this.has(n));
    }
    for (const name of names) this.applyOne(name, headers, query);
    return names;
  }

  /** Whether any alternative of `requirements` names an HTTP basic scheme. */
  usesBasic(requirements) {
    if (!Array.isArray(requirements)) return false;
    return requirements.some((r) => Object.keys(r || {}).some((n) => schemeKind(this.schemes[n]) === 'basic'));
  }

  applyOne(name, headers, query) {
    const scheme = this.schemes[name];
    const value = this.values[name];
    switch (schemeKind(scheme)) {
      case 'bearer':
        headers.set('Authorization', `Bearer ${value.token}`);
        break;
      case 'basic':
        headers.set('Authorization', `Basic ${base64(`${value.username}:${value.password || ''}`)}`);
        break;
      case 'apiKey':
        if (scheme.in === 'header') headers.set(scheme.name, value.token);
        else if (scheme.in === 'query') query.append(scheme.name, value.token);
        else document.cookie = `${encodeURIComponent(scheme.name)}=${encodeURIComponent(value.token)}; path=/; SameSite=Strict`;
        break;
      default:
        break;
    }
  }
}

function field(label, type, value, onInput, autocomplete) {
  const id = uid('auth');
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, type, value: value || '', autocomplete, spellcheck: 'false', oninput: (e) => onInput(e.target.value) }),
  );
}

/** The Authorize panel: one set of inputs per usable scheme; null when there is none. */
export function authPanel(store) {
  const names = Object.keys(store.schemes).filter((n) => schemeKind(store.schemes[n]));
  if (!names.length) return null;
  const state = h('span', { class: 'auth-state' });
  const refresh = () => {
    const set = names.filter((n) => store.has(n));
    state.textContent = set.length ? `set: ${set.join(', ')}` : 'not set';
    state.classList.toggle('on', set.length > 0);
  };
  store.listeners.push(refresh);
  refresh();
  const form = h('form', { class: 'auth-schemes', onsubmit: (e) => e.preventDefault() });
  const build = () => {
    form.replaceChildren();
    for (const name of names) {
      const scheme = store.schemes[name];
      const kind = schemeKind(scheme);
      const value = store.values[name] || {};
      const where = kind === 'apiKey' ? `API key in ${scheme.in} "${scheme.name}"` : kind === 'basic' ? 'HTTP basic' : 'bearer token';
      const inputs = kind === 'basic'
        ? [
            field('Username', 'text', value.username, (v) => store.set(name, 'username', v), 'off'),
            field('Password', 'password', value.password, (v) => store.set(name, 'password', v), 'off'),
          ]
        : [field(kind === 'apiKey' ? 'Key' : 'Token', 'password', value.token, (v) => store.set(name, 'token', v), 'off')];
      form.append(h('fieldset', { class: 'auth-scheme' }, h('legend', null, h('code', null, name), ` (${where})`), scheme.description ? h('p', { class: 'muted' }, scheme.description) : null, inputs));
    }
  };
  build();
  const forget = h('button', { type: 'button', class: 'secondary', onclick: () => { store.clear(); build(); } }, 'Forget credentials');
  return h(
    'details',
    { class: 'auth', id: 'authorize' },
    h('summary', null, h('span', { class: 'auth-title' }, 'Authorize'), ' ', state),
    h('p', { class: 'muted' }, 'Entered once, sent with every call that needs them. Kept only in this tab (sessionStorage).'),
    form,
    forget,
  );
}
