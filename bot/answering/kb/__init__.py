"""Packaged knowledge base: one TOML file per intent, plus _synonyms.toml."""
