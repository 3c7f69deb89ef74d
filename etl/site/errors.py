"""The site's answer to every exception of a request: the status and message Datasette would give,
as JSON on a .json path and the site's error page otherwise, with three differences.

- No 500 for what a visitor can type: an error Datasette 0.65 raises on a bad parameter
  (a ValueError from int(), a KeyError from a JSON value, a DatasetteError left at status 500, an
  SQLite error) answers 400 with its message.
- No path of the host in a message, and no detail at all in a true 500 (the log has it).
- No slow traceback: Datasette prints every error, even a 400, with rich and its local variables,
  which holds the event loop for up to a second; the log gets one plain traceback, for 500s only.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from markupsafe import Markup

from etl.site.bounds import ResponseCut, TooLarge

# What Datasette 0.65 lets through from a bad parameter or row key instead of a 400.
INPUT_ERRORS = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    OverflowError,
    sqlite3.Error,
)
INTERNAL = "Internal error: the site could not answer this page (the error is logged)"
# Datasette's own handler, which every error would also run (the hook's answers are all awaited).
DEFAULT_HANDLER = "datasette.handle_exception"


def replace_default_handler() -> None:
    """Unregister Datasette's exception handler: the site's answers every exception itself."""
    from datasette.plugins import pm

    if pm.has_plugin(DEFAULT_HANDLER):
        pm.unregister(name=DEFAULT_HANDLER)


def host_paths(datasette: Any) -> list[str]:
    """Folders of the host a message could name: the databases', the Python's, home, temp, cwd."""
    found = {sys.prefix, sys.base_prefix, str(Path.home()), tempfile.gettempdir(), os.getcwd()}
    for db in datasette.databases.values():
        if db.path:
            found.add(str(Path(db.path).resolve().parent))
            found.add(str(Path(db.path).parent))
    return sorted((p for p in found if len(p) > 1), key=len, reverse=True)


def scrub(message: str, paths: list[str]) -> str:
    """A message with every folder of the host replaced by an ellipsis."""
    for path in paths:
        message = message.replace(path, "…")
    return message


def describe(exception: BaseException, time_limit_ms: int) -> tuple[int, Any, str | None, dict[str, Any]]:
    """The status, message, title and extra fields of the answer to an exception."""
    from datasette.database import QueryInterrupted
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if isinstance(exception, TooLarge):
        return 400, str(exception), "Response too large", {}
    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0] if exception.args else ""), None, {}
    if isinstance(exception, QueryInterrupted):
        message = f"SQL query took too long: the time limit is {time_limit_ms:,} ms"
        return 400, message, "SQL Interrupted", {}
    if isinstance(exception, DatasetteError):
        message = Markup(exception.message) if exception.message_is_html else str(exception.message)
        status = 400 if exception.status >= 500 else exception.status
        return status, message, exception.title, dict(exception.error_dict)
    if isinstance(exception, sqlite3.OperationalError) and exception.args == ("interrupted",):
        return 400, f"SQL query took too long: the time limit is {time_limit_ms:,} ms", "SQL Interrupted", {}
    if isinstance(exception, INPUT_ERRORS):
        return 400, f"Bad request: {type(exception).__name__}: {exception}", "Bad request", {}
    return 500, INTERNAL, None, {}


async def error_response(
    datasette: Any, request: Any, exception: BaseException, context: dict[str, Any]
) -> Any:
    """The response to an exception raised while answering a request."""
    from datasette.utils import add_cors_headers
    from datasette.utils.asgi import Response

    if isinstance(exception, ResponseCut):  # the response is already cut and ended
        return Response.text("", status=400)
    status, message, title, info = describe(exception, int(datasette.setting("sql_time_limit_ms")))
    if status >= 500 or (status == 400 and isinstance(exception, INPUT_ERRORS)):
        traceback.print_exception(exception, file=sys.stderr)
    if not isinstance(message, Markup):
        message = scrub(message, host_paths(datasette))
    headers: dict[str, str] = {}
    if datasette.cors:
        add_cors_headers(headers)
    if str(getattr(request, "path", "") or "").endswith(".json"):
        body = {**info, "ok": False, "error": str(message), "status": status, "title": title}
        return Response.json(body, status=status, headers=headers)
    page = {**context, "status": status, "title": title, "error": message}
    html = await datasette.render_template("error.html", page, request=request)
    return Response.html(html, status=status, headers=headers)
