"""One module per mutation: an input, a result union and a resolver."""
