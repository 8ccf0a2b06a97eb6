// Verifiche: the bodies to send the pratica to, the live CDS check and the
// reason for not convening the CDS (SPEC §1, the manual's figures 1–4).
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
  const counter = h('p', { class: 'hint', id: 'reason-counter', 'aria-live': 'polite' });
  const reasonField = field('reason', 'Motivo mancata convocazione CDS', reason);
  reasonField.append(counter);
  describe(reason, counter.id);
  reasonField.hidden = true;
  let max = 250;
  const count = () => { counter.textContent = `${Math.max(0, max - [...reason.value].length)} caratteri rimanenti`; };
  reason.addEventListener('input', count);

  const ticked = () => p.bodies.filter((_, i) => boxes[i].checked).map(({ bodyId, officeId, name }) => ({ bodyId, officeId, name }));
  let checks = 0;
  const check = async () => {
    const mine = ++checks;
    const sel = ticked();
    if (!sel.length) { clear(notice); reasonField.hidden = true; return; }
    try {
      const r = await api('POST', `/pratiche/${encodeURIComponent(id)}/cds-check`, { bodies: sel });
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
      if (mine === checks) showError(form, e);
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
    const body = { bodies: ticked() };
    if (!reasonField.hidden && reason.value.trim()) body.reason = reason.value;
    try {
      await api('POST', `/pratiche/${encodeURIComponent(id)}/verifications`, body);
      if (!ctx.stale()) await verifiche(main, id, ctx);
    } catch (err) {
      send.disabled = false;
      if (err.problem && err.problem.code === 'cds_reason_required') reasonField.hidden = false;
      showError(form, err, { cds_reason_required: 'reason', no_bodies_selected: 'bodies' });
    }
  });
  count();
  clear(main, ...praticaHeader(p, 'verifiche'), h('h2', {}, 'Verifiche'), intro,
    h('h3', {}, 'Controllo dati verifiche'),
    h('p', {}, 'Selezionare gli uffici degli Enti Terzi a cui inviare la pratica per le verifiche di competenza.'), form);
}
