"""Application logs: one record is one line, and exceptions carry no data (ASVS 16.4.1, 16.2.5).

Every handler (settings.LOGGING, and gunicorn's through `GunicornLogger`) formats with
`OneLineFormatter`. It backslash-escapes every character that is not printable, line breaks
included, in the whole formatted record: the message, its arguments (a request path, a header)
and the traceback. So a CR/LF in a username or a URL can never start a line that looks like a
record of its own, and a log shipper that reads a line as a record reads the traceback with it.
A traceback is kept as escaped `\\n`s, not dropped: its frames (files, lines, source code) are
what an operator needs, and `printf '%b'` shows it again as lines.

An exception's *message* is withheld, except for kinds whose messages describe the system
(a refused connection, a missing file, a setting): a message such as a database's "Key
(reference)=(...) already exists" or Python's "invalid literal for int(): '...'" repeats the
data being processed, and the data here is victims' details and criminal-offence data. The
exception's type and where it was raised stay. Local variables are never written.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from gunicorn import glogging

# Kinds of exception whose messages say what went wrong with the system, not with the data.
SYSTEM_EXCEPTIONS: tuple[type[BaseException], ...] = (
    OSError, OperationalError, InterfaceError, ImproperlyConfigured)
WITHHELD = "(message withheld: it may hold personal data)"

_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def escape(text: str) -> str:
    """`text` on one line: backslashes and every character that is not printable (CR, LF, tab,
    NEL, U+2028, escape sequences...) written as Python escapes, so the original can be read
    back and nothing an attacker sends can break the line."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_SHORT.get(ch) or (ch if ch.isprintable()
                                      else ch.encode("unicode_escape").decode("ascii"))
                   for ch in text)


def _withhold_messages(exc: traceback.TracebackException) -> None:
    seen: set[int] = set()
    pending = [exc]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if item.exc_type is not None and not issubclass(item.exc_type, SYSTEM_EXCEPTIONS):
            # What format() writes after the type: private, so tests/core/test_logging.py
            # checks that a message is withheld on this Python.
            item._str = WITHHELD  # type: ignore[attr-defined]
            item.__notes__ = None
        pending.extend(e for e in (item.__cause__, item.__context__) if e is not None)
        pending.extend(getattr(item, "exceptions", None) or [])  # an ExceptionGroup's


def exception_text(exc_info: ExcInfo) -> str:
    """The traceback with its frames and exception types, and the messages withheld
    (unless the exception is one of SYSTEM_EXCEPTIONS)."""
    exc = traceback.TracebackException(*exc_info, capture_locals=False)  # type: ignore[arg-type]
    _withhold_messages(exc)
    return "".join(exc.format()).rstrip("\n")


class OneLineFormatter(logging.Formatter):
    """A logging.Formatter whose every record is one line, with exception messages withheld."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return exception_text(ei)

    def format(self, record: logging.LogRecord) -> str:
        # Another handler's formatter may already have cached its own (full) traceback on the
        # record: always write ours, and leave the record as we found it.
        cached = record.exc_text
        record.exc_text = None
        try:
            return escape(super().format(record))
        finally:
            record.exc_text = cached


# runserver's request line: 'GET /victims/?q=words HTTP/1.1'.
_REQUEST_LINE = re.compile(r"^(\S+ [^?\s]*)\?\S*( HTTP/\S+)$")


class DropQueryString(logging.Filter):
    """The development server's request log without query strings: a search box's words (a
    name) go in the query string, and the path is enough to know which page was asked for."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (_REQUEST_LINE.sub(r"\1\2", record.args[0]), *record.args[1:])
        return True


def _without_query(uri: str) -> str:
    return uri.split("?", 1)[0]


class GunicornLogger(glogging.Logger):
    """gunicorn's error and access logs (gunicorn_conf.logger_class), one line a record like
    the app's, and with no query string (nor the referring page's) in the access log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                old = handler.formatter
                handler.setFormatter(OneLineFormatter(
                    old._fmt if old else None, old.datefmt if old else None))

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = (f"{environ['REQUEST_METHOD']} {_without_query(environ['RAW_URI'])} "
                      f"{environ['SERVER_PROTOCOL']}")
        atoms["q"] = "-"
        atoms["f"] = _without_query(atoms.get("f") or "-")
        for key in ("{query_string}e", "{raw_uri}e", "{referer}i"):
            if key in atoms:
                atoms[key] = "-"
        return atoms


def axes_client_str(username: str | None, ip_address: str | None, user_agent: str | None,
                    path_info: Any, request: Any) -> str:
    """Who axes says failed or was locked out (settings.AXES_CLIENT_STR_CALLABLE): the address
    and the request id only. The username is left out: it is often a password typed into the
    wrong box, or someone's name; the security events (audit app) record it for auditors,
    cleaned, and the request id finds the event."""
    request_id = getattr(request, "request_id", "") or "-"
    return f"address {ip_address or '-'} (request {request_id})"
