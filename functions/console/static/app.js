// The console: sign-in, the menu, and the screens by the address's hash
// (#/pratiche/{id}/verifiche, …/conferenza, …/storico, #/videoconferenze,
// #/videoconferenze/{id}); a hash not starting with "#/" is not a screen
// (the skip link's #main): the screen stays.
import { loadConfig, completeSignIn, signIn, signOut, getToken, claims, forget, DRAFTS } from './auth.js';
import { h, clear, field } from './dom.js';
import { verifiche } from './verifiche.js';
import { conferenza } from './conferenza.js';
import { videoconferenze, dettaglio } from './videoconferenza.js';
import { storico } from './storico.js';

const main = document.getElementById('main');
const menu = document.getElementById('menu');
const userBox = document.getElementById('user');
let cfg = {};

const roles = {
  suap_operator: 'Utente Ufficio Suap',
  basin_operator: 'Operatore di bacino',
  manager: 'Gestore servizio videoconferenza',
  admin: 'Amministratore',
};

/** who is the signed-in user, from the token's claims. */
export function who() {
  const t = getToken();
  const c = t ? claims(t) : null;
  return c ? { id: c.sub, name: c.name || c.sub, role: c.suap_role, unit: c.suap_unit || '', office: c.suap_office, basin: c.suap_basin } : null;
}

function renderUser(u) {
  if (!u) return clear(userBox);
  clear(userBox,
    h('span', { id: 'user-name' }, `${u.name} — ${roles[u.role] || u.role}${u.unit ? ' · ' + u.unit : ''}`),
    h('button', { type: 'button', id: 'sign-out', onclick: async () => { if (!(await signOut(cfg))) route(); } }, 'Esci'));
}

function renderMenu(path, u) {
  const item = (href, text, current) => h('li', {}, h('a', { href, 'aria-current': current ? 'page' : null }, text));
  clear(menu, h('h2', {}, 'Servizi'), h('ul', {},
    item('#/', 'Gestione pratiche', path === '' || path.startsWith('pratiche')),
    u.role === 'manager' ? null : item('#/videoconferenze', 'Videoconferenza', path.startsWith('videoconferenze'))));
}

function signInPage(err) {
  renderUser(null);
  clear(menu);
  const body = [h('h1', { tabindex: '-1' }, 'Accesso')];
  if (err) body.push(h('div', { class: 'form-error', role: 'alert' }, 'Accesso non riuscito: ' + err.message + '.'));
  if (cfg.localSignIn) {
    body.push(h('p', {}, 'Esecuzione locale: scegliere un utente dimostrativo nella pagina ',
      h('a', { href: cfg.localSignIn, id: 'local-sign-in' }, 'accesso per ruolo'), '; si torna poi qui.'));
  } else if (cfg.issuer && cfg.clientId) {
    const b = h('button', { type: 'button', id: 'sign-in' }, 'Accedi');
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await signIn(cfg); } catch (e) { b.disabled = false; signInPage(e); }
    });
    body.push(h('p', {}, 'Accedere con le credenziali dell\'ufficio SUAP o del bacino.'), b);
  } else {
    body.push(h('p', { class: 'error' }, 'L\'accesso non è configurato su questa installazione (OIDC_ISSUER, OIDC_CLIENT_ID).'));
  }
  clear(main, ...body);
  main.querySelector('h1').focus();
}

