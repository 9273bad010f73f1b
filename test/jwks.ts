import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://login.example.test/';
export const AUDIENCE = 'messenger-profile-gateway';

/** A signing key of the test issuer. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function testKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A token as an identity provider would sign it; `claims` and `times` (seconds from `now`) override the defaults. */
export function signToken(
  key: TestKey,
  claims: JWTPayload,
  { now = Date.now(), expiresIn = 3600, notBefore }: { now?: number; expiresIn?: number; notBefore?: number } = {},
): Promise<string> {
  const seconds = Math.floor(now / 1000);
  const jwt = new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: seconds, exp: seconds + expiresIn, ...claims }).setProtectedHeader({ alg: 'ES256', kid: key.kid });
  if (notBefore !== undefined) jwt.setNotBefore(seconds + notBefore);
  return jwt.sign(key.privateKey);
}

/** An identity provider's JWKS endpoint on loopback: serves `keys`, counts fetches, can go down. */
export interface JwksServer {
  readonly url: string;
  keys: TestKey[];
  fetches: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: TestKey[]): Promise<JwksServer> {
  const server: Server = createServer((_req, res) => {
    state.fetches += 1;
    res.setHeader('content-type', 'application/jwk-set+json');
    res.end(JSON.stringify({ keys: state.keys.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: JwksServer = {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    fetches: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return state;
}

/** The AUTH_* environment for tokens from this test issuer. */
export function authEnv(jwksUrl: string): Record<string, string> {
  return { AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
