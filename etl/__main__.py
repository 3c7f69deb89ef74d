"""Entry point for ``python -m etl``: the diplodata command line."""

from etl.cli import main

if __name__ == "__main__":  # not when a process started by multiprocessing imports it
    main()
