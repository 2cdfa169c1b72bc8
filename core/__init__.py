"""Chronicle's core: events, aggregates, commands, projections and the ports.

Nothing here performs I/O or imports a driver or web library (see docs/architecture.md §1).
"""
