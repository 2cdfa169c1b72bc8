"""Subscription resolvers: live, resumable event streams."""
