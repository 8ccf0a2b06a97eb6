// The pratica's services conferences on the Conferenza servizi tab (docs/rules.md §4,
// §7): each conference with its legal deadlines and its sessions; for the
// SUAP-side operators the forms to add a conference, convene a session
// (bodies from the directory, the convocation uploaded straight to the
// bucket), mark a session held or cancelled with its verbale, conclude the
// conference, and the pre-filled documents. The service (manager) reads
// only: the API lets it list conferences and download their files.
import { api, ApiError, showError, clearErrors, uploadFile, openFile, download } from './api.js';
import { h, clear, field, facts, uid, romeInstant } from './dom.js';

const types = [['simultanea_sincrona', 'Simultanea sincrona'], ['decisoria_semplificata', 'Decisoria semplificata (asincrona)'],
  ['istruttoria', 'Istruttoria'], ['preliminare', 'Preliminare']];
const outcomes = [['positivo', 'Positivo'], ['positivo_con_prescrizioni', 'Positivo con prescrizioni'], ['negativo', 'Negativo']];
const models = [
  ['indizione-sincrona-videoconferenza', 'Modello Indizione cds sincrona con videoconferenza'],
  ['riunione-dopo-asincrona', 'Modello comunicazione necessità riunione cds sincrona con videoconferenza a seguito di fallimento della seduta asincrona'],
  ['indizione-sincrona', 'Modello Indizione cds sincrona'],
];
const accept = '.pdf,.odt,.docx,.p7m,application/pdf,application/vnd.oasis.opendocument.text,' +
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/pkcs7-mime';
const fileHint = 'PDF, ODT, DOCX o P7M.';

/** today is today's date in Italy as yyyy-mm-dd. */
function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** fileIdOf is the last segment of a file key: the download route's id. */
const fileIdOf = (key) => key.split('/').pop();

/**
 * upload keeps a chosen file's key: after an error elsewhere in the form
 * the same file is not sent twice.
 */
function uploader(pid, cid, input, name) {
  let done = null;
  return async () => {
    const f = input.files && input.files[0];
    if (!f) return '';
    if (done && done.file === f) return done.key;
    const key = await uploadFile(pid, cid, f, name);
    done = { file: f, key };
    return key;
  };
}

function fileInput(name) {
  return h('input', { type: 'file', name, accept });
}

/** conferences renders the pratica's conferences and, for operators, their forms. */
export async function conferences(pid, ctx) {
  const box = h('div', { id: 'conferences' });
  const operator = ctx.user.role === 'suap_operator' || ctx.user.role === 'basin_operator';
  let bodies = null;
  const refresh = async (done, focus) => {
    const [list, dir] = await Promise.all([
      api('GET', `/pratiche/${encodeURIComponent(pid)}/conferences`).catch((e) => e),
      operator && !bodies ? api('GET', '/bodies').catch((e) => e) : bodies,
    ]);
    if (ctx.stale()) return;
    if (operator && !(dir instanceof Error)) bodies = dir;
    const env = { pid, operator, bodies: dir, refresh };
    const status = done ? h('p', { class: 'ok', role: 'status', id: 'conference-done', tabindex: '-1' }, done) : null;
    if (list instanceof Error) {
      if (list.status === 401) throw list;
      clear(box, h('p', { class: 'error', id: 'conferences-error' }, list.message));
      return;
    }
    clear(box, status,
      list.items.length ? list.items.map((c) => conferenceView(c, env))
        : h('p', { class: 'muted', id: 'no-conferences' }, 'Nessuna conferenza di servizi registrata per questa pratica.'),
      operator ? newConferenceForm(env) : null);
    const target = focus ? box.querySelector(focus) : status;
    if (target) target.focus();
  };
  await refresh();
  return box;
}

