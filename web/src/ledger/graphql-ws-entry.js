// Re-export of the graphql-ws browser client; bundled by esbuild into
// api/static/ledger/graphql-ws.js (ES module) and imported by app.js.
export { createClient, CloseCode } from 'graphql-ws'; // aliased to graphql-ws/client in build.mjs
