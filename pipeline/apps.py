from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        from accounts.services import open_work_handover_register
        from pipeline.services.reassign import owner_reassign_open_work

        # Deactivating a user (an accounts service) hands their deals, leads and activities
        # to another user through this service.
        open_work_handover_register(owner_reassign_open_work)
