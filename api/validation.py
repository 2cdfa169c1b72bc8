"""Validation of every document, HTTP and WebSocket alike: cached, and with no suggestions when they are off.

strawberry validates through graphql-core's ``validate`` without its
``hide_suggestions`` flag and strips only the "Did you mean" of unknown fields, so
arguments, enum values, type names and input fields kept suggesting names from the
schema with ``CHRONICLE_FIELD_SUGGESTIONS=false`` (issue 15, item 6). This step
passes graphql-core's own flag, so no rule writes a suggestion in the first place;
:func:`api.executor.executor_class` does the same for variable values, which
graphql-core checks when execution starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)
"""The rules strawberry adds to graphql-core's for its ``Maybe`` and ``@oneOf`` inputs."""

Validator = Callable[[GraphQLSchema, DocumentNode, tuple[type[ASTValidationRule], ...]], list[GraphQLError]]


def cached_validator(maxsize: int, *, hide_suggestions: bool) -> Validator:
    """Return graphql-core's ``validate`` with strawberry's extra rules, memoised for the last
    ``maxsize`` distinct (schema, document, rules); with ``hide_suggestions`` no error message
    carries a "Did you mean ...?"."""

    @lru_cache(maxsize=maxsize)
    def validated(schema: GraphQLSchema, document: DocumentNode,
                  rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
        return validate(schema, document, (*rules, *STRAWBERRY_RULES), hide_suggestions=hide_suggestions)

    return validated


class Validation(SchemaExtension):
    """Validates the operation's document with a shared :func:`cached_validator` (in place of
    strawberry's own step, which an extension setting ``pre_execution_errors`` replaces)."""

    def __init__(self, validator: Validator) -> None:
        self.validator = validator

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None  # strawberry validates parsed documents only
        context.pre_execution_errors = self.validator(context.schema._schema, context.graphql_document,
                                                      tuple(context.validation_rules))
        yield
