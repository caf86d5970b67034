// A real OpenID Connect provider (npm oidc-provider) for the sign-in tests.
//
// It is started by tests/identity/oidc/conftest.py, listens on 127.0.0.1 only, and is driven by
// the tests through a small control interface under /__test__/:
//   POST /__test__/login    {"sub": "..."}          who signs in at the next interaction
//   POST /__test__/accounts {"<sub>": {claims}}      replace the accounts (e.g. remove a group)
//   POST /__test__/fault    {"mode": "..."}          tamper with the next token response:
//        aud      the ID token is re-signed for another audience
//        expired  the ID token is re-signed with an expiry an hour ago
//        tamper   a claim is changed without signing again
//        replay   the previous successful token response is sent again (its nonce is stale)
// Everything else is the provider itself: discovery, JWKS, authorisation with PKCE, token,
// userinfo and end-session endpoints, signing with its own RS256 key.
import Provider from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const port = Number(process.env.PORT);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.CLIENTS);
let accounts = JSON.parse(process.env.ACCOUNTS || '{}');
// Claims in the ID token (as Microsoft Entra ID sends groups), or only from userinfo.
const claimsInIdToken = process.env.CLAIMS_IN_ID_TOKEN !== '0';

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
void publicKey;

const control = { nextLogin: null, fault: null, lastTokenBody: null };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  conformIdTokenClaims: !claimsInIdToken,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'preferred_username', 'groups', 'roles'],
  },
  scopes: ['openid', 'email', 'profile'],
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, async claims() { return { sub, ...accounts[sub] }; } };
  },
});

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unb64 = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

async function resign(idToken, change) {
  const payload = change(unb64(idToken.split('.')[1]));
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' }).sign(privateKey);
}

async function readJson(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/__test__/') && ctx.method === 'POST') {
    const body = await readJson(ctx);
    if (ctx.path === '/__test__/login') control.nextLogin = body.sub;
    else if (ctx.path === '/__test__/accounts') accounts = body;
    else if (ctx.path === '/__test__/fault') control.fault = body.mode || null;
    else { ctx.status = 404; return; }
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: control.nextLogin } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
      if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
      result = { consent: { grantId: await grant.save() } };
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
    const mode = control.fault;
    control.fault = null;
    const honest = { ...ctx.body };
    if (mode === 'aud') {
      ctx.body = { ...honest, id_token: await resign(honest.id_token, (p) => ({ ...p, aud: 'some-other-client' })) };
    } else if (mode === 'expired') {
      const now = Math.floor(Date.now() / 1000);
      ctx.body = { ...honest, id_token: await resign(honest.id_token, (p) => ({ ...p, iat: now - 7200, exp: now - 3600 })) };
    } else if (mode === 'tamper') {
      const [header, payload, signature] = honest.id_token.split('.');
      const claims = unb64(payload);
      const changed = { ...claims, sub: `${claims.sub}-forged`, groups: ['cps-admins'] };
      ctx.body = { ...honest, id_token: [header, b64(changed), signature].join('.') };
    } else if (mode === 'replay' && control.lastTokenBody) {
      ctx.body = control.lastTokenBody;
    }
    if (!mode) control.lastTokenBody = honest;
  }
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc test provider listening on ${issuer}\n`);
});
