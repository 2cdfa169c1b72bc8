"""Each domain's GraphQL module, and how the app finds them.

A :class:`GraphQLModule` is the API side of one :class:`core.domain.Domain`: the
root fields it adds to ``Query``, ``Mutation`` and ``Subscription`` (as
strawberry types whose fields are merged into the roots), extra types the
schema must know, and the table mapping its domain errors to GraphQL error
members. :mod:`api.schema` assembles the roots from the modules;
:func:`api.app.open_runtime` builds the :class:`~core.registry.DomainRegistry`
from the same modules, so the API and the core cannot disagree on which
domains exist.

The built-in domains (:data:`core.domains.BUILT_IN`) have their module at
``api.domains.<domain name>``. Further domains are registered with the
``CHRONICLE_DOMAINS`` setting: ``module:attribute`` paths of
:class:`GraphQLModule` objects (see docs/extending.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from api.types.errors import ErrorTable
from core.domain import Domain
from core.domains import BUILT_IN


@dataclass(frozen=True)
class GraphQLModule:
    """What one domain contributes to the GraphQL schema.

    Attributes:
        domain: the core declaration of the domain.
        query, mutation, subscription: ``@strawberry.type`` classes whose fields
            join the root type of that name (``None``: none).
        types: types the schema cannot reach from the root fields (e.g. union
            members only named in a union).
        errors: the domain's error classes -> GraphQL members; every class in
            ``domain.errors`` needs an entry.
    """

    domain: Domain
    query: type | None = None
    mutation: type | None = None
    subscription: type | None = None
    types: tuple[type, ...] = ()
    errors: ErrorTable = field(default_factory=dict)


def _load(path: str) -> GraphQLModule:
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    found = getattr(module, attribute or "MODULE", None)
    if not isinstance(found, GraphQLModule):
        raise ValueError(f"{path!r} does not name an api.domains.GraphQLModule")
    return found


def graphql_modules(extra: Iterable[str] = ()) -> list[GraphQLModule]:
    """Return the built-in domains' modules, then those named by ``extra``.

    Args:
        extra: ``package.module:ATTRIBUTE`` paths (``ATTRIBUTE`` defaults to ``MODULE``).

    Raises:
        ValueError: a path does not name a :class:`GraphQLModule`, or a built-in
            module declares another domain than its name says.
        ImportError: a module cannot be imported.
    """
    modules = []
    for domain in BUILT_IN:
        module = _load(f"api.domains.{domain.name}")
        if module.domain is not domain:
            raise ValueError(f"api.domains.{domain.name} declares domain {module.domain.name!r}")
        modules.append(module)
    return [*modules, *(_load(path) for path in extra)]

