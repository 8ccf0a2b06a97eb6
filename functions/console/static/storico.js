// Storico: the pratica's history, oldest first, a page at a time (figure 5).
import { api, query } from './api.js';
import { h, clear } from './dom.js';
import { praticaHeader } from './pratica.js';

/**
 * storico renders the Storico tab of pratica id into main; params (the
 * hash's query) may set the page size, limit (50 by default).
 */
export async function storico(main, id, ctx, params) {
  const pid = encodeURIComponent(id);
  const limit = (params && params.get('limit')) || 50;
  const [p, first] = await Promise.all([api('GET', `/pratiche/${pid}`), api('GET', `/pratiche/${pid}/history${query({ limit })}`)]);
  if (ctx.stale()) return;
  const tbody = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', id: 'more-history' }, 'Altre operazioni');
  const status = h('p', { role: 'status', class: 'muted', id: 'history-status', tabindex: '-1' });
  let next = '';
  const add = (page) => {
    for (const e of page.items) {
      tbody.append(h('tr', {}, h('td', {}, e.name), h('td', {}, e.roleUnit),
        h('td', {}, e.operation, e.detail ? h('div', { class: 'hint' }, e.detail) : null), h('td', {}, e.atLabel)));
    }
    next = page.next || '';
    more.hidden = !next;
  };
  more.addEventListener('click', async () => {
    // Without a cursor the API would answer the first page again.
    if (!next || more.disabled) return;
    more.disabled = true;
    try {
      const page = await api('GET', `/pratiche/${pid}/history${query({ limit, cursor: next })}`);
      if (ctx.stale()) return;
      add(page);
      status.className = 'muted';
      status.textContent = page.next ? 'Altre operazioni caricate.' : 'Altre operazioni caricate: non ce ne sono altre.';
      // The button hides on the last page: the focus goes to the message.
      if (!page.next) status.focus();
    } catch (e) {
      status.textContent = e.message;
      status.className = 'error';
    } finally {
      more.disabled = false;
    }
  });
  add(first);
  clear(main, ...praticaHeader(p, 'storico', ctx.user), h('h2', {}, 'Storico'),
    h('p', { class: 'muted' }, 'La scheda Storico presenta una lista cronologica di tutte le modifiche effettuate alla pratica e il relativo utente che le ha apportate.'),
    h('table', { id: 'history' }, h('caption', {}, `Operazioni effettuate sulla pratica numero ${p.number}`),
      h('thead', {}, h('tr', {}, ['Nominativo', 'Ruolo / Struttura', 'Operazione svolta', 'Data / Ora'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody),
    first.items.length ? null : h('p', { class: 'muted' }, 'Nessuna operazione registrata.'), more, status);
}
