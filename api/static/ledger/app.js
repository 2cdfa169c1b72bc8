// Chronicle live ledger — vanilla JS modules, no framework.
// Talks to the GraphQL endpoint on the same host: HTTP POST /graphql for queries
// and mutations (api.js), WebSocket (graphql-transport-ws) ws(s)://host/graphql
// for the `events` subscription. `#/accounts/<id>` shows one account (detail.js).
import { createClient } from './graphql-ws.js';
import {
  AUTH_CODES,
  GraphQLRequestError,
  WS_URL,
  currentToken,
  gql,
  onAuthRefused,
  storeToken,
  walkPages,
} from './api.js';
import { ACCOUNT_FIELDS, Q_ACCOUNT, copyButton, createDetailView } from './detail.js';
import { accountIdFromStream, formatFull, formatWhen, idTail, signed, tailLength } from './format.js';

const FEED_LIMIT = 50; // events kept in the feed

// ---------------------------------------------------------------------------
// GraphQL documents

const EVENT_FIELDS = `fragment EventFields on Event {
  eventId streamId version position type data metadata recordedAt
}`;

const Q_ACCOUNTS = `query LedgerAccounts($first: Int, $after: String) {
  accounts(first: $first, after: $after) {
    edges { node { ...AccountFields } }
    pageInfo { hasNextPage endCursor }
  }
}
${ACCOUNT_FIELDS}`;

const Q_EVENTS = `query LedgerEvents($first: Int, $after: String) {
  events(first: $first, after: $after) {
    edges { node { ...EventFields } }
    pageInfo { hasNextPage endCursor }
  }
}
${EVENT_FIELDS}`;

const S_EVENTS = `subscription LedgerEvents($afterPosition: Int) {
  events(afterPosition: $afterPosition) { ...EventFields }
}
${EVENT_FIELDS}`;

function mutationDoc(field, inputType) {
  return `mutation Ledger_${field}($input: ${inputType}!) {
  result: ${field}(input: $input) {
    __typename
    ... on AccountSuccess { account { ...AccountFields } }
    ... on Error { code message }
    ... on ValidationFailed { field }
  }
}
${ACCOUNT_FIELDS}`;
}
const M_OPEN = mutationDoc('openAccount', 'OpenAccountInput');
const M_DEPOSIT = mutationDoc('deposit', 'DepositInput');
const M_WITHDRAW = mutationDoc('withdraw', 'WithdrawInput');

// ---------------------------------------------------------------------------
// State

const accounts = new Map(); // id -> Account
const feed = []; // newest first, at most FEED_LIMIT
let lastPosition = null; // highest event position seen (null = none)

const $ = (sel) => document.querySelector(sel);
const els = {
  listView: $('#list-view'),
  status: $('#status'),
  error: $('#error'),
  tbody: $('#accounts tbody'),
  noAccounts: $('#no-accounts'),
  authNeeded: $('#auth-needed'),
  tokenForm: $('#token-form'),
  count: $('#account-count'),
  feed: $('#feed'),
  openForm: $('#open-form'),
  depositForm: $('#deposit-form'),
  withdrawForm: $('#withdraw-form'),
};

// ---------------------------------------------------------------------------
// Rendering

const ERROR_TITLES = {
  VALIDATION_FAILED: 'Invalid input',
  ACCOUNT_NOT_FOUND: 'Account not found',
  ACCOUNT_CLOSED: 'Account is closed',
  INSUFFICIENT_FUNDS: 'Insufficient funds',
  BALANCE_NOT_ZERO: 'Balance is not zero',
  CONCURRENCY_CONFLICT: 'Concurrent modification — please retry',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key already used',
};

function titleFor(code, typename) {
  if (ERROR_TITLES[code]) return ERROR_TITLES[code];
  const base = code || typename || 'Error';
  return base.replace(/_/g, ' ').toLowerCase().replace(/^\w/, (c) => c.toUpperCase());
}

