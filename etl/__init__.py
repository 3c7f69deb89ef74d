"""diplodata: open data about Belgian diplomacy, from archived articles to validated data packages."""

__version__ = "0.1.0"
