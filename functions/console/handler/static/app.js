// The console: sign-in, the menu, and the screens by the address's hash
// (#/pratiche/{id}/verifiche, …/conferenza, …/storico, #/videoconferenze,
// #/videoconferenze/{id}).
import { loadConfig, completeSignIn, signIn, getToken, claims, forget } from './auth.js';
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
    h('button', { type: 'button', onclick: () => { forget(); route(); } }, 'Esci'));
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
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  renderMenu(path, u);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
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
      if (view) await view(main, parts[1], ctx);
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
    if (e.status === 401) return signInPage();
    clear(main, h('h1', { tabindex: '-1' }, 'Impossibile mostrare la pagina'),
      h('div', { class: 'form-error', role: 'alert', id: 'page-error' }, e.message), h('p', {}, h('a', { href: '#/' }, 'Torna a Gestione pratiche')));
  }
  if (mine === seq) {
    const h1 = main.querySelector('h1');
    if (h1 && !main.contains(document.activeElement)) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
    document.title = (h1 ? h1.textContent + ' — ' : '') + 'CalabriaSUAP videoconferenze';
  }
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
  window.addEventListener('hashchange', route);
  window.addEventListener('suapcds:signedout', () => signInPage());
  route();
}

start();
