"""The API's pagination: {"count", "next", "previous", "results"}, 50 a page unless ?page_size= says otherwise."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