function home(u) {
  const input = h('input', { type: 'text', name: 'pratica', required: true, autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { id: 'open-pratica', onsubmit: (e) => {
    e.preventDefault();
    const id = input.value.trim();
    if (id) location.hash = `#/pratiche/${encodeURIComponent(id)}/${u.role === 'manager' ? 'conferenza' : 'verifiche'}`;
  } },
  field('pratica', 'Identificativo della pratica', input, 'Ad esempio africo-2026-0001.'),
  h('button', { type: 'submit' }, 'Apri la pratica'));
  clear(main, h('h1', { tabindex: '-1' }, 'Gestione pratiche'), form,
    u.role === 'manager' ? null
      : h('p', {}, 'Le richieste di videoconferenza di tutte le pratiche sono nella sezione ', h('a', { href: '#/videoconferenze' }, 'Videoconferenza'), '.'));
}

let seq = 0;

/** route renders the screen the hash names. */
export async function route() {
  const mine = ++seq;
  const u = who();
  if (!u) return signInPage();
  renderUser(u);
  const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const [path, qs] = raw.split('?');
  renderMenu(path, u);
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // A malformed address (a stray "%").
    notFound();
    return settle(mine, u);
  }
  const params = new URLSearchParams(qs || '');
  const operator = u.role === 'suap_operator' || u.role === 'basin_operator';
  // The service (manager) may read a pratica's conferences and history, the
  // API allowing it; nothing else here is for it, nor for the administrator.
  const managerView = u.role === 'manager' && (parts.length === 0 ||
    (parts[0] === 'pratiche' && parts.length === 3 && (parts[2] === 'conferenza' || parts[2] === 'storico')));
  if (!operator && !managerView) {
    clear(main, h('h1', { tabindex: '-1' }, 'Accesso non previsto'),
      h('p', {}, u.role === 'manager'
        ? 'Il servizio regionale consulta qui solo le conferenze e lo storico di una pratica; risponde alle richieste dalle pagine dei link ricevuti per e-mail.'
        : 'Questa console è per gli operatori SUAP e di bacino. Il servizio regionale risponde dalle pagine dei link ricevuti per e-mail.'),
      u.role === 'manager' ? h('p', {}, h('a', { href: '#/' }, 'Apri una pratica')) : null);
    return;
  }
  clear(main, h('p', { class: 'muted', role: 'status' }, 'Caricamento…'));
  const ctx = { user: u, stale: () => mine !== seq, reload: route };
  try {
    if (parts[0] === 'pratiche' && parts.length === 3) {
      const view = { verifiche, conferenza, storico }[parts[2]];
      if (view) await view(main, parts[1], ctx, params);
      else notFound();
    } else if (parts[0] === 'videoconferenze' && parts.length === 1) {
      await videoconferenze(main, params, ctx);
    } else if (parts[0] === 'videoconferenze' && parts.length === 2) {
      await dettaglio(main, parts[1], ctx);
    } else if (parts.length === 0) {
      home(u);
    } else {
      notFound();
    }
  } catch (e) {
    if (mine !== seq) return;
    if (e.status === 401) {
      // Loading a screen: nothing typed yet to keep.
      forget();
      return signInPage();
    }
    clear(main, h('h1', { tabindex: '-1' }, 'Impossibile mostrare la pagina'),
      h('div', { class: 'form-error', role: 'alert', id: 'page-error' }, e.message), h('p', {}, h('a', { href: '#/' }, 'Torna a Gestione pratiche')));
  }
  settle(mine, u);
}

/** settle focuses the screen's heading, names the tab and puts the drafts back. */
function settle(mine, u) {
  if (mine !== seq) return;
  const h1 = main.querySelector('h1');
  if (h1 && !main.contains(document.activeElement)) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
  document.title = (h1 ? h1.textContent + ' — ' : '') + 'CalabriaSUAP videoconferenze';
  const d = takeDrafts();
  if (d && d.sub !== u.id) sessionStorage.removeItem(DRAFTS); // someone else's
  else if (d && d.hash === location.hash) restoreDrafts(d);
}

// Drafts: when a call finds the session expired, the screen stays with what
// was typed and "Accedi di nuovo" keeps the forms' values in this tab's
// sessionStorage; back on the same screen after signing in, they are put
// back (files excepted: the browser never lets a page set them).
const DRAFT_TTL = 60 * 60000;
const skipped = ['file', 'submit', 'button', 'reset', 'hidden', 'password'];
const controlsOf = (form) => [...form.elements].filter((el) => el.name && !skipped.includes(el.type));
const formKey = (form, i) => form.id || `${form.className}#${i}`;
const isChoice = (el) => el.type === 'checkbox' || el.type === 'radio';

