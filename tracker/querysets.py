"""Queryset helpers shared by the apps."""


def count_up_to(queryset, limit: int) -> int:
    """The number of rows, but stopping at limit + 1: enough to tell "more than `limit`"."""
    # Unordered: with the list's ORDER BY, a LIMIT makes PostgreSQL walk the name index past every row.
    return queryset.order_by()[: limit + 1].count()
