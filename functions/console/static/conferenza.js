// Conferenza servizi: the videoconference booking form (manual §2.1), the
// request's status with the meeting's data once given (§2.2), the earlier
// request after a NON DISPONIBILE, and the pratica's conferences with their
// sessions and legal deadlines (conferenze.js).
import { api, showError, clearErrors, query } from './api.js';
import { h, clear, field, facts, describe, romeInstant } from './dom.js';
import { praticaHeader } from './pratica.js';
import { conferences } from './conferenze.js';

const durations = [[30, '30 minuti'], [60, '1 ora'], [90, '1 ora e 30 minuti'], [120, '2 ore'], [180, '3 ore'],
  [240, '4 ore'], [300, '5 ore'], [360, '6 ore'], [420, '7 ore'], [480, '8 ore']];

/** meetingFacts are a request's meeting data, when the service gave them. */
export function meetingFacts(r) {
  if (!r.meeting) return null;
  const m = r.meeting;
  return facts([
    ['codice riunione', m.code, 'meeting-code'],
    ['password riunione', m.password, 'meeting-password'],
    ['link riunione', h('a', { href: m.link, rel: 'noopener noreferrer', target: '_blank' }, m.link), 'meeting-link'],
  ]);
}

/** requestFacts are a request's data as the manual's panels show them. */
export function requestFacts(r, prefix = '') {
  return facts([
    ['data e ora', r.startLabel, prefix + 'start'],
    ['durata', r.durationLabel],
    ['indirizzo email', r.email],
    ['oggetto comunicazione', r.subject, prefix + 'subject'],
    ['registrazione', r.recording ? 'con registrazione' : 'senza registrazione'],
    ['stato richiesta', r.stateLabel, prefix + 'state'],
    ['motivo', r.stateReason],
  ]);
}

function statusPanel(r) {
  return h('section', { class: 'panel', id: 'request-status', 'aria-labelledby': 'request-status-title' },
    h('h3', { id: 'request-status-title' }, 'Richiesta inviata'),
    requestFacts(r, 'status-'), meetingFacts(r),
    r.meeting ? null : h('p', { class: 'muted' }, 'Codice, password e link della riunione compariranno qui quando il servizio regionale avrà risposto.'),
    h('p', {}, h('a', { href: `#/videoconferenze/${encodeURIComponent(r.id)}`, id: 'request-detail' }, 'Dettaglio e comunicazioni')));
}

function previousPanel(r) {
  return h('section', { class: 'panel previous', 'aria-label': 'Richiesta videoconferenza precedente' },
    h('h3', {}, 'RICHIESTA VIDEOCONFERENZA PRECEDENTE:'), requestFacts(r, 'previous-'),
    h('p', {}, h('a', { href: `#/videoconferenze/${encodeURIComponent(r.id)}` }, 'Dettaglio e comunicazioni')));
}