let errorTimer = null;
function showError(err) {
  // err: {code, message, field, typename} or string
  const e = typeof err === 'string' ? { message: err } : err;
  const box = els.error;
  box.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = e.code || e.typename ? titleFor(e.code, e.typename) : 'Error';
  box.append(title);
  if (e.message) box.append(`: ${e.message}`);
  if (e.field) box.append(` (field: ${e.field})`);
  if (e.code) {
    const code = document.createElement('code');
    code.textContent = e.code;
    box.append(' ', code);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', clearError);
  box.append(close);
  box.dataset.code = e.code || '';
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(clearError, 15000);
}

// Shown instead of "No accounts yet" while the server refuses our credentials.
function showAuthNeeded(error) {
  const forbidden = error.codes.includes('FORBIDDEN') && !error.codes.includes('UNAUTHENTICATED');
  els.authNeeded.textContent = forbidden
    ? `The access token lacks a role this page needs (teller and auditor): ${error.message}. ` +
      'Enter a token with both roles in "Access token" above.'
    : currentToken()
      ? `The server refused the access token: ${error.message}. Enter a valid token in "Access token" above.`
      : 'This server requires an access token. Enter a token with the teller and auditor roles in ' +
        '"Access token" above.';
  els.authNeeded.hidden = false;
  els.noAccounts.hidden = true;
  setStatus('offline', 'token needed');
}

function clearError() {
  clearTimeout(errorTimer);
  els.error.hidden = true;
  els.error.replaceChildren();
  els.error.dataset.code = '';
}

function setStatus(state, text = state) {
  els.status.textContent = text;
  els.status.dataset.state = state;
}

// Ids are told apart by their random tail, as long as needed among the known accounts.
let tailLen = tailLength([]);
function tailOf(id) {
  return idTail(id, tailLen);
}

function ownerOf(id, fallbackOwner) {
  const acc = accounts.get(id);
  return (acc ? acc.owner : fallbackOwner) || 'account';
}

/** `Alice …3f9a2c`: the owner and the random tail of the id. */
function accountLabel(id, fallbackOwner) {
  return `${ownerOf(id, fallbackOwner)} ${tailOf(id)}`;
}

function whenCell(iso, cls) {
  const td = document.createElement('td');
  td.className = cls;
  td.textContent = formatWhen(iso);
  td.title = formatFull(iso);
  return td;
}

function cell(text, cls, title) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  if (title) td.title = title;
  return td;
}

function sortedAccounts() {
  return [...accounts.values()].sort((a, b) =>
    a.openedAt === b.openedAt ? (a.id < b.id ? -1 : 1) : a.openedAt < b.openedAt ? -1 : 1,
  );
}

function renderAccountRow(acc, tr = document.createElement('tr')) {
  const prevBalance = tr.dataset.balance;
  tr.dataset.accountId = acc.id;
  tr.dataset.balance = acc.balance;
  tr.dataset.version = String(acc.version);
  tr.dataset.status = acc.status;
  tr.dataset.tail = String(tailLen);
  tr.className = acc.status === 'CLOSED' ? 'closed' : '';
  const balance = cell(acc.balance, 'num balance');
  balance.dataset.testid = 'balance';
  if (String(acc.balance).startsWith('-')) balance.classList.add('negative');
  const idCell = cell('', 'id');
  const tail = document.createElement('code');
  tail.className = 'mono tail';
  tail.textContent = tailOf(acc.id);
  tail.title = acc.id;
  idCell.append(tail, copyButton(acc.id));
  const ownerCell = cell('', 'owner');
  const link = document.createElement('a');
  link.href = `#/accounts/${acc.id}`;
  link.textContent = acc.owner;
  link.title = `${acc.owner}: statement, chart and history`;
  ownerCell.append(link);
  tr.replaceChildren(
    idCell,
    ownerCell,
    cell(acc.currency, 'currency'),
    balance,
    cell(acc.overdraftLimit, 'num overdraft'),
    cell(acc.status, 'status'),
    cell(String(acc.version), 'num version'),
    whenCell(acc.updatedAt, 'updated'),
  );
  if (prevBalance !== undefined && prevBalance !== acc.balance) {
    balance.classList.add('flash');
  }
  return tr;
}

function renderAccounts() {
  tailLen = tailLength(accounts.keys());
  const existing = new Map();
  for (const tr of els.tbody.querySelectorAll('tr[data-account-id]')) existing.set(tr.dataset.accountId, tr);
  const rows = sortedAccounts().map((acc) => {
    const tr = existing.get(acc.id);
    existing.delete(acc.id);
    if (tr && tr.dataset.version === String(acc.version) && tr.dataset.balance === acc.balance &&
        tr.dataset.tail === String(tailLen)) return tr;
    return renderAccountRow(acc, tr);
  });
  for (const tr of existing.values()) tr.remove();
  rows.forEach((tr, i) => {
    if (els.tbody.children[i] !== tr) els.tbody.insertBefore(tr, els.tbody.children[i] || null);
  });
  els.noAccounts.hidden = accounts.size > 0 || !els.authNeeded.hidden;
  els.count.textContent = accounts.size ? `(${accounts.size})` : '';
  renderAccountSelects();
}

