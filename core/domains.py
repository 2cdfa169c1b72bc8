"""The domains Chronicle ships with, in the order their projections run in an append.

This tuple is the one list of built-in domains; the composition root
(``api.app``), the contract tests and the benchmarks build their
:class:`~core.registry.DomainRegistry` from it. A domain that is not built in
(``tests/ledger``) is registered through the ``CHRONICLE_DOMAINS`` setting.
"""

from __future__ import annotations

from core.bank.domain import ACCOUNTS, TRANSFERS
from core.customers.domain import CUSTOMERS
from core.domain import Domain
from core.registry import DomainRegistry

BUILT_IN: tuple[Domain, ...] = (ACCOUNTS, CUSTOMERS, TRANSFERS)


def built_in_registry(*extra: Domain) -> DomainRegistry:
    """Return a registry of the built-in domains followed by ``extra`` ones."""
    return DomainRegistry((*BUILT_IN, *extra))
