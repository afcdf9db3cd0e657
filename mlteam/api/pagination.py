"""Cursor pagination: ``WHERE key > last ORDER BY key LIMIT n`` stays fast on 100,000 rows,
where page numbers would make the database count and skip rows."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    # Each list view sets ``ordering``; clients may pick another allowed one with ``?ordering=``.
    ordering = "-id"
