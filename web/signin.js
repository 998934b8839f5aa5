// Signing in at the stack's Cognito hosted UI: the authorization code grant with PKCE (RFC 7636),
// for a page that can keep no secret. Used when config.json says {"auth": "cognito", ...}
// (written by `make web-deploy`); locally the page names its caller instead (app.js).
//
// Where the tokens live: the tab's sessionStorage. A reload or a screen opened again keeps the
// person signed in without a round trip through the hosted UI, another tab or a closed tab does
// not; nothing is in a cookie, so nothing is sent anywhere but where the page sends it. Any
// script of the page could read them (memory too, in practice): the CSP lets no script run but
// the page's own files. The refresh token (valid a day, WebUserPoolClient) renews the access
// token a minute before it expires; a failed refresh signs the person out.
"use strict";

const SIGNIN_KEY = "signin"; // the verifier and state of a sign-in under way
const TOKENS_KEY = "tokens";
const EARLY_S = 60;

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomToken() {
  // 32 random bytes: 43 characters of base64url, the shortest code_verifier RFC 7636 §4.1 allows.
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function s256(verifier) {
  // code_challenge = BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2).
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

function claims(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

class HostedUi {
  constructor(config) {
    this.origin = config.hosted_ui.replace(/\/$/, ""); // https://<prefix>.auth.<region>.amazoncognito.com
    this.clientId = config.client_id;
    this.redirectUri = config.redirect_uri;
    this.tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) || "null");
  }

  // The person's name on the page: the ID token's email, else its subject.
  get who() {
    if (!this.tokens) return "";
    const claim = claims(this.tokens.id_token);
    return claim.email || claim.sub;
  }

  async signIn() {
    const verifier = randomToken();
    const state = randomToken();
    sessionStorage.setItem(SIGNIN_KEY, JSON.stringify({verifier, state}));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: "openid email",
      state,
      code_challenge: await s256(verifier),
      code_challenge_method: "S256",
    });
    location.assign(`${this.origin}/oauth2/authorize?${query}`);
  }

  // Back from the hosted UI with ?code=&state= (or ?error=): the code for tokens. Returns an error
  // code for the page to show, or "" (nothing to finish, or finished).
  async finishSignIn() {
    const query = new URLSearchParams(location.search);
    if (!query.has("code") && !query.has("error")) return "";
    const pending = JSON.parse(sessionStorage.getItem(SIGNIN_KEY) || "null");
    sessionStorage.removeItem(SIGNIN_KEY);
    // The code and state leave the address bar (and the history) whatever happens next.
    history.replaceState(null, "", location.pathname + location.hash);
    // A state this tab did not send: a sign-in someone else started. Its code is never used.
    if (!pending || query.get("state") !== pending.state) return "signin_state";
    if (query.has("error")) return "signin_refused";
    const tokens = await this.token({
      grant_type: "authorization_code",
      client_id: this.clientId,
      code: query.get("code"),
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    return tokens ? "" : "signin_failed";
  }

  // The access token for the API's authorizer (it accepts the web client's id in client_id),
  // renewed with the refresh token when it is about to expire; null: sign in again.
  async accessToken() {
    if (!this.tokens) return null;
    if (Date.now() / 1000 < this.tokens.expires_at - EARLY_S) return this.tokens.access_token;
    const tokens = await this.token({
      grant_type: "refresh_token",
      client_id: this.clientId,
      refresh_token: this.tokens.refresh_token,
    });
    return tokens ? tokens.access_token : null;
  }

  async token(form) {
    let response;
    try {
      response = await fetch(`${this.origin}/oauth2/token`, {
        method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams(form),
      });
    } catch (networkError) {
      return null;
    }
    if (!response.ok) {
      this.forget();
      return null;
    }
    const answer = await response.json();
    // A refresh answers no new refresh token: the one we have stays.
    this.tokens = {
      access_token: answer.access_token,
      id_token: answer.id_token,
      refresh_token: answer.refresh_token || this.tokens?.refresh_token,
      expires_at: Math.floor(Date.now() / 1000) + answer.expires_in,
    };
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(this.tokens));
    return this.tokens;
  }

  forget() {
    this.tokens = null;
    sessionStorage.removeItem(TOKENS_KEY);
  }

  // Forget the tokens here, then end the hosted UI's own session, which sends the browser back to
  // the page (logout_uri, one of the client's sign-out URLs).
  signOut() {
    this.forget();
    const query = new URLSearchParams({client_id: this.clientId, logout_uri: this.redirectUri});
    location.assign(`${this.origin}/logout?${query}`);
  }
}

window.HostedUi = HostedUi;