function newConferenceForm(env) {
  const type = h('select', { name: 'type', required: true },
    h('option', { value: '' }, '— scegliere —'), types.map(([v, l]) => h('option', { value: v }, l)));
  const sensitive = h('input', { type: 'checkbox', name: 'sensitiveInterests' });
  const appDate = h('input', { type: 'date', name: 'applicationDate' });
  const startDate = h('input', { type: 'date', name: 'startDate', required: true, value: today() });
  const send = h('button', { type: 'submit', id: 'create-conference' }, 'Inserisci conferenza');
  const sensitiveId = uid('sensitive');
  sensitive.id = sensitiveId;
  const form = h('form', { id: 'new-conference', novalidate: true, 'aria-labelledby': 'new-conference-title' },
    h('h3', { id: 'new-conference-title' }, 'Nuova conferenza dei servizi'),
    h('div', { class: 'row' },
      field('type', 'tipo conferenza*', type),
      field('applicationDate', 'data della domanda', appDate, 'Facoltativa: da essa decorre il termine di indizione (5 giorni lavorativi).'),
      field('startDate', 'data di indizione*', startDate)),
    h('div', { class: 'field', 'data-field': 'sensitiveInterests' },
      h('label', { class: 'inline', for: sensitiveId }, sensitive,
        'Interessi sensibili (ambiente, paesaggio, beni culturali, salute): termini di 90 giorni anziché 45')),
    send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { type: type.value, startDate: startDate.value || null };
    if (sensitive.checked) body.sensitiveInterests = true;
    if (appDate.value) body.applicationDate = appDate.value;
    send.disabled = true;
    try {
      await api('POST', `/pratiche/${encodeURIComponent(env.pid)}/conferences`, body);
      await env.refresh('Conferenza inserita.');
    } catch (err) {
      send.disabled = false;
      showError(form, err);
    }
  });
  return form;
}

