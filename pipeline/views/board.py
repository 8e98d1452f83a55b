"""The pipeline board: the page, its polling, infinite scroll, and moves from it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, trigger_client_event

from accounts.models import User
from pipeline import services
from pipeline.forms.deals import LoseForm, MoveForm, QuickAddForm, VersionForm
from pipeline.models import Deal, LostReason, Pipeline, Stage
from pipeline.selectors.board import (
    BoardFilters,
    BoardVersions,
    board_columns,
    board_get_versions,
    card_get,
    column_page,
)
from pipeline.selectors.visibility import (
    deal_get_visible,
    owner_ids_visible,
)
from pipeline.views.cards import card_html, card_ui, cards_html
from shared.currencies import currency_enabled_with_rates
from shared.errors import RuleViolation, ServiceError
from shared.http import HtmxHttpRequest, form_errors_text, refused, safe_next, toast

BOARD = "pipeline/board.html"
# "Load more" without JavaScript grows one column up to this many cards.
MAX_SHOWN = 2000


def _pipeline_for(
    request: HtmxHttpRequest, pipeline_id: int | None, pipelines: list[Pipeline]
) -> Pipeline:
    """The pipeline to show, picked from the active `pipelines` (the switcher's list, loaded
    once: the board's query budget has no room for a second lookup)."""
    by_id = {p.pk: p for p in pipelines}
    if pipeline_id is not None:
        if pipeline_id not in by_id:
            raise Http404(_("No such pipeline."))
        return by_id[pipeline_id]
    user = request.user
    if user.default_pipeline_id in by_id:
        return by_id[user.default_pipeline_id]
    if not pipelines:
        raise Http404(_("No pipeline yet: an admin must create one first."))
    return pipelines[0]


def _board_url(pipeline: Pipeline, filters: BoardFilters | None = None) -> str:
    url = reverse("pipeline:board", args=[pipeline.pk])
    query = filters.as_query() if filters else {}
    return f"{url}?{urlencode(query)}" if query else url


def _context(
    request: HtmxHttpRequest,
    pipeline: Pipeline,
    filters: BoardFilters,
    pipelines: list[Pipeline] | None = None,
    versions: BoardVersions | None = None,
) -> dict:
    user = request.user
    visible = owner_ids_visible(user)
    # Read before the cards: a change landing in between shows at the next poll, not never.
    versions = versions or board_get_versions(pipeline=pipeline, user=user, visible=visible)
    currencies, rates = currency_enabled_with_rates()
    columns = board_columns(
        pipeline=pipeline,
        user=user,
        filters=filters,
        rates=rates,
        goals_version=versions.everyone,
        visible=visible,
    )
    _expand_column(request, pipeline, filters, columns)
    ui = card_ui(request, [c.stage for c in columns])
    for col in columns:
        col.cards_html = cards_html(col.cards, ui)  # type: ignore[attr-defined]  # rendered cards ride on the column to the template; Column has no such field
    return {
        "pipeline": pipeline,
        "pipelines": pipelines
        if pipelines is not None
        else Pipeline.objects.filter(is_active=True).order_by("position", "id"),
        "columns": columns,
        "stages": [c.stage for c in columns],
        "filters": filters,
        "filter_query": urlencode(filters.as_query()),
        # Only owners whose deals the viewer may see: a rep who sees only their own deals
        # gets no list of colleagues to filter by.
        "owners": (
            User.objects.filter(is_active=True)
            if visible is None
            else User.objects.filter(is_active=True, pk__in=visible)
        ).order_by("first_name", "last_name"),
        "board_version": versions.mine,
        "poll_seconds": settings.STAGECOACH_BOARD_POLL_SECONDS,
        # Quick-add offers the enabled currencies (base first) when there is more than one.
        "currencies": currencies,
    }


@require_GET
@login_required
@vary_on_headers("HX-Request")
def board(request: HtmxHttpRequest, pipeline_id: int | None = None) -> HttpResponse:
    pipelines = list(Pipeline.objects.filter(is_active=True).order_by("position", "id"))
    pipeline = _pipeline_for(request, pipeline_id, pipelines)
    return _board_page(request, pipeline, pipelines)


def _board_page(
    request: HtmxHttpRequest,
    pipeline: Pipeline,
    pipelines: list[Pipeline],
    *,
    quick: dict | None = None,
    quick_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The board. `quick`/`quick_error`: a refused quick-add without JavaScript, shown again
    open, with what was typed and why it was refused."""
    filters = BoardFilters.from_query(request.GET, request.user)
    context = _context(request, pipeline, filters, pipelines)
    context["lost_reasons"] = LostReason.objects.filter(is_active=True).order_by("position", "name")
    if request.htmx and request.htmx.target == "board":
        return render(request, f"{BOARD}#board", context)
    _mark_entry_requirements(context["stages"])
    context |= {"quick": quick or {}, "quick_error": quick_error}
    return render(request, BOARD, context, status=status)


def _mark_entry_requirements(stages: list[Stage]) -> None:
    """For the quick-add form: `entry_codes`, space-separated (services.stage_entry_codes)."""
    entry = services.stage_entry_codes(stages)
    for stage in stages:
        stage.entry_codes = " ".join(entry[stage.pk])  # type: ignore[attr-defined]  # for the template: the fields a deal needs to enter this stage


@require_GET
@login_required
def board_poll(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    """204 while nothing this user's board shows changed (`BoardVersions.mine`); otherwise the
    whole board as an out-of-band swap."""
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    versions = board_get_versions(pipeline=pipeline, user=request.user)
    if request.GET.get("v", "") == versions.mine:
        return HttpResponse(status=204)
    filters = BoardFilters.from_query(request.GET, request.user)
    context = _context(request, pipeline, filters, versions=versions)
    context["oob"] = True
    return render(request, f"{BOARD}#board", context)


def _card_count(raw: str | None) -> int:
    """A card count sent by the client, within 0..MAX_SHOWN (0 for anything else)."""
    try:
        return max(0, min(int(raw or ""), MAX_SHOWN))
    except ValueError:
        return 0


def _shown(request: HtmxHttpRequest) -> int:
    return _card_count(request.GET.get("shown"))


def _wanted_cards(request: HtmxHttpRequest, stage_id: int) -> int:
    """How many cards a column should show beyond its first page: `?more=<stage>&shown=<n>`
    (the "Load more" link without JavaScript: one page more than the `n` it showed), or
    `shown_<stage>=<n>` (the poll, a move or a quick-add, so a redraw keeps the cards already
    loaded by scrolling)."""
    size = settings.STAGECOACH_BOARD_PAGE_SIZE
    params = request.POST if request.method == "POST" else request.GET
    if params.get("more", "") == str(stage_id):
        return min(_shown(request) + size, MAX_SHOWN)
    return _card_count(params.get(f"shown_{stage_id}"))


def _expand_column(
    request: HtmxHttpRequest,
    pipeline: Pipeline,
    filters: BoardFilters,
    columns: list,
    arrived: int | None = None,
) -> None:
    """Grow the columns `_wanted_cards` asks for (one query each; none for a plain board);
    the `arrived` stage, which just gained a card, one card more than it showed."""
    for col in columns:
        wanted = _wanted_cards(request, col.stage.pk) - len(col.cards)
        wanted += 1 if col.stage.pk == arrived else 0
        if wanted <= 0 or not col.next_cursor:
            continue
        extra, col.next_cursor = column_page(
            pipeline=pipeline,
            stage=col.stage,
            user=request.user,
            filters=filters,
            cursor=col.next_cursor,
            page=wanted,
        )
        col.cards = [*col.cards, *extra]


@require_GET
@login_required
def column_more(request: HtmxHttpRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    stage = get_object_or_404(Stage, pk=stage_id, pipeline=pipeline)
    filters = BoardFilters.from_query(request.GET, request.user)
    cards, cursor = column_page(
        pipeline=pipeline,
        stage=stage,
        user=request.user,
        filters=filters,
        cursor=request.GET.get("cursor", ""),
    )
    ui = card_ui(request, _stages(pipeline))
    return render(
        request,
        f"{BOARD}#cards",
        {
            "cards_html": cards_html(cards, ui),
            "next_cursor": cursor,
            "shown": _shown(request) + len(cards),
            "pipeline": pipeline,
            "stage": stage,
            "filter_query": urlencode(filters.as_query()),
        },
    )


def _columns_html(
    request: HtmxHttpRequest,
    pipeline: Pipeline,
    stage_ids: list[int],
    *,
    with_cards: bool,
    arrived: int | None = None,
) -> str:
    """Out-of-band fragments for the given columns: the whole column, or just its header.
    `arrived`: the stage a deal just entered, which shows one card more than it did."""
    user = request.user
    filters = BoardFilters.from_query(request.POST or request.GET, user)
    all_stages = list(pipeline.stages.filter(is_active=True).order_by("position"))
    wanted = [s for s in all_stages if s.pk in stage_ids]
    columns = board_columns(
        pipeline=pipeline, user=user, filters=filters, stages=wanted, with_cards=with_cards
    )
    if with_cards:
        # As many cards as the column showed (`shown_<stage>`, sent like the poll's).
        _expand_column(request, pipeline, filters, columns, arrived)
    ui = card_ui(request, all_stages)
    for col in columns:
        col.cards_html = cards_html(col.cards, ui)  # type: ignore[attr-defined]  # rendered cards ride on the column to the template; Column has no such field
    template = f"{BOARD}#column" if with_cards else f"{BOARD}#column_header"
    return "".join(
        render_to_string(
            template,
            {
                "col": col,
                "oob": True,
                "pipeline": pipeline,
                "filter_query": urlencode(filters.as_query()),
                "base_currency": settings.DEFAULT_CURRENCY,
            },
            request=request,
        )
        for col in columns
    )


def _deal_or_refuse(request: HtmxHttpRequest, deal_id: int) -> Deal:
    return deal_get_visible(request.user, deal_id)


@require_POST
@login_required
def deal_move(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    """Move a deal to a stage. A drag keeps the card where it was dropped and refreshes both
    column headers; the keyboard control and a refusal re-render both columns."""
    try:
        deal = _deal_or_refuse(request, deal_id)
    except ServiceError as exc:
        return refused(request, exc)
    origin = deal.stage_id
    fallback = _board_url(deal.pipeline, BoardFilters.from_query(request.POST, request.user))
    form = MoveForm(request.POST)
    to_stage: Stage | None = None
    try:
        if not form.is_valid():
            raise RuleViolation(form_errors_text(form), deal=deal)
        to_stage = (
            Stage.objects.select_related("pipeline").filter(pk=form.cleaned_data["stage"]).first()
        )
        if to_stage is None:
            raise RuleViolation(
                _("That stage does not exist any more; reload the board."), deal=deal
            )
        moved = services.deal_move(
            deal=deal,
            to_stage=to_stage,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
            source="board",
        )
    except ServiceError as exc:
        # The columns the deal was, is and was meant to be in, re-rendered from the database.
        true_stage = exc.deal.stage_id if exc.deal else origin
        touched = list(dict.fromkeys([origin, true_stage] + ([to_stage.pk] if to_stage else [])))
        return refused(
            request,
            exc,
            fragments=_columns_html(request, deal.pipeline, touched, with_cards=True),
            fallback_url=fallback,
        )
    return _moved(request, moved, origin=origin, fallback=fallback)


def _moved(request: HtmxHttpRequest, moved: Deal, *, origin: int, fallback: str) -> HttpResponse:
    """The answer to a move that was written: a redirect without htmx; with htmx the card and
    both column headers (a drag), or both columns (`mode=columns`, the keyboard control)."""
    message = _("Moved “%(deal)s” to %(stage)s.") % {"deal": moved, "stage": moved.stage}
    if not request.htmx:
        messages.success(request, message)
        return HttpResponseRedirect(fallback)
    stage_ids = [origin, moved.stage_id]
    if request.POST.get("mode") == "columns":
        response = HttpResponse(
            _columns_html(
                request, moved.pipeline, stage_ids, with_cards=True, arrived=moved.stage_id
            )
        )
        reswap(response, "none")
    else:
        card = card_html(card_get(moved.pk), card_ui(request, _stages(moved.pipeline)))
        response = HttpResponse(
            card + _columns_html(request, moved.pipeline, stage_ids, with_cards=False)
        )
    # After the swap settles, so that listeners find the card where it now is.
    return trigger_client_event(
        response,
        "stagecoach:deal-moved",
        {
            "deal": moved.pk,
            "from": origin,
            "to": moved.stage_id,
            "version": moved.version,
            # Announced in the board's live region.
            "message": message,
        },
        after="settle",
    )


def _stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.filter(is_active=True).order_by("position"))


def _close_view(request: HtmxHttpRequest, deal_id: int, *, won: bool) -> HttpResponse:
    try:
        deal = _deal_or_refuse(request, deal_id)
    except ServiceError as exc:
        return refused(request, exc)
    fallback = safe_next(request, request.POST.get("next"), _board_url(deal.pipeline))
    form = VersionForm(request.POST) if won else LoseForm(request.POST)
    if not form.is_valid():
        return refused(
            request,
            RuleViolation(form_errors_text(form), deal=deal),
            fragments=_columns_html(request, deal.pipeline, [deal.stage_id], with_cards=True),
            fallback_url=fallback,
        )
    try:
        if won:
            closed = services.deal_win(
                deal=deal,
                expected_version=form.cleaned_data["version"],
                actor=request.user,
                source="board",
            )
            text = _("“%(deal)s” is won. Well done!") % {"deal": deal}
        else:
            closed = services.deal_lose(
                deal=deal,
                expected_version=form.cleaned_data["version"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                source="board",
            )
            text = _("“%(deal)s” is marked as lost.") % {"deal": deal}
    except ServiceError as exc:
        return refused(
            request,
            exc,
            fragments=_columns_html(request, deal.pipeline, [deal.stage_id], with_cards=True),
            fallback_url=fallback,
        )
    if not request.htmx:
        messages.success(request, text)
        return HttpResponseRedirect(fallback)
    # The card leaves the board: an empty main swap removes it; the header shows new totals.
    response = HttpResponse(
        _columns_html(request, closed.pipeline, [closed.stage_id], with_cards=False)
        + toast(request, text, "success")
    )
    return trigger_client_event(
        response, "stagecoach:deal-closed", {"deal": closed.pk, "status": closed.status}
    )


@require_POST
@login_required
def deal_win(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _close_view(request, deal_id, won=True)


@require_POST
@login_required
def deal_lose(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _close_view(request, deal_id, won=False)


@require_http_methods(["POST"])
@login_required
def deal_quick_add(request: HtmxHttpRequest, pipeline_id: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id, is_active=True)
    form = QuickAddForm(request.POST)
    fallback = _board_url(pipeline)
    if not form.is_valid():
        return _quick_add_refused(request, pipeline, RuleViolation(form_errors_text(form)))
    data = form.cleaned_data
    try:
        deal = services.deal_quick_add(
            actor=request.user,
            pipeline=pipeline,
            stage_id=data["stage"],
            title=data["title"],
            value=data.get("value") or 0,
            currency=data.get("currency") or None,
            organization_name=data.get("organization") or "",
            expected_close_date=data.get("expected_close_date"),
            person_name=data.get("person") or "",
            person_is_decision_maker=bool(data.get("decision_maker")),
            note=data.get("note") or "",
        )
    except ServiceError as exc:
        return _quick_add_refused(request, pipeline, exc)
    stage = deal.stage
    text = _("Added “%(deal)s” to %(stage)s.") % {"deal": deal, "stage": stage}
    if not request.htmx:
        messages.success(request, text)
        return HttpResponseRedirect(fallback)
    response = HttpResponse(
        _columns_html(request, pipeline, [stage.pk], with_cards=True, arrived=stage.pk)
        + toast(request, text, "success")
    )
    reswap(response, "none")
    return response


def _quick_add_refused(
    request: HtmxHttpRequest, pipeline: Pipeline, exc: ServiceError
) -> HttpResponse:
    """htmx: a toast, the form keeps its input. Without JavaScript: the board again, the form
    open with what was typed and the reason (not a redirect that loses the input)."""
    if request.htmx:
        return refused(request, exc)
    pipelines = list(Pipeline.objects.filter(is_active=True).order_by("position", "id"))
    return _board_page(
        request,
        pipeline,
        pipelines,
        quick=request.POST.dict(),
        quick_error=exc.message,
        status=exc.status_code,
    )
