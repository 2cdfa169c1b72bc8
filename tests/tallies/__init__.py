"""A test-only domain, ``tallies``, that proves the extension point (docs/extending.md).

It lives entirely here: its core part (:mod:`tests.tallies.domain`) and its
GraphQL module (:mod:`tests.tallies.graphql`). It is registered in one place,
``CHRONICLE_DOMAINS=tests.tallies.graphql:MODULE``; nothing in ``core/``,
``store/`` or the shared API modules names it.
"""
