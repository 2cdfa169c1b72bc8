// Runs the graphql-http package's GraphQL-over-HTTP server audits against a live server.
// Usage: node .ci/graphql-http-audit.mjs http://127.0.0.1:8000/graphql
// Prints one line per audit and a summary; exits 1 unless every audit is `ok` (notice, warn and error fail).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;  // MAY audits that fail report 'notice'
  const reason = result.status === 'ok' ? '' : ` -- ${result.reason}`;
  console.log(`${result.status.padEnd(5)} ${result.id} ${result.name}${reason}`);
}
console.log(`graphql-http audit: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`);
process.exit(counts.ok === results.length ? 0 : 1);
