"""Admin settings for currencies and exchange rates."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import admin_required
from pipeline.forms.currencies import CurrencyAddForm, CurrencyRateForm
from pipeline.services import currencies
from shared.currencies import currency_list
from shared.errors import ServiceError
from shared.http import HtmxHttpRequest, form_write, refused_page, valid_data

PAGE = "pipeline/settings/currencies.html"


@require_http_methods(["GET", "POST"])
@admin_required
def currency_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The enabled currencies with their rates; POST enables a currency."""
    form = CurrencyAddForm(request.POST if request.method == "POST" else None)
    currency, status = form_write(
        request,
        form,
        lambda data: currencies.currency_enable(code=data["code"], actor=request.user),
    )
    if currency is not None:
        messages.success(
            request,
            _("%(code)s enabled. Set its rate so totals can include it.") % {"code": currency.code},
        )
        return HttpResponseRedirect(reverse("pipeline:settings_currencies"))
    return render(
        request,
        PAGE,
        {
            "currencies": currency_list(),
            "form": form,
            "tab": "currencies",
            "base": settings.DEFAULT_CURRENCY,
        },
        status=status,
    )


@require_POST
@admin_required
def currency_edit(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Set the rate (`action=rate`), disable or enable a currency; POST/redirect/GET."""
    actor = request.user
    action = request.POST.get("action", "rate")
    try:
        if action == "disable":
            currency = currencies.currency_disable(code=code, actor=actor)
            text = _("%(code)s disabled: its deals are shown apart in totals.")
        elif action == "enable":
            currency = currencies.currency_enable(code=code, actor=actor)
            text = _("%(code)s enabled.")
        else:
            form = CurrencyRateForm(request.POST)
            valid_data(form)
            currency = currencies.currency_set_rate(
                code=code,
                rate=form.cleaned_data["rate"],
                rate_date=form.cleaned_data["rate_date"],
                actor=actor,
            )
            text = _("Rate of %(code)s saved.")
    except ServiceError as exc:
        # The real 4xx with the message and a link back: bad input never looks like success.
        return refused_page(request, exc, reverse("pipeline:settings_currencies"))
    messages.success(request, text % {"code": currency.code})
    return HttpResponseRedirect(reverse("pipeline:settings_currencies"))
