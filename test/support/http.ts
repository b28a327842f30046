import { request } from 'node:http';
import { DEMO_PASSWORD } from '../../src/database/seeds/forum.seeder';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export const json = (response: Response) => response.json() as Promise<Json>;

/** JSON requests to one app, as a visitor or with a bearer token. */
export interface ApiClient {
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
  delete(path: string): Promise<Response>;
}

export function api(url: string, accessToken?: string): ApiClient {
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body ?? {}),
    delete: (path) => send('DELETE', path),
  };
}

/** Logs in through `POST /auth/login` for API use (bearer tokens); throws with the answer otherwise. */
export async function login(
  url: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<{ accessToken: string; user: Json; client: ApiClient }> {
  const response = await api(url).post('/auth/login', { username, password, delivery: 'bearer' });
  const body = await json(response);
  if (response.status !== 200)
    throw new Error(`login as ${username}: ${response.status} ${JSON.stringify(body)}`);
  return {
    accessToken: body.accessToken as string,
    user: body.user as Json,
    client: api(url, body.accessToken as string),
  };
}

/** Signs up a new member (a fresh email each call) and logs them in with bearer tokens. */
export async function signUp(
  url: string,
  name = 'Test Member',
): Promise<{ accessToken: string; user: Json; client: ApiClient }> {
  const username = `member-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@test.example`;
  const response = await api(url).post('/auth/register', {
    username,
    password: 'correct horse battery',
    profile: { name },
    delivery: 'bearer',
  });
  const body = await json(response);
  if (response.status !== 201)
    throw new Error(`sign up: ${response.status} ${JSON.stringify(body)}`);
  return {
    accessToken: body.accessToken as string,
    user: body.user as Json,
    client: api(url, body.accessToken as string),
  };
}

/**
 * A GET with the request target exactly as given (fetch normalizes paths, and cannot send a
 * full URL as the target), for tests of how routes are matched.
 */
export function rawGet(
  url: string,
  target: string,
  accessToken?: string,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        hostname,
        port,
        path: target,
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}
