"""Entry point for ``python -m etl``: the diplodata command line."""

from etl.cli import main

main()
