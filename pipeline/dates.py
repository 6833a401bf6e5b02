"""Publication dates as the inputs write them, read into ISO 8601.

Indonesian outlets print dates as ``Rabu, 17 Januari 2024 10:15 WIB`` (Tempo, Antara),
``Rabu, 17 Jan 2024 10:15 WIB`` (detik), ``Rabu, 17/01/2024 10:15 WIB`` (CNN Indonesia),
``Kompas.com - 17/01/2024, 10:15 WIB`` or ``17 Jan 2024, 10.15 WIB``; feeds and HTML pages
give ISO 8601. ``dateparser`` knows the Indonesian month and day names and the WIB / WITA /
WIT zones; only absolute dates with a day, month and year are taken (``2 jam lalu``, "two
hours ago", would change with the day the tool runs), and numeric dates are read day first,
as Indonesia writes them (``01/02/2024`` is 1 February).
"""

from __future__ import annotations

import re
from datetime import datetime

_SETTINGS = {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"], "DATE_ORDER": "DMY"}
_LANGUAGES = ["id", "en"]
_TIME = re.compile(r"\d{1,2}[:.]\d{2}(?!\d)|T\d{2}")  # 10:15, 10.15, or ISO's T10
_LEADING_TEXT = re.compile(r"^\D+")  # a lead-in before the first digit: "Kompas.com - ", "Diperbarui "


def _parse(value: str) -> datetime | None:
    import dateparser

    return dateparser.parse(value, languages=_LANGUAGES, settings=_SETTINGS)


def parse_date(value: str) -> str | None:
    """``value`` in ISO 8601: date and time (with the UTC offset when the text names a zone)
    where it gives a time, the day alone where it does not; None when it holds no full date.

    A lead-in before the date (``Kompas.com -``, ``Diperbarui``) is passed over.

    >>> parse_date("Rabu, 17 Januari 2024 10:15 WIB")
    '2024-01-17T10:15:00+07:00'
    >>> parse_date("17/01/2024")
    '2024-01-17'
    """
    value = value.strip()
    if not value:
        return None
    try:  # ISO 8601, what feeds and pages give, without the cost of dateparser (milliseconds a call)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse(value)
    if parsed is None:
        rest = _LEADING_TEXT.sub("", value)
        parsed = _parse(rest) if rest != value else None
    if parsed is None:
        return None
    return parsed.isoformat() if _TIME.search(value) else parsed.date().isoformat()
