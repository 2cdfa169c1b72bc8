// Chronicle live ledger — how ids, times and money are shown. Pure functions, no DOM.

// Account ids are UUIDv7: the first 48 bits (12 hex digits) are a millisecond
// timestamp, so ids minted close together share their prefix
// (`01a23763-…` three times in one list). The tail is random (RFC 9562 §5.7),
// so the last hex digits tell accounts apart.
const MIN_TAIL = 6;
const MAX_TAIL = 12; // the last group of a UUID

/** The hex digits of `id` (dashes removed), lower-case. */
function hexOf(id) {
  return String(id).replace(/-/g, '').toLowerCase();
}

/**
 * The shortest tail length, at least MIN_TAIL, at which the given ids all have
 * different tails (at most MAX_TAIL).
 * @param {Iterable<string>} ids
 * @returns {number}
 */
export function tailLength(ids) {
  const hexes = [...new Set([...ids].map(hexOf))];
  for (let n = MIN_TAIL; n < MAX_TAIL; n++) {
    const tails = new Set(hexes.map((h) => h.slice(-n)));
    if (tails.size === hexes.length) return n;
  }
  return MAX_TAIL;
}

/** `…3f9a2c`: the random tail of an id, `n` hex digits long. */
export function idTail(id, n = MIN_TAIL) {
  return `…${hexOf(id).slice(-n)}`;
}

/** `account-<uuid>` -> `<uuid>`, anything else -> null. */
export function accountIdFromStream(streamId) {
  return streamId && streamId.startsWith('account-') ? streamId.slice('account-'.length) : null;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * A timestamp as a person reads it, in the browser's time zone and locale:
 * only the time for today, the date and time for anything older (or newer),
 * with the year when it is not this year.
 * @param {string} iso ISO-8601 timestamp from the API
 * @param {Date} [now]
 * @returns {string}
 */
export function formatWhen(iso, now = new Date()) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (sameDay(d, now)) return time;
  const date = d.toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
  return `${date}, ${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
}

/** The full local date and time, for a title (hover) next to the short form. */
export function formatFull(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toLocaleString()} (${iso})`;
}

/**
 * A `datetime-local` input value (local time, seconds) for an ISO timestamp.
 * @param {string|Date} when
 */
export function toLocalInput(when) {
  const d = new Date(when);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/**
 * The end of the second named by a `datetime-local` value, as ISO-8601 UTC.
 * A person who types 14:03:05 after reading "14:03:05" next to an event means
 * "including that event", so the whole second is included.
 * @param {string} value e.g. `2026-12-02T14:03:05` or `2026-12-02T14:03`
 * @returns {string|null} null when the value is not a date-time
 */
export function localInputToIso(value) {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return null;
  const hasSeconds = /T\d{2}:\d{2}:\d{2}/.test(value);
  return new Date(d.getTime() + (hasSeconds ? 999 : 59_999)).toISOString();
}

/** `+250.75` / `−30.00` for a signed movement of money (a real minus sign). */
export function signed(amount, negative) {
  const text = String(amount).replace(/^-/, '');
  return negative ? `−${text}` : `+${text}`;
}

/** Compact axis labels: 1.2k, 3.4M (the exact amounts are in the legend and the statement). */
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export function compactNumber(n) {
  return compact.format(n);
}
