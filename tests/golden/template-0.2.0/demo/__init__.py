"""demo: a service packaged by pyscaffold."""

__version__ = "0.1.0"
