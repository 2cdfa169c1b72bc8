"""Limits on every GraphQL document, HTTP and WebSocket alike.

Depth and aliases use strawberry's validation rules, introspection graphql-core's
``NoSchemaIntrospectionCustomRule``; tokens use graphql-core's parser limit. Each
refusal is a request error whose ``extensions.code`` says which limit it hit:

- ``QUERY_TOO_DEEP`` (``CHRONICLE_MAX_QUERY_DEPTH``)
- ``TOO_MANY_ALIASES`` (``CHRONICLE_MAX_QUERY_ALIASES``)
- ``TOO_MANY_TOKENS`` (``CHRONICLE_MAX_QUERY_TOKENS``: lexical tokens; comments
  are capped at the same number)
- ``INTROSPECTION_DISABLED`` (``CHRONICLE_INTROSPECTION=false``)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    GraphQLError,
    GraphQLSyntaxError,
    Source,
    TokenKind,
    ValidationContext,
    ValidationRule,
)
from graphql.language import Lexer
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    ParserCache,
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)

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
    rules: list[type[ASTValidationRule]] = [
        coded(query_depth_limiter.create_validator(settings.max_query_depth, None), "QUERY_TOO_DEEP"),
        coded(max_aliases.create_validator(settings.max_query_aliases), "TOO_MANY_ALIASES"),
    ]
    if not settings.introspection:
        rules.append(coded(NoSchemaIntrospectionCustomRule, "INTROSPECTION_DISABLED"))
    return [lambda: TokenLimit(settings.max_query_tokens), lambda: AddValidationRules(rules)]
