"""Keyset (cursor) pagination: ``WHERE (key, id) > (last key, last id) ORDER BY key, id LIMIT n``
stays fast on 100,000 rows, where page numbers would make the database count and skip rows.

Each list view names the fields a client may order by (``ordering_fields``) and its default
(``ordering``); ``?ordering=`` picks one, anything else is refused (400 ``invalid``). The cursor
keeps the last row's value *and* its id, so rows that tie on the value are paged by id: none is
shown twice or skipped, forwards (``next``) or backwards (``previous``), however many tie. Only
non-null fields are offered: a NULL cannot be compared with, so a cursor could not keep its place.
"""

import math
from base64 import b64decode, b64encode
from datetime import UTC, datetime
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from mlteam.kernel.parsing import whole_number

ORDERING_PARAM = "ordering"
BIGINT = 2**63 - 1


def ordering_fields_of(view) -> list[str]:
    """The fields ``view`` may be ordered by (its default ordering's field included)."""
    fields = list(getattr(view, "ordering_fields", None) or [])
    default = _default_ordering(view)
    if default and default.lstrip("-") not in fields:
        fields.insert(0, default.lstrip("-"))
    return fields


def ordering_choices(view) -> list[str]:
    """The values ``?ordering=`` accepts: each field, ascending or (``-field``) descending."""
    return [value for field in ordering_fields_of(view) for value in (field, f"-{field}")]


def _default_ordering(view) -> str | None:
    default = getattr(view, "ordering", None)
    if isinstance(default, list | tuple):
        default = default[0] if default else None
    return default


