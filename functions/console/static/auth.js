// Sign-in. The access token lives in this tab's sessionStorage under
// "suapcds.token" (the local run's demo sign-in links put it there too).
// On AWS the page signs in with the identity provider behind the API's JWT
// authorizer: OpenID Connect authorization code with PKCE (S256), a public
// client, no secret.

const TOKEN = 'suapcds.token';
const PKCE = 'suapcds.pkce';
/** DRAFTS keeps the forms' values while the person signs in again (app.js). */
export const DRAFTS = 'suapcds.drafts';

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }

/** claims decodes the token's payload (for display: the API checks it). */
export function claims(token) {
  try {
    const p = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(p + '='.repeat((4 - (p.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

/** getToken is the session's token, unless missing or expired. */
export function getToken() {
  const t = sessionStorage.getItem(TOKEN);
  if (!t) return null;
  const c = claims(t);
  if (!c || (c.exp && c.exp * 1000 <= Date.now())) {
    forget();
    return null;
  }
  return t;
}

/** forget signs out of this tab. */
export function forget() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem('suapcds.role');
}

/** loadConfig reads the console's sign-in configuration. */
export async function loadConfig() {
  const res = await fetch('/console/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error('configurazione della console non disponibile');
  return res.json();
}

/**
 * discovery reads the identity provider's OpenID configuration; it must
 * name the configured issuer (a mismatch would send the codes elsewhere).
 */
export async function discovery(issuer) {
  let res;
  try {
    res = await fetch(issuer + '/.well-known/openid-configuration');
  } catch {
    throw new Error('impossibile contattare il fornitore di identità');
  }
  if (!res.ok) throw new Error(`il fornitore di identità non risponde (${res.status})`);
  const d = await res.json().catch(() => null);
  if (!d || typeof d.issuer !== 'string' || d.issuer.replace(/\/$/, '') !== issuer.replace(/\/$/, '') ||
    typeof d.authorization_endpoint !== 'string' || typeof d.token_endpoint !== 'string') {
    throw new Error('la configurazione del fornitore di identità non corrisponde a quella della console');
  }
  return d;
}

function redirectURI() { return location.origin + '/console'; }

/** signIn sends the browser to the identity provider's sign-in page. */
export async function signIn(cfg) {
  const d = await discovery(cfg.issuer);
  const verifier = random(32);
  const state = random(16);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, hash: location.hash }));
  const q = new URLSearchParams({ response_type: 'code', client_id: cfg.clientId, redirect_uri: redirectURI(),
    scope: cfg.scope || 'openid', state, code_challenge: b64url(digest), code_challenge_method: 'S256' });
  location.assign(d.authorization_endpoint + '?' + q);
}

/**
 * signOut forgets the token and, when the identity provider publishes an
 * end_session_endpoint, ends the session there too, coming back to the
 * console. It returns false when the page stays (no such endpoint).
 */
export async function signOut(cfg) {
  forget();
  sessionStorage.removeItem(DRAFTS);
  if (!cfg.issuer || !cfg.clientId) return false;
  const d = await discovery(cfg.issuer).catch(() => null);
  if (!d || typeof d.end_session_endpoint !== 'string' || !/^https?:\/\//.test(d.end_session_endpoint)) return false;
  const end = new URL(d.end_session_endpoint);
  end.searchParams.set('client_id', cfg.clientId);
  end.searchParams.set('post_logout_redirect_uri', redirectURI());
  location.assign(end.href);
  return true;
}

// The standard OAuth 2.0 and OpenID Connect error codes, in Italian: the
// provider's error_description is never shown (anyone can put text in the
// address).
const oauthErrors = {
  access_denied: 'l\'accesso è stato negato',
  login_required: 'è necessario accedere presso il fornitore di identità',
  consent_required: 'è necessario dare il consenso presso il fornitore di identità',
  interaction_required: 'il fornitore di identità richiede di completare l\'accesso sulle sue pagine',
  invalid_request: 'la richiesta di accesso non è valida',
  server_error: 'errore del fornitore di identità: riprovare più tardi',
  temporarily_unavailable: 'il fornitore di identità non è al momento disponibile: riprovare più tardi',
  invalid_grant: 'il codice di accesso non è valido o è scaduto: riprovare',
};

function oauthError(code) {
  return oauthErrors[code] || 'il fornitore di identità ha rifiutato l\'accesso';
}

/**
 * completeSignIn finishes a sign-in when the identity provider sent the
 * browser back with ?code= (or ?error=): once the state matches the one
 * saved by signIn in this tab, it trades the code for the token. It
 * returns false when there was nothing to finish.
 */
export async function completeSignIn(cfg) {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  const ours = !!(saved && saved.state && saved.state === q.get('state'));
  history.replaceState(null, '', '/console' + ((ours && typeof saved.hash === 'string' && saved.hash.startsWith('#/')) ? saved.hash : ''));
  if (!ours) throw new Error('risposta di accesso non valida: riprovare');
  if (q.has('error')) throw new Error(oauthError(q.get('error')));
  const d = await discovery(cfg.issuer);
  let res;
  try {
    res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectURI(),
        client_id: cfg.clientId, code_verifier: saved.verifier }),
    });
  } catch {
    throw new Error('impossibile contattare il fornitore di identità');
  }
  const tok = await res.json().catch(() => ({}));
  if (!res.ok || !tok.access_token) throw new Error(tok.error ? oauthError(tok.error) : `accesso rifiutato (${res.status})`);
  sessionStorage.setItem(TOKEN, tok.access_token);
  return true;
}
