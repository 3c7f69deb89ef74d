"""Serve the mock FPS site on 127.0.0.1 until interrupted: `python -m tests.mocksite --port 8765`."""

from __future__ import annotations

import argparse
import time

from tests.mocksite import Server


def main() -> None:
    """Start the mock site and keep it up until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    parser.add_argument("--generation", type=int, default=0, help="state of the site: 0 first crawl, 1 later")
    options = parser.parse_args()
    with Server(port=options.port) as server:
        server.site.generation = options.generation
        print(f"mock site on {server.url} ({len(server.site.articles)} pages); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