function renderAccountSelects() {
  for (const form of [els.depositForm, els.withdrawForm]) {
    const select = form.elements.accountId;
    const current = select.value;
    const options = sortedAccounts().map((acc) => {
      const opt = document.createElement('option');
      opt.value = acc.id;
      opt.textContent = `${accountLabel(acc.id)} · ${acc.currency}${acc.status === 'CLOSED' ? ' (closed)' : ''}`;
      opt.title = acc.id;
      return opt;
    });
    const sig = options.map((o) => `${o.value}|${o.textContent}`).join('\n');
    if (select.dataset.sig !== sig) {
      select.replaceChildren(...options);
      select.dataset.sig = sig;
    }
    if (current && accounts.has(current)) select.value = current;
  }
}

function selectAccount(id) {
  for (const form of [els.depositForm, els.withdrawForm]) form.elements.accountId.value = id;
  for (const tr of els.tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  const tr = els.tbody.querySelector(`tr[data-account-id="${CSS.escape(id)}"]`);
  if (tr) tr.classList.add('selected');
}

// What moved: `+250.75 EUR` for money, `Alice · EUR` for an opened account.
function eventSummary(ev) {
  const d = ev.data || {};
  if (ev.type === 'AccountOpened' && d.owner) return `${d.owner} · ${d.currency || ''}`.trim();
  if (d.amount === undefined || d.amount === null) return '';
  const amount = ev.type === 'MoneyWithdrawn' ? signed(d.amount, true) : ev.type === 'MoneyDeposited' ? signed(d.amount, false) : String(d.amount);
  return d.currency ? `${amount} ${d.currency}` : amount;
}

// Two lines, each a grid row whose cells clip with an ellipsis, so nothing is
// drawn over anything else at any width:
//   #12  MoneyDeposited                  +250.75 EUR
//        Katherine J… ·…3f9a2c  v3       14:03:05
function renderFeedItem(ev) {
  const li = document.createElement('li');
  li.dataset.position = String(ev.position);
  li.dataset.type = ev.type;
  li.dataset.streamId = ev.streamId;
  li.dataset.eventId = ev.eventId;
  li.className = `ev ev-${ev.type}`;
  const el = (tag, cls, text, title) => {
    const s = document.createElement(tag);
    s.className = cls;
    s.textContent = text;
    if (title) s.title = title;
    return s;
  };
  // The stream: who (shrinks with an ellipsis) and the id's tail (never cut).
  const accountId = accountIdFromStream(ev.streamId);
  const dash = ev.streamId.indexOf('-');
  const stream = el(accountId ? 'a' : 'span', 'stream', '', ev.streamId);
  if (accountId) {
    stream.href = `#/accounts/${accountId}`;
    stream.append(el('span', 'who', ownerOf(accountId, ev.data && ev.data.owner)), el('span', 'tail', ` ${tailOf(accountId)}`));
  } else if (dash > 0) {
    stream.append(el('span', 'who', ev.streamId.slice(0, dash)), el('span', 'tail', ` ${idTail(ev.streamId.slice(dash + 1))}`));
  } else {
    stream.append(el('span', 'who', ev.streamId));
  }
  li.append(
    el('span', 'position mono', `#${ev.position}`, `position ${ev.position}`),
    el('span', 'type', ev.type),
    el('span', 'amount num', eventSummary(ev)),
    el('span', 'where', ''),
    el('span', 'time', formatWhen(ev.recordedAt), formatFull(ev.recordedAt)),
  );
  li.querySelector('.where').append(stream, el('span', 'version', `v${ev.version}`, `version ${ev.version} of ${ev.streamId}`));
  return li;
}

function addEvents(events, { animate = true } = {}) {
  let added = false;
  for (const ev of events) {
    if (lastPosition !== null && ev.position <= lastPosition) continue; // duplicate (replay after reconnect)
    lastPosition = ev.position;
    feed.unshift(ev);
    const li = renderFeedItem(ev);
    if (animate) li.classList.add('new');
    els.feed.prepend(li);
    added = true;
  }
  if (!added) return;
  feed.length = Math.min(feed.length, FEED_LIMIT);
  while (els.feed.children.length > FEED_LIMIT) els.feed.lastElementChild.remove();
}

// ---------------------------------------------------------------------------
// Live updates

// Coalesce refetches: at most one in flight per account, one more queued.
const refetching = new Map(); // id -> {running: Promise, again: bool}
function refreshAccount(id) {
  const entry = refetching.get(id);
  if (entry) {
    entry.again = true;
    return entry.running;
  }
  const state = { again: false, running: null };
  state.running = (async () => {
    try {
      do {
        state.again = false;
        const data = await gql(Q_ACCOUNT, { id });
        if (data.account) upsertAccount(data.account);
        else if (accounts.delete(id)) renderAccounts();
      } while (state.again);
    } catch (e) {
      showError(`Could not refresh account ${accountLabel(id)}: ${e.message}`);
    } finally {
      refetching.delete(id);
    }
  })();
  refetching.set(id, state);
  return state.running;
}

function upsertAccount(acc) {
  const prev = accounts.get(acc.id);
  // never go backwards (responses may arrive out of order)
  if (prev && prev.version > acc.version) return;
  accounts.set(acc.id, acc);
  renderAccounts();
  detail.accountChanged(acc);
}

function onLiveEvent(ev) {
  addEvents([ev]);
  const id = accountIdFromStream(ev.streamId) || (ev.data && ev.data.account_id);
  if (!id) return;
  const known = accounts.get(id);
  if (known && known.version >= ev.version) return; // already up to date (e.g. from a mutation response)
  refreshAccount(String(id));
}

let wsClient = null;
function subscribeLive() {
  wsClient = createClient({
    url: WS_URL.href,
    // read on every (re)connect, so a newly entered token is used
    connectionParams: () => (currentToken() ? { authToken: currentToken() } : {}),
    lazy: true,
    keepAlive: 15000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const ms = Math.min(5000, 500 * 2 ** retries) + Math.random() * 300;
      await new Promise((r) => setTimeout(r, ms));
    },
    on: {
      connecting: (isRetry) => setStatus(isRetry ? 'reconnecting' : 'connecting'),
      connected: () => setStatus('live'),
      closed: (event) => {
        setStatus('reconnecting');
        // 4403: the server refused the connection_init (missing, bad or expired token)
        if (event && event.code === 4403) {
          showAuthNeeded(new GraphQLRequestError(`live updates refused (${event.reason || 'Forbidden'})`,
            ['UNAUTHENTICATED']));
        }
      },
      error: () => setStatus('reconnecting'),
    },
  });

  // graphql-ws re-sends this payload object on every reconnect, so keeping
  // afterPosition current makes the server replay exactly what we missed.
  const payload = { query: S_EVENTS, variables: { afterPosition: lastPosition } };
  const start = () =>
    wsClient.subscribe(payload, {
      next: (msg) => {
        if (msg.errors && msg.errors.length) {
          showError(`Subscription error: ${msg.errors.map((e) => e.message).join('; ')}`);
        }
        const ev = msg.data && msg.data.events;
        if (ev) {
          onLiveEvent(ev);
          payload.variables.afterPosition = lastPosition;
        }
      },
      error: (err) => {
        setStatus('offline');
        const message = Array.isArray(err)
          ? err.map((e) => e.message).join('; ')
          : err && err.message
            ? err.message
            : err && err.code
              ? `socket closed (${err.code}${err.reason ? ` ${err.reason}` : ''})`
              : String(err);
        const codes = Array.isArray(err) ? err.map((e) => (e.extensions && e.extensions.code) || '') : [];
        const refused = new GraphQLRequestError(message, codes);
        if (refused.isAuth) showAuthNeeded(refused);
        else showError(`Live updates stopped: ${message}`);
        payload.variables.afterPosition = lastPosition;
        setTimeout(start, 3000);
      },
      complete: () => {
        // server ended the stream; resubscribe from where we are
        payload.variables.afterPosition = lastPosition;
        setTimeout(start, 1000);
      },
    });
  start();
}

