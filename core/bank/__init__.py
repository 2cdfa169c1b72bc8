"""The bank domain: accounts (and later transfers), the core's first user."""
