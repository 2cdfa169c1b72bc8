"""Strawberry types: the GraphQL shapes of Chronicle's read models and results."""