// ---------------------------------------------------------------------------
// Forms

function nonEmpty(v) {
  const s = (v || '').trim();
  return s === '' ? null : s;
}

async function runMutation(form, doc, input) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  form.classList.add('busy');
  try {
    const data = await gql(doc, { input });
    const r = data.result;
    if (r.__typename === 'AccountSuccess') {
      clearError();
      upsertAccount(r.account);
      return r.account;
    }
    showError({ code: r.code, message: r.message, field: r.field, typename: r.__typename });
    return null;
  } catch (e) {
    showError(e.isAuth ? { code: e.codes.find((c) => AUTH_CODES.has(c)), message: e.message } : e.message);
    return null;
  } finally {
    button.disabled = false;
    form.classList.remove('busy');
  }
}

els.openForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = els.openForm.elements;
  const input = {
    owner: f.owner.value.trim(),
    currency: f.currency.value.trim().toUpperCase(),
  };
  const od = nonEmpty(f.overdraftLimit.value);
  if (od !== null) input.overdraftLimit = od;
  const acc = await runMutation(els.openForm, M_OPEN, input);
  if (acc) {
    f.owner.value = '';
    f.overdraftLimit.value = '';
    selectAccount(acc.id);
  }
});

function moneyHandler(form, doc) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const accountId = f.accountId.value;
    if (!accountId) {
      showError({ code: 'VALIDATION_FAILED', message: 'Select an account first', field: 'accountId' });
      return;
    }
    const acc = await runMutation(form, doc, { accountId, amount: f.amount.value.trim() });
    if (acc) f.amount.value = '';
  });
}
moneyHandler(els.depositForm, M_DEPOSIT);
moneyHandler(els.withdrawForm, M_WITHDRAW);

