// Calls to the API on this origin, with the session's token, and the
// display of its errors (RFC 9457 problems with an Italian detail).
import { getToken } from './auth.js';
import { h, describe, undescribe, uid } from './dom.js';

/** ApiError is a failed call: status and the problem the API answered. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * expired is the error of a call the API refused with 401 (the token
 * expired or is not valid any more). The screen stays as it is, with what
 * was typed: the page (app.js) offers to sign in again on the
 * suapcds:expired event.
 */
function expired() {
  window.dispatchEvent(new Event('suapcds:expired'));
  return new ApiError(401, { code: 'unauthenticated',
    detail: 'Operazione non eseguita: la sessione è scaduta o non è più valida. Accedere di nuovo con il pulsante «Accedi di nuovo» in cima alla pagina; i dati inseriti restano.' });
}

/** api calls method path with an optional JSON body and returns the JSON answer. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const token = getToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'network', detail: 'Impossibile contattare il server: controllare la connessione e riprovare.' });
  }
  let data = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) data = await res.json().catch(() => null);
  if (res.status === 401) throw expired();
  if (!res.ok) {
    const p = data && typeof data.detail === 'string' ? data : { code: 'http_' + res.status, detail: `Errore imprevisto del server (${res.status}): riprovare più tardi.` };
    throw new ApiError(res.status, p);
  }
  return data;
}

/** query builds "?a=1&b=2" from the non-empty values of o. */
export function query(o) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

/** clearErrors removes the errors shown in container. */
export function clearErrors(container) {
  for (const el of container.querySelectorAll('.field-error, .form-error')) {
    if (el.id) for (const c of container.querySelectorAll('[aria-describedby]')) undescribe(c, el.id);
    el.remove();
  }
  for (const el of container.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * fieldWrap is the element with data-field for an error's field: the field
 * itself or, failing that, its closest enclosing one ("bodies[2].officeId",
 * then "bodies[2]", then "bodies").
 */
function fieldWrap(container, name) {
  for (let f = name; f;) {
    const el = container.querySelector(`[data-field="${CSS.escape(f)}"]`);
    if (el) return el;
    const shorter = f.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
    f = shorter === f ? '' : shorter;
  }
  return null;
}

/**
 * showError shows err in container: each of the problem's field errors next
 * to its field (the element with data-field), the detail at the top, with
 * the field errors that match no field of the form listed below it. codes
 * maps a problem code without field errors to a field (e.g.
 * cds_reason_required → reason). The top message takes the focus.
 */
export function showError(container, err, codes = {}) {
  clearErrors(container);
  const p = err instanceof ApiError ? err.problem : { detail: 'Errore imprevisto: ' + err.message };
  const fields = [...(p.errors || [])];
  if (!fields.length && codes[p.code]) fields.push({ field: codes[p.code], detail: p.detail });
  let first = null;
  const unmatched = [];
  for (const fe of fields) {
    const wrap = typeof fe.field === 'string' ? fieldWrap(container, fe.field) : null;
    if (!wrap) {
      if (fe.detail && fe.detail !== p.detail && !unmatched.includes(fe.detail)) unmatched.push(fe.detail);
      continue;
    }
    const control = wrap.querySelector('input, textarea, select');
    const msg = h('p', { class: 'field-error', id: uid('error') }, fe.detail);
    // Never inside a label (it would become part of the control's name).
    if (wrap.tagName === 'LABEL') wrap.after(msg);
    else wrap.append(msg);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      describe(control, msg.id);
      first = first || control;
    }
  }
  const top = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }, p.detail,
    unmatched.length ? h('ul', { class: 'other-errors' }, unmatched.map((d) => h('li', {}, d))) : null);
  container.prepend(top);
  (first || top).focus();
  return top;
}

// The types the API accepts for a conference's files, by extension, for
// browsers that give a file no type (a .p7m usually).
const fileTypes = {
  pdf: 'application/pdf',
  odt: 'application/vnd.oasis.opendocument.text',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  p7m: 'application/pkcs7-mime',
};

/** fileError is a field error on field, shown like the API's. */
function fileError(field, detail) {
  return new ApiError(422, { code: 'invalid_file', detail, errors: [{ field, detail }] });
}

/**
 * uploadFile uploads file as a file of conference cid of pratica pid: the
 * API signs a POST form, the browser posts it with the file (last) straight
 * to the bucket, without the token. It resolves to the file's key; its
 * errors are reported on field.
 */
export async function uploadFile(pid, cid, file, field) {
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  const contentType = fileTypes[ext] || file.type || 'application/octet-stream';
  let form;
  try {
    form = await api('POST', `/pratiche/${encodeURIComponent(pid)}/conferences/${encodeURIComponent(cid)}/files`, { contentType });
  } catch (e) {
    // The API names the declared type: the person chose the file.
    if (e.problem && e.problem.errors) e.problem.errors = e.problem.errors.map((fe) => ({ ...fe, field }));
    throw e;
  }
  if (file.size === 0) throw fileError(field, 'Il file è vuoto.');
  if (form.maxBytes && file.size > form.maxBytes) {
    throw fileError(field, `Il file supera la dimensione massima di ${Math.floor(form.maxBytes / 1048576)} MB.`);
  }
  const fd = new FormData();
  for (const [k, v] of Object.entries(form.fields)) fd.append(k, v);
  fd.append('file', file, file.name);
  let res;
  try {
    res = await fetch(form.url, { method: 'POST', body: fd, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw fileError(field, 'Caricamento del file non riuscito: impossibile contattare l\'archivio dei file.');
  }
  if (!res.ok) throw fileError(field, `Caricamento del file non riuscito (${res.status}): riprovare.`);
  return form.key;
}

/** openFile asks the API for a pre-signed link (path answers {url}) and follows it. */
export async function openFile(path) {
  const d = await api('GET', path);
  location.assign(d.url);
}

/** fileName is the name Content-Disposition gives, or fallback. */
function fileName(disposition, fallback) {
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition || '');
  if (star) {
    try { return decodeURIComponent(star[1].trim()); } catch { /* the plain name below */ }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(disposition || '');
  if (plain) return (plain[2] !== undefined ? plain[2] : plain[1]).trim();
  return fallback;
}

/**
 * download fetches path with the token (a plain link could not carry it)
 * and saves the answer under the name Content-Disposition gives.
 */
export async function download(path, fallback) {
  const headers = { Accept: '*/*' };
  const token = getToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(path, { headers, cache: 'no-store' });
  } catch {
    throw new ApiError(0, { code: 'network', detail: 'Impossibile contattare il server: controllare la connessione e riprovare.' });
  }
  if (!res.ok) {
    if (res.status === 401) throw expired();
    const data = (res.headers.get('Content-Type') || '').includes('json') ? await res.json().catch(() => null) : null;
    throw new ApiError(res.status, data && typeof data.detail === 'string' ? data
      : { code: 'http_' + res.status, detail: `Errore imprevisto del server (${res.status}): riprovare più tardi.` });
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName(res.headers.get('Content-Disposition'), fallback), hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the blob once the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
