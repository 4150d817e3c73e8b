"""Reading a CSV of leads: header mapping and per-row validation, as pure functions.

Every problem is reported with its line number; nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sequences_core.errors import InvalidInput
from sequences_core.schemas import MAX_CUSTOM_FIELDS, LeadIn, check_field_name, parse

STANDARD_FIELDS = ("email", "first_name", "last_name", "company", "title", "timezone", "country")

ALIASES: dict[str, str] = {
    "email_address": "email",
    "e_mail": "email",
    "mail": "email",
    "work_email": "email",
    "firstname": "first_name",
    "first": "first_name",
    "given_name": "first_name",
    "lastname": "last_name",
    "last": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "company_name": "company",
    "organization": "company",
    "organisation": "company",
    "account": "company",
    "job_title": "title",
    "position": "title",
    "time_zone": "timezone",
    "tz": "timezone",
    "country_code": "country",
}


class CsvFatal(ValueError):
    """The file as a whole cannot be imported (nothing is)."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedRow:
    line: int
    lead: LeadIn


def normalise_header(name: str) -> str:
    key = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if key and key[0].isdigit():
        key = f"f_{key}"
    return key


def map_headers(headers: list[str], overrides: Mapping[str, str] | None = None) -> list[str]:
    """Column → lead field (a standard field, or a custom field name)."""
    overrides = {normalise_header(k): v for k, v in (overrides or {}).items()}
    mapped: list[str] = []
    for raw in headers:
        key = normalise_header(raw)
        target = overrides.get(key) or ALIASES.get(key, key)
        if not target:
            raise CsvFatal(f"column {len(mapped) + 1} has no header name")
        if target in mapped:
            raise CsvFatal(f"two columns map to {target!r}; rename one or pass --map")
        if target not in STANDARD_FIELDS:
            _check_custom_column(raw, target)
        mapped.append(target)
    if "email" not in mapped:
        raise CsvFatal(f"no email column among {', '.join(headers)}; pass --map COLUMN=email")
    custom = len(mapped) - len(set(mapped) & set(STANDARD_FIELDS))
    if custom > MAX_CUSTOM_FIELDS:
        raise CsvFatal(f"{custom} custom field columns; a lead holds at most {MAX_CUSTOM_FIELDS}")
    return mapped


def _check_custom_column(header: str, name: str) -> None:
    """A column whose custom field name is refused fails the file at its header, once, rather
    than every line that has a value in it."""
    try:
        check_field_name(name)
    except ValueError as err:
        raise CsvFatal(f"column {header!r}: {err}; rename it or pass --map") from None


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what errors="surrogateescape" leaves


def _undecodable(value: str) -> int | None:
    """Position of the first byte that was not valid in the file's encoding."""
    if value.isascii():
        return None
    found = _ESCAPED_BYTE.search(value)
    return found.start() if found else None


def read_leads(
    data: bytes, *, encoding: str = "utf-8", overrides: Mapping[str, str] | None = None
) -> Iterator[ParsedRow | RowError]:
    """Yield a parsed lead or an error for every data row, with its first line number."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CsvFatal(f"unknown encoding {encoding!r}") from None
    if encoding.replace("-", "").lower() == "utf8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    text = data.decode(encoding, errors="surrogateescape")
    sample = text[:64_000]
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(keepends=True), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise CsvFatal("the file is empty") from None
    except csv.Error as err:
        raise CsvFatal(f"line 1: {err}") from None
    if any(_undecodable(h) is not None for h in headers):
        raise CsvFatal(f"the header is not valid {encoding}; pass --encoding (e.g. cp1252)")
    fields = map_headers(headers, overrides)
    # Undecodable bytes are looked for cell by cell only in a file that has some.
    escaped = not text.isascii() and _ESCAPED_BYTE.search(text) is not None
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield RowError(start, "row", str(err))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        yield _row(line, row, fields, headers, encoding, seen, escaped=escaped)


def _row(
    line: int,
    row: list[str],
    fields: list[str],
    headers: list[str],
    encoding: str,
    seen: dict[str, int],
    *,
    escaped: bool,  # the file has undecodable bytes somewhere: check each cell
) -> ParsedRow | RowError:
    if len(row) > len(fields):
        return RowError(line, "row", f"{len(row)} cells but the header has {len(fields)}")
    standard: dict[str, object] = {}
    custom: dict[str, str] = {}
    for field, header, cell in zip(fields, headers, row, strict=False):
        bad = _undecodable(cell) if escaped else None
        if bad is not None:
            return RowError(
                line,
                field,
                f"not valid {encoding} in column {header!r} at character {bad + 1};"
                " save the file as UTF-8 or pass --encoding",
            )
        value = cell.strip()
        if not value:
            continue
        if field in STANDARD_FIELDS:
            standard[field] = value
        else:
            custom[field] = value
    try:
        lead = parse(LeadIn, {**standard, "custom_fields": custom})
    except InvalidInput as err:
        name, message = next(iter(err.fields.items()))
        return RowError(line, name.removeprefix("custom_fields."), message)
    key = lead.email.lower()
    if key in seen:
        return RowError(line, "email", f"duplicate of line {seen[key]} ({lead.email})")
    seen[key] = line
    return ParsedRow(line, lead)
