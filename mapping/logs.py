"""Logging that forgets where people searched.

A resident's location reaches us only as the ``near`` query parameter of one API request.
Every log line passes through :class:`RedactQueryStrings`, which removes query strings from
URLs before anything is written, so no searched point lands in a log.
"""

import logging
import re

# "?" up to the end of the URL: whitespace, a quote, or the end of the text.
_QUERY_STRING = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    """``GET /api/services/?near=23.7,37.9 HTTP/1.1`` → ``GET /api/services/?… HTTP/1.1``."""
    return _QUERY_STRING.sub("?…", text)


class RedactQueryStrings(logging.Filter):
    """Rewrite each record's message with query strings removed (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
