// Calls to the API on this origin, with the session's token, and the
// display of its errors (RFC 9457 problems with an Italian detail).
import { getToken, forget } from './auth.js';
import { h, describe } from './dom.js';

/** ApiError is a failed call: status and the problem the API answered. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail);
    this.status = status;
    this.problem = problem;
  }
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
  if (res.status === 401) {
    forget();
    window.dispatchEvent(new Event('suapcds:signedout'));
    throw new ApiError(401, { code: 'unauthenticated', detail: 'La sessione è scaduta o non è valida: accedere di nuovo.' });
  }
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
  for (const el of container.querySelectorAll('.field-error, .form-error')) el.remove();
  for (const el of container.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * showError shows err in container: each of the problem's field errors next
 * to its field (the element with data-field), the detail at the top. codes
 * maps a problem code without field errors to a field (e.g.
 * cds_reason_required → reason). The top message takes the focus.
 */
export function showError(container, err, codes = {}) {
  clearErrors(container);
  const p = err instanceof ApiError ? err.problem : { detail: 'Errore imprevisto: ' + err.message };
  const fields = [...(p.errors || [])];
  if (!fields.length && codes[p.code]) fields.push({ field: codes[p.code], detail: p.detail });
  let first = null;
  for (const fe of fields) {
    const wrap = container.querySelector(`[data-field="${CSS.escape(fe.field)}"]`) ||
      container.querySelector(`[data-field="${CSS.escape(fe.field.replace(/\[\d+\].*$/, ''))}"]`);
    if (!wrap) continue;
    const control = wrap.querySelector('input, textarea, select');
    const msg = h('p', { class: 'field-error', id: (control ? control.id : 'f') + '-error' }, fe.detail);
    wrap.append(msg);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      describe(control, msg.id);
      first = first || control;
    }
  }
  const top = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }, p.detail);
  container.prepend(top);
  (first || top).focus();
  return top;
}