function downloadButton(env, c, key, label, id) {
  if (!key) return null;
  const b = h('button', { type: 'button', class: 'secondary file-link', 'data-file': fileIdOf(key), id }, label);
  b.addEventListener('click', async () => {
    // Its own place for errors: the forms' errors and values stay as they are.
    const wrap = b.closest('.conference').querySelector('.file-errors');
    clearErrors(wrap);
    b.disabled = true;
    try {
      await openFile(`/pratiche/${encodeURIComponent(env.pid)}/conferences/${encodeURIComponent(c.id)}/files/${encodeURIComponent(fileIdOf(key))}`);
    } catch (e) {
      showError(wrap, e);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function conferenceView(c, env) {
  const closed = !!c.outcome;
  const section = h('section', { class: 'panel conference', id: `conference-${c.id}`, 'data-id': c.id, 'aria-labelledby': `conference-${c.id}-title` },
    h('h3', { id: `conference-${c.id}-title` }, `Conferenza ${c.typeLabel} — indetta il ${c.startDateLabel}`),
    h('div', { class: 'file-errors' }),
    facts([
      ['tipo', c.typeLabel, `conference-${c.id}-type`],
      ['data di indizione', c.startDateLabel],
      ['interessi sensibili', c.sensitiveInterests ? 'Sì (termini di 90 giorni)' : 'No'],
      ['esito', c.outcomeLabel, `conference-${c.id}-outcome`],
      ['data di conclusione', c.endDateLabel, `conference-${c.id}-end`],
      ['atto conclusivo', downloadButton(env, c, c.closingFileKey, 'Scarica la determinazione conclusiva', `conference-${c.id}-closing`)],
    ]),
    deadlines(c),
    h('h4', {}, 'Sedute'),
    c.sessions.length ? h('div', { class: 'sessions' }, c.sessions.map((s) => sessionView(s, c, env)))
      : h('p', { class: 'muted' }, 'Nessuna seduta convocata.'));
  if (env.operator) {
    section.append(documents(c, env));
    if (!closed) section.append(conveneForm(c, env), closeForm(c, env));
  }
  return section;
}

function deadlines(c) {
  if (!c.deadlines.length) {
    return h('p', { class: 'muted' }, c.type === 'simultanea_sincrona'
      ? 'Il termine dei lavori si calcola dalla prima seduta convocata.' : 'Nessun termine di legge.');
  }
  return h('table', { class: 'deadlines' }, h('caption', {}, 'Termini di legge'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Termine'), h('th', { scope: 'col' }, 'Scadenza'))),
    h('tbody', {}, c.deadlines.map((d) => h('tr', { 'data-kind': d.kind }, h('td', {}, d.label),
      h('td', {}, d.dueLabel, d.rolled ? h('span', { class: 'hint rolled' }, ' (spostata al primo giorno lavorativo utile)') : null)))));
}

function sessionView(s, c, env) {
  const m = s.meeting;
  const el = h('article', { class: 'session', id: `session-${s.id}`, 'data-state': s.state, 'aria-labelledby': `session-${s.id}-title` },
    h('h5', { id: `session-${s.id}-title` }, `Seduta n. ${s.seq} — ${s.startLabel}`),
    facts([
      ['data e ora', s.startLabel],
      ['luogo', s.place, `session-${s.id}-place`],
      ['stato', s.stateLabel, `session-${s.id}-state`],
      ['enti convocati', s.bodies.map((b) => b.name).join('; '), `session-${s.id}-bodies`],
      ['codice riunione', m && m.code],
      ['password riunione', m && m.password],
      ['link riunione', m && m.link ? h('a', { href: m.link, rel: 'noopener noreferrer', target: '_blank' }, m.link) : null],
    ]),
    h('p', { class: 'files' },
      downloadButton(env, c, s.convocationFileKey, `Scarica la convocazione della seduta n. ${s.seq}`, `session-${s.id}-convocation`), ' ',
      downloadButton(env, c, s.closingFileKey, `Scarica il verbale della seduta n. ${s.seq}`, `session-${s.id}-verbale`)));
  if (env.operator && !c.outcome) {
    if (s.state === 'CONVOCATA') el.append(stateForm(s, c, env));
    else if (s.state === 'SVOLTA' && !s.closingFileKey) el.append(verbaleForm(s, c, env));
  }
  return el;
}

function statePath(env, c, s) {
  return `/pratiche/${encodeURIComponent(env.pid)}/conferences/${encodeURIComponent(c.id)}/sessions/${encodeURIComponent(s.id)}/state`;
}

function stateForm(s, c, env) {
  const held = h('input', { type: 'radio', name: 'state', value: 'SVOLTA', id: uid('held'), checked: true });
  const cancelled = h('input', { type: 'radio', name: 'state', value: 'ANNULLATA', id: uid('cancelled') });
  const file = fileInput('closingFileKey');
  const fileField = field('closingFileKey', 'verbale della seduta (facoltativo)', file, fileHint + ' Si può allegare anche in seguito.');
  const sync = () => { fileField.hidden = !held.checked; };
  held.addEventListener('change', sync);
  cancelled.addEventListener('change', sync);
  const up = uploader(env.pid, c.id, file, 'closingFileKey');
  const send = h('button', { type: 'submit' }, 'Aggiorna lo stato della seduta');
  const form = h('form', { class: 'state-form', novalidate: true, 'aria-label': `Stato della seduta n. ${s.seq}` },
    h('fieldset', { 'data-field': 'state' }, h('legend', {}, `Esito della seduta n. ${s.seq}`),
      h('label', { class: 'inline', for: held.id }, held, 'svolta'),
      h('label', { class: 'inline', for: cancelled.id }, cancelled, 'annullata')),
    fileField, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const body = { state: held.checked ? 'SVOLTA' : 'ANNULLATA' };
      if (held.checked) {
        const key = await up();
        if (key) body.closingFileKey = key;
      }
      await api('POST', statePath(env, c, s), body);
      await env.refresh(held.checked ? `Seduta n. ${s.seq} segnata come svolta.` : `Seduta n. ${s.seq} annullata.`);
    } catch (err) {
      send.disabled = false;
      showError(form, err, { session_not_started: 'state', session_closed: 'state' });
    }
  });
  return form;
}

function verbaleForm(s, c, env) {
  const file = fileInput('closingFileKey');
  file.required = true;
  const up = uploader(env.pid, c.id, file, 'closingFileKey');
  const send = h('button', { type: 'submit' }, 'Allega il verbale');
  const form = h('form', { class: 'verbale-form', novalidate: true, 'aria-label': `Verbale della seduta n. ${s.seq}` },
    field('closingFileKey', `verbale della seduta n. ${s.seq}*`, file, fileHint), send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const key = await up();
      if (!key) throw missing('closingFileKey', 'Scegliere il file del verbale.');
      await api('POST', statePath(env, c, s), { state: 'SVOLTA', closingFileKey: key });
      await env.refresh(`Verbale della seduta n. ${s.seq} allegato.`);
    } catch (err) {
      send.disabled = false;
      showError(form, err);
    }
  });
  return form;
}

/** missing is a form's own check of a required file, shown like the API's field errors. */
function missing(fieldName, detail) {
  return new ApiError(422, { code: 'invalid_input', detail: 'Controllare i dati inseriti.', errors: [{ field: fieldName, detail }] });
}

function conveneForm(c, env) {
  const idp = `convene-${c.id}`;
  const bodyBox = h('fieldset', { 'data-field': 'bodyIds', class: 'bodies' }, h('legend', {}, 'Enti da convocare*'));
  if (env.bodies instanceof Error) {
    bodyBox.append(h('p', { class: 'error' }, env.bodies.message));
  } else if (env.bodies) {
    bodyBox.append(...env.bodies.items.map((b) => {
      const box = h('input', { type: 'checkbox', name: 'bodyIds', value: b.id, id: uid('body') });
      return h('label', { class: 'inline', for: box.id }, box, b.name,
        h('span', { class: 'hint' }, ' ' + (b.pec || b.email || '')));
    }));
  }
  const start = h('input', { type: 'datetime-local', name: 'start', required: true, step: '60' });
  const place = h('input', { type: 'text', name: 'place', maxlength: '200', size: '40' });
  const file = fileInput('convocationFileKey');
  file.required = true;
  const up = uploader(env.pid, c.id, file, 'convocationFileKey');
  const send = h('button', { type: 'submit' }, 'Convoca la seduta');
  const form = h('form', { class: 'convene-form', id: idp, novalidate: true, 'aria-labelledby': idp + '-title' },
    h('h4', { id: idp + '-title' }, 'Convoca nuova seduta'),
    bodyBox,
    h('div', { class: 'row' },
      field('start', 'data e ora*', start),
      field('place', 'luogo', place, 'Obbligatorio, salvo che una videoconferenza accettata della pratica copra la data e ora: se vuoto, il luogo è allora «Videoconferenza» e la convocazione riporta codice, password e link della riunione.'),
      field('convocationFileKey', 'file di convocazione*', file, fileHint + ' Inviato a ogni ente convocato.')),
    send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const body = {
        start: romeInstant(start.value) || '',
        bodyIds: [...form.querySelectorAll('input[name="bodyIds"]:checked')].map((b) => b.value),
      };
      if (place.value.trim()) body.place = place.value.trim();
      // Without a file the API's own "required" comes with the other fields' errors.
      body.convocationFileKey = await up();
      await api('POST', `/pratiche/${encodeURIComponent(env.pid)}/conferences/${encodeURIComponent(c.id)}/sessions`, body);
      await env.refresh('Seduta convocata: gli enti ricevono la convocazione per posta elettronica.');
    } catch (err) {
      send.disabled = false;
      showError(form, err);
    }
  });
  return form;
}

