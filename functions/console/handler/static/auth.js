// Sign-in. The access token lives in this tab's sessionStorage under
// "suapcds.token" (the local run's demo sign-in links put it there too).
// On AWS the page signs in with the identity provider behind the API's JWT
// authorizer: OpenID Connect authorization code with PKCE (S256), a public
// client, no secret.

const TOKEN = 'suapcds.token';
const PKCE = 'suapcds.pkce';

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

async function discovery(issuer) {
  const res = await fetch(issuer + '/.well-known/openid-configuration');
  if (!res.ok) throw new Error(`il fornitore di identità non risponde (${res.status})`);
  return res.json();
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
 * completeSignIn finishes a sign-in when the identity provider sent the
 * browser back with ?code= (or ?error=): it trades the code for the token.
 * It returns false when there was nothing to finish.
 */
export async function completeSignIn(cfg) {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, '', '/console' + ((saved && saved.hash) || ''));
  if (q.has('error')) throw new Error(q.get('error_description') || q.get('error'));
  if (!saved || saved.state !== q.get('state')) throw new Error('risposta di accesso non valida: riprovare');
  const d = await discovery(cfg.issuer);
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectURI(),
      client_id: cfg.clientId, code_verifier: saved.verifier }),
  });
  const tok = await res.json().catch(() => ({}));
  if (!res.ok || !tok.access_token) throw new Error(tok.error_description || tok.error || `accesso rifiutato (${res.status})`);
  sessionStorage.setItem(TOKEN, tok.access_token);
  return true;
}
