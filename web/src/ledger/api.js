// Chronicle live ledger — the GraphQL endpoint on the same host over HTTP POST,
// and the access token that goes with every request.
// When the server requires tokens, the "Access token" field (kept in
// sessionStorage, so only for this tab) is sent as `Authorization: Bearer`
// over HTTP and as `{authToken}` in the WebSocket's connection_init (app.js).

const ENDPOINT_PATH = '/graphql';
export const HTTP_URL = new URL(ENDPOINT_PATH, window.location.href);
export const WS_URL = new URL(HTTP_URL.href);
WS_URL.protocol = HTTP_URL.protocol === 'https:' ? 'wss:' : 'ws:';

export const PAGE_SIZE = 100; // page size for walking a connection (the server's default maximum)
const TOKEN_KEY = 'chronicle.accessToken'; // sessionStorage key
export const AUTH_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return ''; // storage disabled: the token lives only as long as the page
  }
}
let accessToken = readToken();

/** The access token in use ('' when none). */
export function currentToken() {
  return accessToken;
}

/** Use `value` as the access token from now on and remember it for this tab. */
export function storeToken(value) {
  accessToken = value.trim();
  try {
    if (accessToken) sessionStorage.setItem(TOKEN_KEY, accessToken);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: keep the token in memory only
  }
  return accessToken;
}

export class GraphQLRequestError extends Error {
  constructor(message, codes = []) {
    super(message);
    this.codes = codes; // extensions.code of the top-level errors
  }

  get isAuth() {
    return this.codes.some((c) => AUTH_CODES.has(c));
  }
}

let authRefused = () => {};
/** Call `handler(error)` whenever the server refuses our credentials. */
export function onAuthRefused(handler) {
  authRefused = handler;
}

/**
 * POST a GraphQL document and return its `data`.
 * @throws {GraphQLRequestError} network failure, a non-JSON answer, or top-level `errors`
 */
export async function gql(query, variables = {}) {
  let res;
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  try {
    res = await fetch(HTTP_URL.href, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new GraphQLRequestError(`Cannot reach ${HTTP_URL.pathname}: ${e.message}`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GraphQLRequestError(`${HTTP_URL.pathname} answered HTTP ${res.status} ${res.statusText}`);
  }
  if (body.errors && body.errors.length) {
    const codes = body.errors.map((e) => (e.extensions && e.extensions.code) || '');
    const error = new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), codes);
    if (error.isAuth) authRefused(error);
    throw error;
  }
  if (!res.ok) throw new GraphQLRequestError(`HTTP ${res.status} ${res.statusText}`);
  return body.data;
}

/**
 * Walk a Relay connection page by page (oldest first), calling `visit(node)`.
 * @param {string} query a document with `$first` and `$after` variables
 * @param {string} field the connection's field in `data`
 * @param {object} [options] `variables` added to every page, `maxPages` cap, `after` start cursor
 * @returns {Promise<{endCursor: string|null, complete: boolean}>}
 */
export async function walkPages(query, field, visit, { variables = {}, maxPages = 200, after = null } = {}) {
  let cursor = after;
  for (let page = 0; page < maxPages; page++) {
    const data = await gql(query, { ...variables, first: PAGE_SIZE, after: cursor });
    const conn = data[field];
    for (const edge of conn.edges) visit(edge.node, edge.cursor);
    if (conn.edges.length) cursor = conn.edges[conn.edges.length - 1].cursor;
    if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) return { endCursor: cursor, complete: true };
    cursor = conn.pageInfo.endCursor;
  }
  return { endCursor: cursor, complete: false };
}
