from django.urls import path

from pipeline.views import board, deals, settings

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
    path("deals/<int:deal_id>/activities/", deals.activity_add, name="activity_add"),
    path("activities/<int:activity_id>/done/", deals.activity_done, name="activity_done"),
    # Issue 5: admin settings for pipelines, stages and lost reasons.
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
]
