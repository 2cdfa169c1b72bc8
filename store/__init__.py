"""Adapters implementing the core's ports: SQLite (embedded) and MongoDB."""
