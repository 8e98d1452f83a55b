from django.urls import path

from pipeline.views import board, deals, exports, imports

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
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:job_id>/", imports.import_job, name="import_job"),
    path("imports/<int:job_id>/apply/", imports.import_apply, name="import_apply"),
    path("imports/<int:job_id>/matches/", imports.import_matches, name="import_matches"),
    path("imports/<int:job_id>/progress/", imports.import_progress_view, name="import_progress"),
    path("exports/<str:kind>.<str:fmt>", exports.export, name="export"),
]