function closeForm(c, env) {
  const idp = `close-${c.id}`;
  const outcome = h('select', { name: 'outcome', required: true },
    h('option', { value: '' }, '— scegliere —'), outcomes.map(([v, l]) => h('option', { value: v }, l)));
  const end = h('input', { type: 'date', name: 'endDate', required: true, value: today() });
  const file = fileInput('closingFileKey');
  const up = uploader(env.pid, c.id, file, 'closingFileKey');
  const send = h('button', { type: 'submit' }, 'Concludi la conferenza');
  const form = h('form', { class: 'close-form', id: idp, novalidate: true, 'aria-labelledby': idp + '-title' },
    h('h4', { id: idp + '-title' }, 'Conclusione della conferenza'),
    h('div', { class: 'row' },
      field('outcome', 'esito*', outcome),
      field('endDate', 'data di conclusione*', end, 'Non futura; tutte le sedute devono essere svolte o annullate.'),
      field('closingFileKey', 'determinazione conclusiva (facoltativa)', file, fileHint)),
    send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    send.disabled = true;
    try {
      const body = { outcome: outcome.value, endDate: end.value || null };
      const key = await up();
      if (key) body.closingFileKey = key;
      await api('POST', `/pratiche/${encodeURIComponent(env.pid)}/conferences/${encodeURIComponent(c.id)}/closure`, body);
      await env.refresh('Conferenza conclusa.');
    } catch (err) {
      send.disabled = false;
      showError(form, err);
    }
  });
  return form;
}

function documents(c, env) {
  const box = h('div', { class: 'documents', 'aria-labelledby': `documents-${c.id}-title`, role: 'group' },
    h('h4', { id: `documents-${c.id}-title` }, 'Prestampati'),
    h('p', { class: 'hint' }, 'Documenti modificabili (.odt) compilati con i dati della pratica e della riunione.'));
  for (const [model, label] of models) {
    const b = h('button', { type: 'button', class: 'secondary document', 'data-model': model }, label);
    b.addEventListener('click', async () => {
      clearErrors(box);
      b.disabled = true;
      try {
        await download(`/pratiche/${encodeURIComponent(env.pid)}/conferences/${encodeURIComponent(c.id)}/documents/${model}`, model + '.odt');
      } catch (e) {
        showError(box, e);
      } finally {
        b.disabled = false;
      }
    });
    box.append(h('p', {}, b));
  }
  return box;
}
