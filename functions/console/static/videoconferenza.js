// Videoconferenza: the list of the booking requests the operator may see,
// with the manual's filters and cursor pagination (figure 8), and a
// request's detail with its thread, the new-message form where the rules
// allow it, and the recording's download (figures 9, 11, 13).
import { api, showError, clearErrors, query } from './api.js';
import { h, clear, field, facts } from './dom.js';
import { meetingFacts } from './conferenza.js';

const states = [['', 'Tutti'], ['APERTA', 'Aperta'], ['IN_ELABORAZIONE', 'In elaborazione'], ['EVASA', 'Evasa'], ['NON_DISPONIBILE', 'Non disponibile']];
const filterNames = ['praticaNumber', 'subject', 'state', 'from', 'to', 'office', 'assignee'];

/** videoconferenze renders the list, filtered by params (the hash's query). */
export async function videoconferenze(main, params, ctx) {
  const f = Object.fromEntries(filterNames.map((k) => [k, params.get(k) || '']));
  const cursor = params.get('cursor') || '';
  // A cursor is valid only with the same filters and page size: the links
  // keep both.
  const limit = params.get('limit') || '';
  let list = null;
  let failure = null;
  try {
    list = await api('GET', '/booking-requests' + query({ ...f, limit: limit || 20, cursor }));
  } catch (e) {
    if (e.status === 401) throw e;
    failure = e;
  }
  if (ctx.stale()) return;

  const input = (name, type, extra) => h('input', { type, name, value: f[name], ...extra });
  const stateSel = h('select', { name: 'state' }, states.map(([v, l]) => h('option', { value: v, selected: v === f.state }, l)));
  const form = h('form', { id: 'filters', role: 'search', 'aria-labelledby': 'filters-title' },
    h('h2', { id: 'filters-title' }, 'Parametri filtro Videoconferenza'),
    h('div', { class: 'row' },
      field('praticaNumber', 'num. pratica', input('praticaNumber', 'text', { maxlength: '50' })),
      field('subject', 'oggetto', input('subject', 'text', { maxlength: '200' })),
      field('state', 'stato', stateSel),
      field('from', 'inviate dal', input('from', 'date')),
      field('to', 'inviate al', input('to', 'date')),
      ctx.user.role === 'basin_operator' ? field('office', 'struttura mittente (identificativo)', input('office', 'text')) : null,
      field('assignee', 'assegnatario (identificativo)', input('assignee', 'text'))),
    h('button', { type: 'submit' }, 'Filtra'), ' ',
    h('a', { href: '#/videoconferenze' }, 'Azzera i filtri'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = {};
    for (const k of filterNames) if (form.elements[k]) q[k] = form.elements[k].value.trim();
    location.hash = '#/videoconferenze' + query({ ...q, limit });
  });

  const results = [];
  if (failure) {
    showError(form, failure);
  } else if (!list.items.length) {
    results.push(h('p', { class: 'muted', id: 'no-requests' }, 'Nessuna richiesta di videoconferenza.'));
  } else {
    results.push(h('table', { id: 'requests' },
      h('caption', { class: 'sr-only' }, 'Richieste di Videoconferenza'),
      h('thead', {}, h('tr', {}, ['Struttura mittente', 'Num. pratica', 'Assegnatario', 'Oggetto', 'Data e ora', 'Stato', 'Dettagli']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.items.map((r) => h('tr', { 'data-id': r.id },
        h('td', {}, r.officeName),
        h('td', {}, h('a', { href: `#/pratiche/${encodeURIComponent(r.praticaId)}/conferenza`, title: 'Apri la pratica' }, r.praticaNumber)),
        h('td', {}, r.assignee ? r.assignee.name : ''),
        h('td', {}, r.subject), h('td', {}, r.startLabel), h('td', {}, r.stateLabel),
        h('td', {}, h('a', { href: `#/videoconferenze/${encodeURIComponent(r.id)}`, class: 'detail-link',
          'aria-label': `Dettagli della richiesta della pratica ${r.praticaNumber}` }, 'Dettagli')))))));
  }
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pagine' },
    cursor ? h('a', { href: '#/videoconferenze' + query({ ...f, limit }), id: 'first-page' }, 'Prima pagina') : null,
    list && list.next ? h('a', { href: '#/videoconferenze' + query({ ...f, limit, cursor: list.next }), id: 'next-page' }, 'Pagina successiva') : null);
  clear(main, h('h1', { tabindex: '-1' }, 'Gestione delle richieste di Videoconferenza'), form,
    h('h2', {}, 'Richieste di Videoconferenza'), ...results, pager);
}

