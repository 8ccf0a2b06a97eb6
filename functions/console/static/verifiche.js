// Verifiche: the bodies to send the pratica to, the live CDS check and the
// reason for not convening the CDS (docs/rules.md §1, the manual's figures 1–4).
import { api, showError, clearErrors } from './api.js';
import { h, clear, field, describe } from './dom.js';
import { praticaHeader } from './pratica.js';

const NOTICE = "✘ E' necessario indire una CDS";

/** verifiche renders the Verifiche tab of pratica id into main. */
export async function verifiche(main, id, ctx) {
  const p = await api('GET', `/pratiche/${encodeURIComponent(id)}`);
  if (ctx.stale()) return;
  const bodyKey = (b) => `${b.bodyId}/${b.officeId}`;
  const intro = h('p', { class: 'muted' }, 'La scheda Verifiche consente la trasmissione della pratica agli uffici degli Enti Terzi per le verifiche di competenza.');

  if (p.verificationsSent) {
    clear(main, ...praticaHeader(p, 'verifiche'), h('h2', {}, 'Verifiche'), intro,
      h('p', { class: 'ok', id: 'verifications-sent' }, 'Verifiche inviate.'),
      p.cdsConvened ? h('p', {}, 'La conferenza di servizi è stata convocata.') : null,
      p.noCdsReason ? [h('h3', { id: 'reason-label' }, 'Motivo mancata convocazione CDS'),
        h('p', { class: 'readonly', id: 'reason-readonly', 'aria-labelledby': 'reason-label' }, p.noCdsReason)] : null);
    return;
  }

  const boxes = p.bodies.map((b) => h('input', { type: 'checkbox', name: 'body', value: bodyKey(b) }));
  const notice = h('div', { id: 'cds-notice', role: 'status', 'aria-live': 'polite' });
  const reason = h('textarea', { name: 'reason', id: 'reason', rows: '3' });
  // The counter is read with the field; only a few thresholds are announced
  // while typing (not every keystroke). Characters are counted in UTF-16
  // units, as the box's maxLength counts them.
  const counter = h('p', { class: 'hint', id: 'reason-counter' });
  const announcer = h('p', { class: 'sr-only', id: 'reason-announcer', 'aria-live': 'polite' });
  const reasonField = field('reason', 'Motivo mancata convocazione CDS', reason);
  reasonField.append(counter, announcer);
  describe(reason, counter.id);
  reasonField.hidden = true;
  let max = 250;
  reason.maxLength = max;
  const band = (left) => (left === 0 ? 0 : left <= 10 ? 10 : left <= 50 ? 50 : Infinity);
  let lastBand = Infinity;
  const count = () => {
    const left = Math.max(0, max - reason.value.length);
    counter.textContent = `${left} caratteri rimanenti`;
    const b = band(left);
    if (b !== lastBand) {
      announcer.textContent = b === Infinity ? '' : left === 0 ? 'Raggiunto il numero massimo di caratteri.' : `${left} caratteri rimanenti.`;
      lastBand = b;
    }
  };
  reason.addEventListener('input', count);

  // The request lists the ticked bodies only: sent[k] is the position, among
  // the pratica's bodies (and the boxes), of the request's k-th body.
  const tickedAt = () => p.bodies.map((_, i) => i).filter((i) => boxes[i].checked);
  const request = (sent) => sent.map((i) => ({ bodyId: p.bodies[i].bodyId, officeId: p.bodies[i].officeId, name: p.bodies[i].name }));
  const onBoxes = (err, sent) => {
    if (err.problem && Array.isArray(err.problem.errors)) {
      err.problem.errors = err.problem.errors.map((fe) => {
        const m = /^bodies\[(\d+)\](.*)$/.exec(fe.field || '');
        return m && sent[+m[1]] !== undefined ? { ...fe, field: `bodies[${sent[+m[1]]}]${m[2]}` } : fe;
      });
    }
    return err;
  };
  let checks = 0;
  const check = async () => {
    const mine = ++checks;
    const sent = tickedAt();
    if (!sent.length) { clear(notice); reasonField.hidden = true; return; }
    try {
      const r = await api('POST', `/pratiche/${encodeURIComponent(id)}/cds-check`, { bodies: request(sent) });
      if (mine !== checks) return;
      max = r.reasonMaxLength || max;
      reason.maxLength = max;
      count();
      if (r.cdsRequired) {
        clear(notice, h('p', { class: 'notice-cds' }, (r.notice || NOTICE) + ' (è possibile utilizzare il link sottostante)'),
          h('p', {}, h('a', { href: `#/pratiche/${encodeURIComponent(id)}/conferenza`, id: 'convoca-cds' }, 'Convoca CDS')));
      } else {
        clear(notice, r.cdsConvened ? h('p', { class: 'ok' }, 'La conferenza di servizi è già stata convocata.') : null);
      }
      reasonField.hidden = !r.reasonRequired;
    } catch (e) {
      if (mine === checks) showError(form, onBoxes(e, sent));
    }
  };
  for (const b of boxes) b.addEventListener('change', check);

  const send = h('button', { type: 'submit', id: 'send-verifications' }, 'Invia verifiche');
  const form = h('form', { id: 'verifiche-form', novalidate: true },
    h('fieldset', { 'data-field': 'bodies' },
      h('legend', {}, `Richiesta verifiche collegate alla pratica numero ${p.number}`),
      p.bodies.map((b, i) => h('label', { class: 'inline', 'data-field': `bodies[${i}]` }, boxes[i], b.name || bodyKey(b))),
      p.bodies.length ? null : h('p', { class: 'muted' }, 'La pratica non ha uffici di Enti Terzi associati.')),
    notice, reasonField, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    const sent = tickedAt();
    const body = { bodies: request(sent) };
    if (!reasonField.hidden && reason.value.trim()) body.reason = reason.value;
    try {
      await api('POST', `/pratiche/${encodeURIComponent(id)}/verifications`, body);
      if (!ctx.stale()) await verifiche(main, id, ctx);
    } catch (err) {
      send.disabled = false;
      if (err.problem && err.problem.code === 'cds_reason_required') reasonField.hidden = false;
      showError(form, onBoxes(err, sent), { cds_reason_required: 'reason', no_bodies_selected: 'bodies' });
    }
  });
  count();
  clear(main, ...praticaHeader(p, 'verifiche'), h('h2', {}, 'Verifiche'), intro,
    h('h3', {}, 'Controllo dati verifiche'),
    h('p', {}, 'Selezionare gli uffici degli Enti Terzi a cui inviare la pratica per le verifiche di competenza.'), form);
}
