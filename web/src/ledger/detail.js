// Chronicle live ledger — one account: its facts, an "as of" control, a
// balance-over-time chart (uPlot, from `accountHistory`) and its statement
// (`transactions`, paged with first/after, oldest first).
import { uPlot } from './uplot.js';
import { gql, walkPages, PAGE_SIZE } from './api.js';
import { compactNumber, formatFull, formatWhen, localInputToIso, signed } from './format.js';

export const ACCOUNT_FIELDS = `fragment AccountFields on Account {
  id owner currency balance overdraftLimit status version openedAt updatedAt
}`;

const Q_ACCOUNT_AS_OF = `query LedgerAccountAsOf($id: ID!, $asOfVersion: Int, $asOf: DateTime) {
  account(id: $id, asOfVersion: $asOfVersion, asOf: $asOf) { ...AccountFields }
}
${ACCOUNT_FIELDS}`;

export const Q_ACCOUNT = `query LedgerAccount($id: ID!) {
  account(id: $id) { ...AccountFields }
}
${ACCOUNT_FIELDS}`;

const Q_HISTORY = `query LedgerAccountHistory($id: ID!, $first: Int, $after: String) {
  accountHistory(id: $id, first: $first, after: $after) {
    edges { cursor node { version position type amount balance currency reference recordedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const Q_STATEMENT = `query LedgerStatement($accountId: ID!, $first: Int, $after: String) {
  transactions(accountId: $accountId, first: $first, after: $after) {
    edges { cursor node { position version kind amount currency balanceAfter recordedAt reference } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const STATEMENT_PAGE = 20; // statement rows per "Load more"
const MAX_POINTS = 2000; // chart points: the account's latest events, at most this many
const CHART_HEIGHT = 220;

const COPY_ICON =
  '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><rect x="5.5" y="5.5" width="8" height="9" rx="1.5" ' +
  'fill="none" stroke="currentColor"/><path d="M3.5 10.5h-1a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1h6a1 1 0 0 1 1 1v1" ' +
  'fill="none" stroke="currentColor"/></svg>';

/** A button that copies `text` (the full account id) to the clipboard; see app.js for the handler. */
export function copyButton(text, label = 'Copy account id') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'copy';
  b.dataset.copy = text;
  b.title = `${label}: ${text}`;
  b.setAttribute('aria-label', label);
  b.innerHTML = COPY_ICON;
  return b;
}

/** Run `task` now; calls made while it runs make it run once more afterwards. */
function coalesced(task) {
  let running = null;
  let again = false;
  return function run() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/**
 * The detail view of one account.
 * @param {object} deps
 * @param {Map<string, object>} deps.accounts latest known accounts (kept current by app.js)
 * @param {(msg: string) => void} deps.showError
 */
export function createDetailView({ accounts, showError }) {
  const root = document.querySelector('#detail');
  const q = (sel) => root.querySelector(sel);
  const els = {
    owner: q('.owner'),
    id: q('.detail-id'),
    balance: q('.detail-balance .balance'),
    currency: q('.detail-balance .currency'),
    status: q('dd.status'),
    overdraft: q('dd.overdraft'),
    version: q('dd.version'),
    opened: q('dd.opened'),
    updated: q('dd.updated'),
    asOfForm: q('#asof-form'),
    banner: q('#asof-banner'),
    chart: q('#balance-chart'),
    chartNote: q('#chart-note'),
    statement: q('#statement tbody'),
    statementCount: q('#statement-count'),
    statementEmpty: q('#statement-empty'),
    more: q('#statement-more'),
  };

  // Everything about the account on show; replaced by show().
  let view = null;
  let generation = 0;
  let chart = null;

  function fresh(id) {
    return {
      id,
      gen: ++generation,
      asOf: null, // {account|null, askedVersion, askedTime}
      history: [], // accountHistory nodes, oldest first
      historyAfter: null, // version cursor of the last loaded entry
      historyTruncated: false,
      statementCursor: null,
      statementComplete: false,
      statementRows: 0,
    };
  }

  const current = (v) => view === v && v.gen === generation;

  // --- summary -----------------------------------------------------------------

  function renderSummary(acc) {
    const shown = view.asOf ? view.asOf.account : acc;
    root.dataset.accountId = view.id;
    root.classList.toggle('as-of', Boolean(view.asOf));
    if (!shown) {
      els.owner.textContent = acc ? acc.owner : 'Account';
      for (const el of [els.balance, els.status, els.overdraft, els.version, els.opened, els.updated]) el.textContent = '—';
      els.currency.textContent = '';
    } else {
      els.owner.textContent = shown.owner;
      els.balance.textContent = shown.balance;
      els.balance.classList.toggle('negative', String(shown.balance).startsWith('-'));
      els.currency.textContent = shown.currency;
      els.status.textContent = shown.status;
      els.overdraft.textContent = shown.overdraftLimit;
      els.version.textContent = String(shown.version);
      setWhen(els.opened, shown.openedAt);
      setWhen(els.updated, shown.updatedAt);
    }
    const code = document.createElement('code');
    code.className = 'mono full-id';
    code.textContent = view.id;
    code.title = view.id;
    els.id.replaceChildren(code, copyButton(view.id));
    document.title = `${shown ? shown.owner : 'Account'} · Chronicle`;
    const versionInput = els.asOfForm.elements.version;
    if (acc) versionInput.max = String(acc.version);
  }

  function setWhen(el, iso) {
    el.textContent = formatWhen(iso);
    el.title = formatFull(iso);
  }

  // --- as of -------------------------------------------------------------------

  function renderBanner() {
    const a = view.asOf;
    els.banner.hidden = !a;
    if (!a) {
      els.banner.replaceChildren();
      delete els.banner.dataset.version;
      return;
    }
    const latest = accounts.get(view.id);
    let text;
    if (!a.account) {
      text = a.askedTime
        ? `The account did not exist yet at ${formatWhen(a.askedTime)}.`
        : `The account did not exist before version 1.`;
      els.banner.dataset.version = '0';
    } else {
      const of = latest ? ` of ${latest.version}` : '';
      const when = formatWhen(a.account.updatedAt);
      text = a.askedTime
        ? `As of ${formatWhen(a.askedTime)}: version ${a.account.version}${of}, recorded ${when}.`
        : `As of version ${a.account.version}${of}, recorded ${when}.`;
      els.banner.dataset.version = String(a.account.version);
    }
    const back = document.createElement('button');
    back.type = 'button';
    back.className = 'secondary';
    back.textContent = 'Back to now';
    back.addEventListener('click', () => setAsOf(null));
    els.banner.replaceChildren(text, ' ', back);
  }

  async function setAsOf(request) {
    const v = view;
    if (!request) {
      v.asOf = null;
      els.asOfForm.elements.mode.value = 'latest';
    } else {
      const variables = { id: v.id, asOfVersion: request.version ?? null, asOf: request.time ?? null };
      let data;
      try {
        data = await gql(Q_ACCOUNT_AS_OF, variables);
      } catch (e) {
        showError(`Could not load the account as of that point: ${e.message}`);
        return;
      }
      if (!current(v)) return;
      v.asOf = { account: data.account, askedVersion: request.version ?? null, askedTime: request.time ?? null };
    }
    renderSummary(accounts.get(v.id));
    renderBanner();
    markStatement();
    if (chart) chart.redraw(false);
  }

  els.asOfForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!view) return;
    const f = els.asOfForm.elements;
    const mode = f.mode.value;
    if (mode === 'version') {
      const version = Number.parseInt(f.version.value, 10);
      if (!Number.isInteger(version) || version < 1) {
        showError({ code: 'VALIDATION_FAILED', message: 'Enter a version of 1 or more', field: 'asOfVersion' });
        return;
      }
      setAsOf({ version });
    } else if (mode === 'time') {
      const time = localInputToIso(f.time.value);
      if (!time) {
        showError({ code: 'VALIDATION_FAILED', message: 'Enter a date and time', field: 'asOf' });
        return;
      }
      setAsOf({ time });
    } else {
      setAsOf(null);
    }
  });
  // Typing into a field picks its mode.
  for (const name of ['version', 'time']) {
    els.asOfForm.elements[name].addEventListener('input', () => {
      els.asOfForm.elements.mode.value = name;
    });
  }

  // --- chart -------------------------------------------------------------------

  function chartData() {
    const xs = view.history.map((h) => new Date(h.recordedAt).getTime() / 1000);
    const ys = view.history.map((h) => Number(h.balance));
    return [xs, ys];
  }

  function asOfVersion() {
    const a = view && view.asOf;
    if (!a) return null;
    return a.account ? a.account.version : 0;
  }

  // A dashed line at the as-of point, so the chart shows where "then" is.
  function drawAsOf(u) {
    const version = asOfVersion();
    if (version === null || !view.history.length) return;
    const idx = view.history.findIndex((h) => h.version === version);
    if (idx < 0) return;
    const x = Math.round(u.valToPos(u.data[0][idx], 'x', true));
    const y = Math.round(u.valToPos(u.data[1][idx], 'y', true));
    const { ctx } = u;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = '#b45309';
    ctx.lineWidth = 1.5 * uPlot.pxRatio;
    ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#b45309';
    ctx.beginPath();
    ctx.arc(x, y, 4 * uPlot.pxRatio, 0, 2 * Math.PI);
    ctx.fill();
    ctx.restore();
  }

  function entryAt(idx) {
    if (!view) return null;
    return view.history[idx ?? view.history.length - 1] || null;
  }

  function whenAt(idx) {
    const entry = entryAt(idx);
    return entry ? `${formatWhen(entry.recordedAt)} (v${entry.version})` : '—';
  }

  function chartWidth() {
    return Math.max(200, Math.floor(els.chart.clientWidth));
  }

  function renderChart() {
    const data = chartData();
    const currency = view.history.length ? view.history[view.history.length - 1].currency : '';
    els.chart.dataset.points = String(data[0].length);
    els.chart.dataset.firstVersion = view.history.length ? String(view.history[0].version) : '';
    els.chart.dataset.lastVersion = view.history.length ? String(view.history[view.history.length - 1].version) : '';
    if (chart) {
      chart.setData(data);
      return;
    }
    const opts = {
      width: chartWidth(),
      height: CHART_HEIGHT,
      scales: {
        // one event: widen the x range by a minute either side so it has room
        x: { time: true, range: (u, min, max) => (min === max ? [min - 60, max + 60] : [min, max]) },
        y: { range: (u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) },
      },
      legend: { live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      series: [
        // The legend shows the hovered point, else the latest one.
        { label: 'Recorded', value: (u, ts, si, idx) => whenAt(idx) },
        {
          label: `Balance${currency ? ` (${currency})` : ''}`,
          stroke: '#2458d6',
          width: 2,
          fill: 'rgba(36, 88, 214, 0.08)',
          paths: uPlot.paths.stepped({ align: 1 }),
          points: { show: (u) => u.data[0].length <= 60, size: 5, fill: '#2458d6' },
          value: (u, v, si, idx) => (entryAt(idx) ? entryAt(idx).balance : '—'),
        },
      ],
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e3e6ea' } },
        {
          stroke: '#6b7280',
          grid: { stroke: '#eef0f3' },
          ticks: { stroke: '#e3e6ea' },
          size: 56,
          values: (u, vals) => vals.map((v) => compactNumber(v)),
        },
      ],
      hooks: { draw: [drawAsOf] },
    };
    chart = new uPlot(opts, data, els.chart);
    // Clicking a point shows the account as of that version.
    chart.over.addEventListener('click', () => {
      const idx = chart.cursor.idx;
      const entry = idx == null ? null : view.history[idx];
      if (!entry) return;
      els.asOfForm.elements.mode.value = 'version';
      els.asOfForm.elements.version.value = String(entry.version);
      setAsOf({ version: entry.version });
    });
  }

  new ResizeObserver(() => {
    if (chart && !root.hidden) chart.setSize({ width: chartWidth(), height: CHART_HEIGHT });
  }).observe(els.chart);

  const loadHistory = coalesced(async () => {
    const v = view;
    if (!v) return;
    const entries = [];
    const { endCursor } = await walkPages(Q_HISTORY, 'accountHistory', (node) => entries.push(node), {
      variables: { id: v.id },
      after: v.historyAfter,
      maxPages: Math.ceil(MAX_POINTS / PAGE_SIZE),
    });
    if (!current(v)) return;
    v.history.push(...entries);
    if (v.history.length > MAX_POINTS) {
      v.history.splice(0, v.history.length - MAX_POINTS);
      v.historyTruncated = true;
    }
    v.historyAfter = endCursor;
    els.chartNote.textContent = v.historyTruncated
      ? `The latest ${MAX_POINTS} events; the statement below lists every transaction.`
      : 'Click a point to see the account as of that version.';
    renderChart();
  });

  // --- statement ---------------------------------------------------------------

  function markStatement() {
    const version = asOfVersion();
    for (const tr of els.statement.children) {
      tr.classList.toggle('later', version !== null && Number(tr.dataset.version) > version);
    }
  }

  function statementRow(t) {
    const tr = document.createElement('tr');
    tr.dataset.version = String(t.version);
    tr.dataset.position = String(t.position);
    tr.className = t.kind === 'WITHDRAWAL' ? 'withdrawal' : 'deposit';
    const td = (cls, text, title) => {
      const c = document.createElement('td');
      c.className = cls;
      c.textContent = text;
      if (title) c.title = title;
      return c;
    };
    const kind = t.kind === 'WITHDRAWAL' ? 'Withdrawal' : 'Deposit';
    tr.append(
      td('date', formatWhen(t.recordedAt), formatFull(t.recordedAt)),
      td('desc', t.reference ? `${kind} · ${t.reference}` : kind, `version ${t.version}, position ${t.position}`),
      td('num amount', signed(t.amount, t.kind === 'WITHDRAWAL')),
      td('num balance-after', t.balanceAfter),
    );
    return tr;
  }

  async function loadStatementPage() {
    const v = view;
    const data = await gql(Q_STATEMENT, { accountId: v.id, first: STATEMENT_PAGE, after: v.statementCursor });
    if (!current(v)) return;
    const conn = data.transactions;
    const known = new Set([...els.statement.children].map((tr) => tr.dataset.position));
    for (const edge of conn.edges) {
      if (!known.has(String(edge.node.position))) els.statement.append(statementRow(edge.node));
      v.statementCursor = edge.cursor;
    }
    v.statementComplete = !conn.pageInfo.hasNextPage;
    v.statementRows = els.statement.children.length;
    els.more.hidden = v.statementComplete;
    els.statementEmpty.hidden = v.statementRows > 0;
    els.statementCount.textContent = v.statementRows ? `(${v.statementRows}${v.statementComplete ? '' : '+'})` : '';
    markStatement();
  }

  els.more.addEventListener('click', async () => {
    els.more.disabled = true;
    try {
      await loadStatementPage();
    } catch (e) {
      showError(`Could not load the statement: ${e.message}`);
    } finally {
      els.more.disabled = false;
    }
  });

  // New transactions are appended once the statement has been read to its end.
  const followStatement = coalesced(async () => {
    if (view && view.statementComplete) await loadStatementPage();
  });

  // --- public ------------------------------------------------------------------

  async function show(id) {
    if (view && view.id === id && !root.hidden) return;
    view = fresh(id);
    const v = view;
    root.hidden = false;
    els.statement.replaceChildren();
    els.statementCount.textContent = '';
    els.statementEmpty.hidden = true;
    els.more.hidden = true;
    els.chartNote.textContent = '';
    els.asOfForm.reset();
    els.asOfForm.elements.version.value = '';
    if (chart) {
      chart.destroy();
      chart = null;
    }
    delete els.chart.dataset.points;
    renderBanner();
    let acc = accounts.get(id);
    try {
      if (!acc) {
        const data = await gql(Q_ACCOUNT, { id });
        if (!current(v)) return;
        acc = data.account;
        if (!acc) {
          renderSummary(null);
          els.owner.textContent = 'No such account';
          return;
        }
      }
      renderSummary(acc);
      v.historyAfter = acc.version > MAX_POINTS ? String(acc.version - MAX_POINTS) : null;
      v.historyTruncated = acc.version > MAX_POINTS;
      await Promise.all([loadHistory(), loadStatementPage()]);
    } catch (e) {
      if (current(v)) showError(`Could not load the account: ${e.message}`);
    }
  }

  function hide() {
    root.hidden = true;
    view = null;
    generation++;
    if (chart) {
      chart.destroy();
      chart = null;
    }
    document.title = 'Chronicle · Live ledger';
  }

  /** app.js calls this whenever an account is (re)loaded. */
  function accountChanged(acc) {
    if (!view || view.id !== acc.id) return;
    renderSummary(acc);
    if (view.asOf) renderBanner();
    const last = view.history.length ? view.history[view.history.length - 1].version : 0;
    if (acc.version > last) {
      loadHistory().catch((e) => showError(`Could not update the chart: ${e.message}`));
      followStatement().catch((e) => showError(`Could not update the statement: ${e.message}`));
    }
  }

  return {
    show,
    hide,
    accountChanged,
    get accountId() {
      return view ? view.id : null;
    },
    get chart() {
      return chart;
    },
  };
}
