// Cognito sign-in over fetch: USER_PASSWORD_AUTH, the new-password challenge, refresh tokens, sign-out.
import { config } from './config.js';

const KEY = 'salon.tokens';
const listeners = new Set();

function decode(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const text = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
}

async function cognito(target, body) {
  const cfg = await config();
  const response = await fetch(cfg.cognitoEndpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(answer.message || answer.__type || `sign-in failed (${response.status})`);
    error.code = String(answer.__type || '').split('#').pop();
    throw error;
  }
  return answer;
}

function store(result, refreshToken) {
  const tokens = {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken || refreshToken,
    expiresAt: Date.now() + (result.ExpiresIn || 3600) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(tokens));
  listeners.forEach((fn) => fn(user()));
  return user();
}

export function onChange(fn) {
  listeners.add(fn);
}

export function user() {
  const tokens = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (!tokens) return null;
  const claims = decode(tokens.idToken);
  return {
    sub: claims.sub,
    name: claims['cognito:username'] || claims.name || '',
    groups: claims['cognito:groups'] || [],
  };
}

export async function signIn(username, password) {
  const cfg = await config();
  const answer = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: cfg.userPoolClientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (answer.ChallengeName) return { challenge: answer.ChallengeName, session: answer.Session, username };
  return store(answer.AuthenticationResult);
}

export async function completeNewPassword(challenge, newPassword) {
  const cfg = await config();
  const answer = await cognito('RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: cfg.userPoolClientId,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  return store(answer.AuthenticationResult);
}

// A valid ID token, refreshed when it is about to expire; null when signed out.
export async function idToken() {
  const tokens = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (!tokens) return null;
  if (tokens.expiresAt - Date.now() > 60_000) return tokens.idToken;
  const cfg = await config();
  try {
    const answer = await cognito('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: cfg.userPoolClientId,
      AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
    });
    store(answer.AuthenticationResult, tokens.refreshToken);
    return answer.AuthenticationResult.IdToken;
  } catch {
    signOut();
    return null;
  }
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  listeners.forEach((fn) => fn(null));
}

// Self sign-up (customers): SignUp, then the emailed code with ConfirmSignUp. Designers are invited by the
// owner (AdminCreateUser), so they arrive through the new-password challenge instead.
export async function signUp(username, email, password) {
  const cfg = await config();
  return cognito('SignUp', {
    ClientId: cfg.userPoolClientId,
    Username: username,
    Password: password,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
}

export async function confirmSignUp(username, code) {
  const cfg = await config();
  return cognito('ConfirmSignUp', { ClientId: cfg.userPoolClientId, Username: username, ConfirmationCode: code });
}

export async function forgotPassword(username) {
  const cfg = await config();
  return cognito('ForgotPassword', { ClientId: cfg.userPoolClientId, Username: username });
}

export async function confirmForgotPassword(username, code, password) {
  const cfg = await config();
  return cognito('ConfirmForgotPassword', {
    ClientId: cfg.userPoolClientId,
    Username: username,
    ConfirmationCode: code,
    Password: password,
  });
}
