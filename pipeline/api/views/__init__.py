"""API views: parse with a serializer, call one service or selector, serialize.

Every queryset comes from `pipeline.selectors.visibility` (404 for what the caller may not
see); every write goes through `pipeline.services` (403/409/422 from the service errors).
"""

from pipeline.api.views.activities import ActivityApi
from pipeline.api.views.config import LostReasonApi, PipelineApi, StageApi, StageChangeApi, UserApi
from pipeline.api.views.contacts import OrganizationApi, PersonApi
from pipeline.api.views.deals import DealApi
from pipeline.api.views.leads import LeadApi

__all__ = [
    "ActivityApi",
    "DealApi",
    "LeadApi",
    "LostReasonApi",
    "OrganizationApi",
    "PersonApi",
    "PipelineApi",
    "StageApi",
    "StageChangeApi",
    "UserApi",
]