function saveDrafts() {
  const u = who();
  const forms = [...main.querySelectorAll('form')].map((f, i) => ({ key: formKey(f, i),
    values: controlsOf(f).map((el) => [el.name, isChoice(el) ? el.checked : el.value]) }));
  sessionStorage.setItem(DRAFTS, JSON.stringify({ at: Date.now(), hash: location.hash, sub: u ? u.id : null, forms }));
}

function takeDrafts() {
  let d = null;
  try { d = JSON.parse(sessionStorage.getItem(DRAFTS) || 'null'); } catch { /* dropped below */ }
  if (d && typeof d.hash === 'string' && Array.isArray(d.forms) && Date.now() - d.at < DRAFT_TTL) return d;
  sessionStorage.removeItem(DRAFTS);
  return null;
}

function restoreDrafts(d) {
  sessionStorage.removeItem(DRAFTS);
  [...main.querySelectorAll('form')].forEach((f, i) => {
    const saved = d.forms.find((x) => x.key === formKey(f, i));
    const ctl = controlsOf(f);
    if (!saved || saved.values.length !== ctl.length || saved.values.some(([name], j) => name !== ctl[j].name)) return;
    ctl.forEach((el, j) => {
      const v = saved.values[j][1];
      if (isChoice(el) ? el.checked === !!v : el.value === String(v)) return;
      if (isChoice(el)) el.checked = !!v;
      else el.value = String(v);
      // The form's own reactions (counters, checks, dependent fields).
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
  });
}

/** sessionExpired tops the screen, left as it is, with "Accedi di nuovo". */
function sessionExpired() {
  if (document.getElementById('session-expired')) return;
  const box = h('div', { class: 'session-expired', id: 'session-expired', role: 'status' },
    h('p', {}, 'La sessione è scaduta o non è più valida. I dati inseriti restano in questa pagina e vengono ripresi dopo il nuovo accesso.'));
  if (cfg.localSignIn || (cfg.issuer && cfg.clientId)) {
    const again = h('button', { type: 'button', id: 'sign-in-again' }, 'Accedi di nuovo');
    again.addEventListener('click', async () => {
      saveDrafts();
      if (cfg.localSignIn) return location.assign(cfg.localSignIn);
      again.disabled = true;
      try {
        await signIn(cfg);
      } catch (e) {
        again.disabled = false;
        box.append(h('p', { class: 'error', role: 'alert' }, 'Accesso non riuscito: ' + e.message + '.'));
      }
    });
    box.append(again);
  }
  main.prepend(box);
}

function notFound() {
  clear(main, h('h1', { tabindex: '-1' }, 'Pagina inesistente'), h('p', {}, h('a', { href: '#/' }, 'Torna a Gestione pratiche')));
}

async function start() {
  try {
    cfg = await loadConfig();
  } catch (e) {
    clear(main, h('div', { class: 'form-error', role: 'alert' }, 'Impossibile avviare la console: ' + e.message + '.'));
    return;
  }
  try {
    await completeSignIn(cfg);
  } catch (e) {
    return signInPage(e);
  }
  // Back from signing in again without the screen's address (the local
  // sign-in page opens /console): the screen of the drafts.
  const d = takeDrafts();
  if (d && d.hash.startsWith('#/') && !location.hash.startsWith('#/')) history.replaceState(null, '', '/console' + d.hash);
  // The skip link moves the focus to the content, without changing the
  // address (the router would take "#main" for a screen).
  document.querySelector('a.skip').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  window.addEventListener('hashchange', () => {
    if (!location.hash || location.hash.startsWith('#/')) route();
  });
  window.addEventListener('suapcds:expired', sessionExpired);
  route();
}

start();