function bookingForm(id, email, ctx, main) {
  const start = h('input', { type: 'datetime-local', name: 'start', id: 'start', required: true, step: '300' });
  const lastDay = h('p', { class: 'hint', id: 'last-day', 'aria-live': 'polite' });
  const dur = h('select', { name: 'durationMinutes', id: 'duration', required: true },
    durations.map(([v, l]) => h('option', { value: String(v), selected: v === 120 }, l)));
  const mail = h('input', { type: 'email', name: 'email', id: 'email', required: true, value: email || '', autocomplete: 'email' });
  const subject = h('input', { type: 'text', name: 'subject', id: 'subject', required: true, maxlength: '200', size: '60' });
  const withRec = h('input', { type: 'radio', name: 'recording', value: 'si', id: 'recording-yes' });
  const noRec = h('input', { type: 'radio', name: 'recording', value: 'no', id: 'recording-no', checked: true });
  const consent = h('input', { type: 'checkbox', name: 'recordingConsent', id: 'recording-consent' });
  const consentField = h('div', { class: 'field', 'data-field': 'recordingConsent', hidden: true },
    h('label', { class: 'inline', for: consent.id }, consent,
      'Sarà raccolto il consenso dei partecipanti alla registrazione, usata solo per redigere il verbale.'));
  const syncConsent = () => { consentField.hidden = !withRec.checked; };
  withRec.addEventListener('change', syncConsent);
  noRec.addEventListener('change', syncConsent);

  // The office's address fills the e-mail field while it is empty and the
  // person has not typed in it.
  let typed = false;
  mail.addEventListener('input', () => { typed = true; });
  const prefill = (d) => {
    if (d.defaultEmail && !typed && !mail.value) mail.value = d.defaultEmail;
  };
  const lastDayOf = (at) => api('GET', `/pratiche/${encodeURIComponent(id)}/booking-requests/last-day${query({ start: at })}`);
  if (!email) {
    // Any instant gives the office's address; a week ahead is a valid one.
    lastDayOf(romeInstant(new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 16))).then(prefill, () => {});
  }

  let asks = 0;
  const askLastDay = async () => {
    const mine = ++asks;
    const at = romeInstant(start.value);
    if (!at) { lastDay.textContent = ''; return; }
    try {
      const d = await lastDayOf(at);
      prefill(d);
      if (mine !== asks) return;
      lastDay.textContent = `Ultimo giorno per inviare la richiesta: ${d.lastRequestDayLabel}` +
        (d.open ? '' : ' — termine scaduto: scegliere una data successiva');
      lastDay.className = d.open ? 'hint' : 'hint error';
    } catch (e) {
      if (mine === asks) lastDay.textContent = e.message;
    }
  };
  start.addEventListener('change', askLastDay);
  start.addEventListener('input', askLastDay);

  const startField = field('start', 'data e ora*', start, 'Almeno due giorni lavorativi prima della riunione.');
  startField.append(lastDay);
  describe(start, lastDay.id);
  const send = h('button', { type: 'submit', id: 'book' }, 'richiedi videoconferenza');
  const form = h('form', { id: 'booking-form', novalidate: true, 'aria-labelledby': 'booking-title' },
    h('div', { class: 'row' }, startField, field('durationMinutes', 'durata*', dur),
      field('email', 'indirizzo email*', mail, 'Precompilato con l\'indirizzo della richiesta precedente o, alla prima richiesta, con quello dell\'ufficio.')),
    field('subject', 'oggetto comunicazione*', subject, null, 'grow'),
    h('fieldset', { 'data-field': 'recording' }, h('legend', {}, 'Registrazione'),
      h('label', { class: 'inline', for: withRec.id }, withRec, 'con registrazione'),
      h('label', { class: 'inline', for: noRec.id }, noRec, 'senza registrazione'), consentField),
    send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const at = romeInstant(start.value);
    const body = { start: at || '', durationMinutes: Number(dur.value), subject: subject.value };
    if (mail.value.trim()) body.email = mail.value.trim();
    if (withRec.checked) { body.recording = true; body.recordingConsent = consent.checked; }
    send.disabled = true;
    try {
      await api('POST', `/pratiche/${encodeURIComponent(id)}/booking-requests`, body);
      if (!ctx.stale()) await conferenza(main, id, ctx);
    } catch (err) {
      send.disabled = false;
      showError(form, err, { lead_time: 'start', live_request_exists: 'start' });
    }
  });
  return [h('h3', { id: 'booking-title' }, 'Richiesta di prenotazione di una videoconferenza'),
    h('p', { class: 'muted' }, 'La richiesta deve essere attivata solo in caso di conferenza sincrona.'), form];
}

/** conferenza renders the Conferenza servizi tab of pratica id into main. */
export async function conferenza(main, id, ctx) {
  const pid = encodeURIComponent(id);
  const operator = ctx.user.role === 'suap_operator' || ctx.user.role === 'basin_operator';
  const [p, reqs, confs] = await Promise.all([
    api('GET', `/pratiche/${pid}`),
    operator ? api('GET', `/pratiche/${pid}/booking-requests`) : { items: [] },
    conferences(id, ctx),
  ]);
  if (ctx.stale()) return;
  const body = [];
  let previous = [];
  if (operator) {
    const items = reqs.items || [];
    const [current] = items;
    previous = items;
    if (current && current.state !== 'NON_DISPONIBILE') {
      body.push(h('h3', {}, 'Richiesta di prenotazione di una videoconferenza'), statusPanel(current));
      previous = items.slice(1);
    } else {
      body.push(...bookingForm(id, current ? current.email : '', ctx, main));
    }
  } else {
    body.push(h('p', { class: 'muted', id: 'read-only' }, 'Consultazione: le conferenze si gestiscono dall\'ufficio SUAP o dal bacino.'));
  }
  clear(main, ...praticaHeader(p, 'conferenza', ctx.user), h('h2', {}, 'Conferenza servizi'),
    h('p', { class: 'muted' }, 'La scheda Conferenza di servizi consente la convocazione e lo svolgimento delle sedute della conferenza.'),
    ...body, previous.map(previousPanel),
    h('h2', {}, 'Conferenze e sedute'), confs);
}
