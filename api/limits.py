"""Limits on every GraphQL document, HTTP and WebSocket alike.

Depth, aliases and size come from :mod:`api.document_shape`, which measures each
fragment once, so checking them costs time linear in the document's length (issue 15:
strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` re-walked a fragment at
every spread, and a 600-byte document held the event loop for minutes). Introspection
uses graphql-core's ``NoSchemaIntrospectionCustomRule``; tokens graphql-core's parser
limit. These rules run before any permission check, for anonymous callers too. Each
refusal is a request error whose ``extensions.code`` says which limit it hit:

- ``QUERY_TOO_COMPLEX`` (``CHRONICLE_MAX_QUERY_NODES``: selections once every
  fragment spread is expanded, all operations of the document together)
- ``QUERY_TOO_DEEP`` (``CHRONICLE_MAX_QUERY_DEPTH``)
- ``TOO_MANY_ALIASES`` (``CHRONICLE_MAX_QUERY_ALIASES``: all operations together)
- ``QUERY_TOO_COSTLY`` (``CHRONICLE_MAX_QUERY_COST``: what one operation may read, see
  :mod:`api.cost`)
- ``TOO_MANY_TOKENS`` (``CHRONICLE_MAX_QUERY_TOKENS``: lexical tokens; comments
  are capped at the same number)
- ``INTROSPECTION_DISABLED`` (``CHRONICLE_INTROSPECTION=false``)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

from graphql import (
    BREAK,
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    Source,
    TokenKind,
    ValidationContext,
    ValidationRule,
)
from graphql.language import Lexer
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, ParserCache, SchemaExtension

from api.cost import Pricing
from api.document_shape import operation_shapes
from api.settings import Settings


class _CodingContext:
    """A validation context whose ``report_error`` stamps ``extensions.code``."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)


def coded(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    """Return ``rule`` reporting its errors with ``extensions.code = code``."""

    class CodedRule(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodingContext(context, code))

    CodedRule.__name__ = f"{rule.__name__}Coded"
    return CodedRule


def shape_limits(settings: Settings) -> type[ValidationRule]:
    """Return a validation rule enforcing ``settings``' limits on a document's shape:
    depth (``max_query_depth``, per operation), aliases (``max_query_aliases``) and
    selections (``max_query_nodes``) of all operations together, fragments counted once
    per spread, and each operation's cost (``max_query_cost``, priced by :mod:`api.cost`).

    Errors: ``QUERY_TOO_DEEP`` and ``QUERY_TOO_COSTLY`` (one per operation over the
    limit), ``TOO_MANY_ALIASES``, ``QUERY_TOO_COMPLEX``, each a ``GraphQLError`` with
    that ``extensions.code``.
    """
    max_depth, max_aliases = settings.max_query_depth, settings.max_query_aliases
    max_nodes, max_cost = settings.max_query_nodes, settings.max_query_cost
    cap = max(max_aliases, max_nodes, max_cost) + 1
    pricings: dict[int, Pricing] = {}  # one per schema (normally one)

    class ShapeLimits(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: object) -> object:
            schema = self.context.schema
            pricing = pricings.get(id(schema))
            if pricing is None:
                pricing = pricings[id(schema)] = Pricing(schema, settings)
            aliases = nodes = 0
            for operation, shape in operation_shapes(node, cap, pricing):
                aliases += shape.aliases
                nodes += shape.selections
                name = operation.name.value if operation.name else "anonymous"
                if shape.depth > max_depth:
                    self._refuse(f"'{name}' exceeds maximum operation depth of {max_depth}",
                                 "QUERY_TOO_DEEP", operation)
                if shape.cost > max_cost:
                    self._refuse(f"'{name}' may read more than {max_cost} events and rows (each list, alias and "
                                 "spread counted); ask for fewer or smaller pages", "QUERY_TOO_COSTLY", operation)
            if aliases > max_aliases:
                self._refuse(f"The document has more than {max_aliases} aliases "
                             "(a fragment's count once per spread)", "TOO_MANY_ALIASES")
            if nodes > max_nodes:
                self._refuse(f"The document expands to more than {max_nodes} selections "
                             "once its fragments are spread", "QUERY_TOO_COMPLEX")
            return BREAK  # everything is measured: the rest of the walk has nothing for this rule

        def _refuse(self, message: str, code: str, node: Any = None) -> None:
            self.report_error(GraphQLError(message, node, extensions={"code": code}))

    return ShapeLimits


def lexical_tokens_exceed(query: str, limit: int) -> bool:
    """Return whether ``query`` has more than ``limit`` lexical tokens (comments not counted).

    A document that cannot be lexed before the limit is reached does not exceed it.
    """
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if count > limit:
                return True
    except GraphQLSyntaxError:
        return False
    return False


class TokenLimit(SchemaExtension):
    """Makes the parser stop after ``max_tokens`` lexical tokens (and as many comments)."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        # graphql-core's parse() takes these; strawberry's ParseOptions type names only max_tokens
        options = cast("dict[str, int]", self.execution_context.parse_options)
        options["max_lexical_tokens"] = self.max_tokens
        options["max_comments"] = self.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        query = self.execution_context.query or ""
        for error in self.execution_context.pre_execution_errors or []:
            if isinstance(error, GraphQLSyntaxError) and (
                lexical_tokens_exceed(query, self.max_tokens) or query.count("#") > self.max_tokens
            ):
                error.extensions = {**(error.extensions or {}), "code": "TOO_MANY_TOKENS"}


class SafeParserCache(ParserCache):
    """strawberry's ``ParserCache``, except that a document that fails to parse is left to
    strawberry's own parse step, so the syntax error is an ordinary request error that the
    other extensions (limits, error codes) see, instead of an exception escaping the operation."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            context.graphql_document = None
        yield


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Return factories of the schema extensions enforcing ``settings``' document limits."""
    rules: list[type[ASTValidationRule]] = [shape_limits(settings)]
    if not settings.introspection:
        rules.append(coded(NoSchemaIntrospectionCustomRule, "INTROSPECTION_DISABLED"))
    return [lambda: TokenLimit(settings.max_query_tokens), lambda: AddValidationRules(rules)]
