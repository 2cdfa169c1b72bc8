"""Query resolvers: read models (projections) and the event log."""
