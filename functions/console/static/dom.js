// Building the page from data without ever parsing it as HTML: every value
// becomes a text node or an attribute.

/**
 * h builds an element: h('p', {class: 'x', onclick: fn}, 'text', child, [more]).
 * Attributes set to null, undefined or false are left out; true sets an
 * empty attribute; on* functions become listeners.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** clear empties el and appends the children. */
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
/** uid is a fresh element id with a prefix. */
export function uid(prefix) { return `${prefix}-${++ids}`; }

/**
 * field is a labelled control: a wrapper with data-field (where the API's
 * field errors go), the label, the control and an optional hint.
 */
export function field(name, label, control, hint, extra) {
  if (!control.id) control.id = uid(name.replace(/[^A-Za-z0-9]/g, '-'));
  const wrap = h('div', { class: 'field' + (extra ? ' ' + extra : ''), 'data-field': name },
    h('label', { for: control.id }, label), control);
  if (hint) {
    const hid = control.id + '-hint';
    wrap.append(h('p', { class: 'hint', id: hid }, hint));
    describe(control, hid);
  }
  return wrap;
}

/** describe adds an id to the control's aria-describedby. */
export function describe(control, id) {
  const cur = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!cur.includes(id)) cur.push(id);
  control.setAttribute('aria-describedby', cur.join(' '));
}

/** undescribe removes an id from the control's aria-describedby. */
export function undescribe(control, id) {
  const cur = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
  if (cur.length) control.setAttribute('aria-describedby', cur.join(' '));
  else control.removeAttribute('aria-describedby');
}

/** facts is a definition list of [label, value] pairs (value may be a node). */
export function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [k, v, id] of pairs) {
    if (v === null || v === undefined || v === '') continue;
    dl.append(h('dt', {}, k), h('dd', { id }, v));
  }
  return dl;
}

const pad = (n) => String(n).padStart(2, '0');

function romeOffsetMinutes(utcMs) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Rome', hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(utcMs));
  const g = (t) => Number(parts.find((p) => p.type === t).value);
  return Math.round((Date.UTC(g('year'), g('month') - 1, g('day'), g('hour'), g('minute')) - utcMs) / 60000);
}

/**
 * romeInstant turns a datetime-local value ("2026-03-11T12:00"), read as
 * Italian time, into RFC 3339 with the Europe/Rome offset; null if malformed.
 */
export function romeInstant(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let off = romeOffsetMinutes(wall - 60 * 60000);
  off = romeOffsetMinutes(wall - off * 60000);
  const a = Math.abs(off);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${off >= 0 ? '+' : '-'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