def _with_tie(ordering: str) -> tuple:
    """``ordering`` with the primary key as tie-breaker in the same direction."""
    field = ordering.lstrip("-")
    tie = "-pk" if ordering.startswith("-") else "pk"
    return (ordering,) if field in ("pk", "id") else (ordering, tie)


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"  # only for a view that sets none
    cursor_query_description = "Where the page starts: take it from a page's `next`/`previous`."
    invalid_cursor_message = (
        "This cursor is not one the server handed out for this list and ordering; follow the "
        "`next` or `previous` link of a page, or drop `cursor` to start at the first page."
    )

    # -- ordering ---------------------------------------------------------------------------------
    def get_ordering(self, request, queryset, view):
        """``(field, pk)``: the requested (or the view's default) ordering, with the primary key
        as tie-breaker in the same direction. An ordering the view does not offer is refused."""
        ordering = _default_ordering(view) or self.ordering
        requested = request.query_params.get(ORDERING_PARAM, "").strip()
        if requested:
            choices = ordering_choices(view)
            if requested not in choices:
                raise ValidationError(
                    {
                        ORDERING_PARAM: [
                            f"'{requested}' is not an ordering of this list; use one of: "
                            f"{', '.join(choices)}."
                        ]
                    }
                )
            ordering = requested
        return _with_tie(ordering)

    # -- paging -----------------------------------------------------------------------------------
    def get_page_size(self, request):
        """``?page_size=``: absent is the default; anything but a whole number from 1 to
        ``max_page_size`` is refused (DRF would quietly use the default or clamp)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            shown = raw if len(raw) <= 40 else f"{raw[:37]}…"
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"'{shown}' is not a page size; use a whole number from 1 to "
                        f"{self.max_page_size}."
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self._start(request, view, queryset.model)
        self.cursor = self.decode_cursor(request)
        reverse, position = self.cursor if self.cursor else (False, None)

        order = self.ordering
        if reverse:
            order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in order)
        queryset = queryset.order_by(*order)
        if position is not None:
            queryset = queryset.filter(self._beyond(position, before=reverse))
        return self._settle(list(queryset[: self.page_size + 1]), position, reverse)

    def first_page(self, rows: list, request, view, model) -> list:
        """The first page, in the view's default ordering, from ``rows`` the view read itself
        (a prepared read: ``get_page_size(request) + 1`` of them, in ``default_order(view)``;
        the one past the page says whether there is a next)."""
        self._start(request, view, model)
        self.cursor = None
        return self._settle(rows, None, False)

    def default_order(self, view) -> tuple:
        """The order of a first page without ``?ordering=``, tie-breaker included."""
        return _with_tie(_default_ordering(view) or self.ordering)

    def _start(self, request, view, model) -> None:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, None, view)
        self.field = self.ordering[0].lstrip("-")
        self.descending = self.ordering[0].startswith("-")
        self.model = model

    def _settle(self, rows: list, position, reverse: bool) -> list:
        """This page out of the rows read (one more than a page) and where its links lead."""
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()

        first = self._position(self.page[0]) if self.page else None
        last = self._position(self.page[-1]) if self.page else None
        if reverse:
            # Backwards from an anchor: the anchor itself (and what follows) is next; without
            # an anchor this is the last page.
            self.has_next, self.next_position = position is not None, last
            self.has_previous, self.previous_position = more, first
        else:
            self.has_next, self.next_position = more, last
            self.has_previous = position is not None
            self.previous_position = first
        return self.page

    def _beyond(self, position, *, before: bool) -> Q:
        """Rows after (or ``before``) ``position`` in the ordering. The leading ``field >= value``
        gives the database an index range; the ``OR`` settles ties by id."""
        value, pk = position
        ascending_side = before == self.descending  # rows with a greater (value, id)
        op = "gt" if ascending_side else "lt"
        if pk is None:  # ordered by the primary key itself
            return Q(**{f"{self.field}__{op}": value})
        return Q(**{f"{self.field}__{op}e": value}) & (
            Q(**{f"{self.field}__{op}": value}) | Q(**{f"pk__{op}": pk})
        )

    def _position(self, row) -> tuple:
        """``(value, pk)`` of a model instance or of a ``values()`` row (which has ``id``)."""
        if isinstance(row, dict):
            value, pk = row["id" if self.field == "pk" else self.field], row["id"]
        else:
            value, pk = getattr(row, self.field), row.pk
        return (value, None) if self.field in ("pk", "id") else (value, pk)

    def get_next_link(self):
        if not self.has_next:
            return None
        if self.next_position is None:  # an empty page before an anchor: start again
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor((False, self.next_position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if self.previous_position is None:  # an empty page past the end: the last page
            return self.encode_cursor((True, None))
        return self.encode_cursor((True, self.previous_position))

    # -- the cursor -------------------------------------------------------------------------------
    def encode_cursor(self, cursor):
        reverse, position = cursor
        tokens = {"r": "1"} if reverse else {}
        if position is not None:
            value, pk = position
            tokens["p"] = value.isoformat() if hasattr(value, "isoformat") else str(value)
            if pk is not None:
                tokens["k"] = str(pk)
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        """``(reverse, (value, pk) or None)``; a cursor we did not hand out is a 400."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            # A "+" pasted into a URL unescaped arrives as a space.
            raw = encoded.replace(" ", "+").encode("ascii")
            tokens = parse.parse_qs(
                b64decode(raw, validate=True).decode("ascii"), strict_parsing=True
            )
            if set(tokens) - {"r", "p", "k"} or any(len(v) != 1 for v in tokens.values()):
                raise ValueError("unknown tokens")
            reverse = tokens.get("r", ["0"])[0]
            if reverse not in ("0", "1"):
                raise ValueError(reverse)
            position = None
            if "p" in tokens:
                position = self._check_position(tokens["p"][0], tokens.get("k", [None])[0])
            elif "k" in tokens or reverse == "0":
                raise ValueError("no position")
        except (TypeError, ValueError, OverflowError, DjangoValidationError):
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        return (reverse == "1", position)

    def _check_position(self, value: str, pk: str | None) -> tuple:
        """The position is compared with the ordering field (and the id) in SQL: each must be a
        value of that column's type and range, or the query itself would fail."""
        by_pk = self.field in ("pk", "id")
        if (pk is None) != by_pk:
            raise ValueError("position and ordering disagree")
        field = self.model._meta.pk
        if not by_pk:
            try:
                field = self.model._meta.get_field(self.field)
            except FieldDoesNotExist:  # pragma: no cover - views offer model fields only
                raise ValueError(self.field) from None
        return (_typed(field, value), None if by_pk else _typed(self.model._meta.pk, pk))


def _typed(field, raw: str):
    if "\x00" in raw:
        raise ValueError("NUL")
    value = field.to_python(raw)
    if value is None:
        raise ValueError("empty")
    if isinstance(field, models.IntegerField | models.AutoField) and not (
        -BIGINT - 1 <= value <= BIGINT
    ):
        raise ValueError("out of range")
    if isinstance(field, models.FloatField) and not math.isfinite(value):
        raise ValueError("not finite")
    if isinstance(value, datetime):  # our cursors carry the offset; 9999-12-31T23:00-05:00
        if value.tzinfo is None:  # is past the last UTC moment
            raise ValueError("naive time")
        value.astimezone(UTC)
    return value
