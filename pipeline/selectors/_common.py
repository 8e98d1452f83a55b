"""Query pieces the list selectors share."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q


def text_search(q: str, *fields: str) -> Q:
    """Rows where any of `fields` contains `q`, ignoring case (the list pages' search box)."""
    return reduce(or_, (Q(**{f"{field}__icontains": q}) for field in fields))