function messageView(m) {
  return h('article', { class: 'msg' },
    facts([['mittente', m.sender.name], ['data di invio', m.atLabel], ['oggetto', m.subject], ['stato richiesta', m.stateAtSendLabel]]),
    m.body ? h('p', {}, m.body) : null);
}

function recordingBlock(r) {
  if (!r.recording) return null;
  const box = h('section', { class: 'panel', id: 'recording', 'aria-labelledby': 'recording-title' },
    h('h2', { id: 'recording-title' }, 'Registrazione'));
  if (r.state !== 'EVASA') {
    box.append(h('p', { class: 'muted' }, r.state === 'NON_DISPONIBILE' ? 'Nessuna registrazione: la videoconferenza non si è tenuta.'
      : 'La registrazione sarà disponibile quando il servizio regionale l\'avrà acquisita.'));
    return box;
  }
  const btn = h('button', { type: 'button', id: 'download-recording' }, 'Scarica la registrazione');
  const wrap = h('div', { 'data-field': 'recording' }, btn,
    h('p', { class: 'hint' }, 'Il link vale 5 minuti ed è registrato nello storico. La registrazione contiene dati personali: usarla solo per il verbale.'));
  btn.addEventListener('click', async () => {
    clearErrors(box);
    btn.disabled = true;
    try {
      const d = await api('GET', `/booking-requests/${encodeURIComponent(r.id)}/recording`);
      location.assign(d.url);
    } catch (e) {
      showError(box, e);
    } finally {
      btn.disabled = false;
    }
  });
  box.append(wrap);
  return box;
}

function messageForm(id, main, ctx) {
  const subject = h('input', { type: 'text', name: 'subject', id: 'message-subject', required: true, maxlength: '200', size: '60' });
  const body = h('textarea', { name: 'body', id: 'message-body', rows: '4' });
  const send = h('button', { type: 'submit', id: 'send-message' }, 'invia nuova comunicazione');
  const form = h('form', { id: 'message-form', novalidate: true, 'aria-labelledby': 'message-title' },
    h('h2', { id: 'message-title' }, 'Inoltra nuova comunicazione'),
    field('subject', 'oggetto*', subject), field('body', 'messaggio', body), send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const msg = { subject: subject.value };
      if (body.value.trim()) msg.body = body.value;
      await api('POST', `/booking-requests/${encodeURIComponent(id)}/messages`, msg);
      if (!ctx.stale()) await dettaglio(main, id, ctx, 'Comunicazione inviata.');
    } catch (err) {
      send.disabled = false;
      showError(form, err);
    }
  });
  return form;
}

/** dettaglio renders request id's detail into main. */
export async function dettaglio(main, id, ctx, done) {
  const d = await api('GET', `/booking-requests/${encodeURIComponent(id)}`);
  if (ctx.stale()) return;
  const r = d.request;
  const thread = d.messages.length ? d.messages.map(messageView) : [h('p', { class: 'muted' }, 'Nessuna comunicazione.')];
  const noPost = d.canPost ? null : h('p', { class: 'muted', id: 'no-post' },
    (d.noPost && d.noPost.detail) || 'Non è possibile inviare nuove comunicazioni su questa richiesta.');
  clear(main,
    h('p', {}, h('a', { href: '#/videoconferenze', id: 'back-to-list' }, 'Torna alla lista')),
    h('h1', { tabindex: '-1' }, `Richiesta - pratica num. ${r.praticaNumber}`),
    done ? h('p', { class: 'ok', role: 'status', id: 'done' }, done) : null,
    h('section', { class: 'panel', 'aria-label': 'Dati della richiesta' },
      facts([
        ['mittente', r.createdBy.name], ['data di invio', r.createdAtLabel],
        ['oggetto', r.subject, 'request-subject'], ['durata', r.durationLabel],
        ['data e ora', r.startLabel], ['con registrazione', r.recording ? 'Sì' : 'No'],
        ['indirizzo email', r.email], ['struttura mittente', r.officeName],
        ['stato richiesta', r.stateLabel, 'request-state'], ['assegnatario', r.assignee ? r.assignee.name : ''],
        ['motivo', r.stateReason],
      ]),
      meetingFacts(r),
      h('p', {}, h('a', { href: `#/pratiche/${encodeURIComponent(r.praticaId)}/conferenza` }, 'Vai alla scheda Conferenza servizi della pratica'))),
    recordingBlock(r),
    h('h2', {}, 'Comunicazioni'), h('div', { id: 'thread' }, thread),
    d.canPost ? messageForm(r.id, main, ctx) : noPost);
}
