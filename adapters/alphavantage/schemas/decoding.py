"""Shared decoding of JSON and CSV bodies into schema structs, with adapter-typed errors."""

import csv
import io
from typing import Any

import msgspec

from adapters.alphavantage.errors import AlphaVantageParseError


def decode_json[T](body: bytes | str, decoder: msgspec.json.Decoder[T], what: str) -> T:
    """Decode `body` with `decoder`, raising the adapter's error on any mismatch.

    Parameters
    ----------
    body : bytes or str
        The JSON text.
    decoder : msgspec.json.Decoder
        The typed decoder of the endpoint.
    what : str
        The endpoint, for the error message.

    Returns
    -------
    T
        The decoded struct.

    Raises
    ------
    AlphaVantageParseError
        If the body is not JSON or does not match the layout.

    """
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise AlphaVantageParseError(f"{what} reply did not match its layout: {exc}") from None


def convert[T](obj: object, target: type[T], what: str) -> T:
    """Convert a decoded object (e.g. one ``msgspec.Raw`` member) to `target`.

    Raises
    ------
    AlphaVantageParseError
        If `obj` does not match `target`.

    """
    try:
        if isinstance(obj, msgspec.Raw):
            return msgspec.json.decode(obj, type=target)
        return msgspec.convert(obj, target)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise AlphaVantageParseError(f"{what} did not match its layout: {exc}") from None


def decode_csv[T](body: bytes | str, row_type: type[T], what: str) -> list[T]:
    """Decode a CSV reply into `row_type` structs, matching columns by header name.

    Columns are matched by name, not position, so new vendor columns are ignored and
    reordered ones still parse; every value stays a string.

    Raises
    ------
    AlphaVantageParseError
        If the text is not UTF-8 CSV, lacks a required column, or a row is ragged.

    """
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise AlphaVantageParseError(f"{what} CSV was not UTF-8: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    try:
        for line, row in enumerate(reader, start=2):
            if None in row or any(value is None for value in row.values()):
                raise AlphaVantageParseError(f"{what} CSV line {line} had the wrong column count")
            rows.append(row)
    except csv.Error as exc:
        raise AlphaVantageParseError(f"{what} CSV was malformed: {exc}") from None
    return convert(rows, list[row_type], f"{what} CSV")  # type: ignore[valid-type]