// A click anywhere on an account's row (but its copy button) opens the account.
els.tbody.addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-account-id]');
  if (!tr || e.target.closest('button, a')) return;
  window.location.hash = `#/accounts/${tr.dataset.accountId}`;
});

// Copy buttons (ids): the Clipboard API where the page is a secure context
// (https, or http on localhost), else a selected hidden textarea.
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy');
}

document.addEventListener('click', async (e) => {
  const button = e.target.closest('button.copy');
  if (!button) return;
  e.preventDefault();
  e.stopPropagation();
  try {
    await copyText(button.dataset.copy);
    button.classList.add('copied');
    button.dataset.copied = 'true';
    setTimeout(() => {
      button.classList.remove('copied');
      delete button.dataset.copied;
    }, 1500);
  } catch (err) {
    showError(`Could not copy: ${err.message}. The id is ${button.dataset.copy}`);
  }
});

// ---------------------------------------------------------------------------
// Views: the list (#/) and one account (#/accounts/<id>)

const detail = createDetailView({ accounts, showError });
const ACCOUNT_ROUTE = /^#\/accounts\/([0-9a-fA-F-]{36})$/;

function route() {
  const match = ACCOUNT_ROUTE.exec(window.location.hash);
  if (match) {
    const id = match[1].toLowerCase();
    els.listView.hidden = true;
    if (accounts.has(id)) selectAccount(id);
    detail.show(id);
  } else {
    detail.hide();
    els.listView.hidden = false;
  }
}
window.addEventListener('hashchange', () => {
  route();
  window.scrollTo(0, 0);
});

// Remove the highlight classes once their animation ran, so they can replay.
document.addEventListener('animationend', (e) => e.target.classList.remove('flash', 'new'));

// ---------------------------------------------------------------------------
// Boot

async function loadInitial() {
  setStatus('loading');
  // Events first, accounts second: the account snapshot is then at least as new
  // as the last loaded event, and anything later arrives via the subscription.
  // events(first:) is oldest-first: walk the pages, keep the newest FEED_LIMIT.
  const tail = [];
  await walkPages(Q_EVENTS, 'events', (ev) => {
    tail.push(ev);
    if (tail.length > FEED_LIMIT) tail.shift();
  });
  const loadedAccounts = [];
  await walkPages(Q_ACCOUNTS, 'accounts', (a) => loadedAccounts.push(a));
  for (const a of loadedAccounts) accounts.set(a.id, a);
  renderAccounts();
  addEvents(tail, { animate: false });
}

// Resolved by the token form, so a load refused for lack of a token waits for one.
let tokenEntered = () => {};
function nextToken() {
  return new Promise((resolve) => {
    tokenEntered = resolve;
  });
}

function useToken(value) {
  els.tokenForm.classList.toggle('set', Boolean(storeToken(value)));
  els.authNeeded.hidden = true;
  clearError();
  if (wsClient) wsClient.terminate(); // reconnect with the new connectionParams
  tokenEntered();
}

els.tokenForm.elements.token.value = currentToken();
els.tokenForm.classList.toggle('set', Boolean(currentToken()));
els.tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  useToken(els.tokenForm.elements.token.value);
});

async function boot() {
  for (let attempt = 0; ; attempt++) {
    try {
      await loadInitial();
      clearError();
      els.authNeeded.hidden = true;
      route();
      break;
    } catch (e) {
      if (e.isAuth) {
        clearError(); // the auth message says it all; wait for a token rather than retry
        await nextToken();
        attempt = -1;
        continue;
      }
      setStatus('offline');
      showError(`Initial load failed: ${e.message} — retrying…`);
      await new Promise((r) => setTimeout(r, Math.min(10000, 1000 * 2 ** attempt)));
    }
  }
  setStatus('connecting');
  subscribeLive();
}

window.chronicleLedger = { accounts, feed, refreshAccount, detail, get lastPosition() { return lastPosition; } };
onAuthRefused(showAuthNeeded);
boot();
