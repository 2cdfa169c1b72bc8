// GraphiQL IDE entry point, bundled by esbuild into api/static/graphiql/graphiql.{js,css}.
// The GraphQL endpoint is derived from window.location (same host, path /graphql,
// http->ws / https->wss for subscriptions over the graphql-transport-ws protocol).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';

const container = document.getElementById('graphiql');
// Optional override: <div id="graphiql" data-endpoint="/some/path">; default /graphql.
const path = (container && container.dataset.endpoint) || '/graphql';
const httpUrl = new URL(path, window.location.href);
const wsUrl = new URL(httpUrl.href);
wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({
  url: httpUrl.href,
  subscriptionUrl: wsUrl.href,
});

const defaultQuery = `# Chronicle GraphiQL
# Queries/mutations: POST ${httpUrl.pathname}
# Subscriptions: ${wsUrl.href} (graphql-transport-ws)
#
# subscription Live { events { position type streamId data recordedAt } }

query Accounts {
  accounts(first: 10) {
    edges { node { id owner currency balance status version } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

createRoot(container).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    shouldPersistHeaders: false,
  }),
);
