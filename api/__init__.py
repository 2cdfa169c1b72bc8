"""Chronicle's GraphQL entry point: schema, Starlette app, CLI and wiring."""
