from django.conf import settings
from django.http import HttpRequest


def crm(request: HttpRequest) -> dict[str, str]:
    """Values every page's templates use: the company's base currency."""
    return {"base_currency": settings.DEFAULT_CURRENCY}
