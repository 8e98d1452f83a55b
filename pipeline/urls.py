from django.urls import path

from pipeline.views import (
    activities,
    board,
    contacts,
    currencies,
    deals,
    exports,
    goals,
    imports,
    leads,
)
from pipeline.views import (
    stages as settings,
)

app_name = "pipeline"

urlpatterns = [
    path("", board.board, name="board_default"),
    path("pipelines/<int:pipeline_id>/", board.board, name="board"),
    path("pipelines/<int:pipeline_id>/poll/", board.board_poll, name="board_poll"),
    path(
        "pipelines/<int:pipeline_id>/stages/<int:stage_id>/cards/",
        board.column_more,
        name="column_more",
    ),
    path("pipelines/<int:pipeline_id>/deals/new/", board.deal_quick_add, name="deal_quick_add"),
    path("deals/<int:deal_id>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/move/", board.deal_move, name="deal_move"),
    path("deals/<int:deal_id>/win/", board.deal_win, name="deal_win"),
    path("deals/<int:deal_id>/lose/", board.deal_lose, name="deal_lose"),
    path("deals/<int:deal_id>/reopen/", deals.deal_reopen, name="deal_reopen"),
    path("deals/<int:deal_id>/notes/", deals.deal_note, name="deal_note"),
    # People, organizations, leads, activities.
    path("people/", contacts.people, name="people"),
    path("people/new/", contacts.person_new, name="person_new"),
    path("people/<int:person_id>/", contacts.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", contacts.person_edit, name="person_edit"),
    path("organizations/", contacts.organizations, name="organizations"),
    path("organizations/new/", contacts.organization_new, name="organization_new"),
    path(
        "organizations/<int:organization_id>/",
        contacts.organization_detail,
        name="organization_detail",
    ),
    path(
        "organizations/<int:organization_id>/edit/",
        contacts.organization_edit,
        name="organization_edit",
    ),
    path("contacts/<str:kind>/<int:pk>/notes/", contacts.contact_note, name="contact_note"),
    path("leads/", leads.lead_inbox, name="lead_inbox"),
    path("leads/new/", leads.lead_new, name="lead_new"),
    path("leads/<int:lead_id>/convert/", leads.lead_convert, name="lead_convert"),
    path("leads/<int:lead_id>/archive/", leads.lead_archive, name="lead_archive"),
    path("leads/<int:lead_id>/restore/", leads.lead_restore, name="lead_restore"),
    path("leads/<int:lead_id>/park/", leads.lead_park, name="lead_park"),
    path("leads/<int:lead_id>/unpark/", leads.lead_unpark, name="lead_unpark"),
    path("deals/<int:deal_id>/park/", leads.deal_park, name="deal_park"),
    path("deals/<int:deal_id>/unpark/", leads.deal_unpark, name="deal_unpark"),
    path("activities/", activities.my_activities, name="my_activities"),
    path("activities/calendar/", activities.activity_calendar, name="activity_calendar"),
    path("activities/goals/", activities.activity_goals, name="activity_goals"),
    path("activities/schedule/", activities.activity_schedule, name="activity_schedule"),
    path("activities/feed/", activities.calendar_feed_settings, name="calendar_feed_settings"),
    path("activities/<int:activity_id>/", activities.activity_detail, name="activity_detail"),
    path(
        "activities/<int:activity_id>/finish/", activities.activity_finish, name="activity_finish"
    ),
    path(
        "activities/<int:activity_id>/reschedule/",
        activities.activity_reschedule,
        name="activity_reschedule",
    ),
    path(
        "activities/<int:activity_id>/reopen/", activities.activity_reopen, name="activity_reopen"
    ),
    path("calendar/<str:token>.ics", activities.calendar_feed, name="calendar_feed"),
    # Goals: one page for every kind of goal.
    path("goals/", goals.goal_list, name="goals"),
    path("goals/new/", goals.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", goals.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/delete/", goals.goal_delete, name="goal_delete"),
    # Admin settings for pipelines, stages and lost reasons.
    path("settings/pipelines/", settings.pipeline_list, name="settings_pipelines"),
    path(
        "settings/pipelines/<int:pipeline_id>/",
        settings.pipeline_detail,
        name="settings_pipeline",
    ),
    path(
        "settings/pipelines/<int:pipeline_id>/archive/",
        settings.pipeline_archive,
        name="settings_pipeline_archive",
    ),
    path(
        "settings/pipelines/<int:pipeline_id>/stages/",
        settings.stage_add,
        name="settings_stage_add",
    ),
    path(
        "settings/pipelines/<int:pipeline_id>/stages/order/",
        settings.stage_reorder,
        name="settings_stage_reorder",
    ),
    path("settings/stages/<int:stage_id>/", settings.stage_edit, name="settings_stage"),
    path("settings/stages/<int:stage_id>/step/", settings.stage_step, name="settings_stage_step"),
    path(
        "settings/stages/<int:stage_id>/archive/",
        settings.stage_archive,
        name="settings_stage_archive",
    ),
    path(
        "settings/stages/<int:stage_id>/restore/",
        settings.stage_restore,
        name="settings_stage_restore",
    ),
    path("settings/lost-reasons/", settings.lost_reason_list, name="settings_lost_reasons"),
    path(
        "settings/lost-reasons/<int:reason_id>/",
        settings.lost_reason_edit,
        name="settings_lost_reason",
    ),
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:job_id>/", imports.import_job, name="import_job"),
    path("imports/<int:job_id>/apply/", imports.import_apply, name="import_apply"),
    path("imports/<int:job_id>/matches/", imports.import_matches, name="import_matches"),
    path("imports/<int:job_id>/discard/", imports.import_discard, name="import_discard"),
    path("imports/<int:job_id>/progress/", imports.import_progress_view, name="import_progress"),
    path("exports/<str:kind>.<str:fmt>", exports.export, name="export"),
    # Currencies and exchange rates.
    path("settings/currencies/", currencies.currency_settings, name="settings_currencies"),
    path("settings/currencies/<str:code>/", currencies.currency_edit, name="settings_currency"),
]
