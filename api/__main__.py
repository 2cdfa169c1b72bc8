"""``python -m api`` runs the ``chronicle`` command line."""

from api.cli import app

app(prog_name="chronicle")
