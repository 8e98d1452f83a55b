"""What the API reads and writes. Response serializers mirror the models; request
serializers list exactly what a client may send, and ids go through visibility selectors."""

from pipeline.api.serializers.activities import (
    ActivityCreateSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
)
from pipeline.api.serializers.config import (
    ColleagueSerializer,
    LostReasonSerializer,
    PipelineSerializer,
    StageSerializer,
    UserSerializer,
)
from pipeline.api.serializers.contacts import (
    OrganizationPatchSerializer,
    OrganizationSerializer,
    OrganizationWriteSerializer,
    PersonPatchSerializer,
    PersonSerializer,
    PersonWriteSerializer,
)
from pipeline.api.serializers.deals import (
    DealCreateSerializer,
    DealLoseSerializer,
    DealMoveSerializer,
    DealSerializer,
    DealUpdateSerializer,
    NoteCreateSerializer,
    NoteSerializer,
    StageChangeSerializer,
    VersionSerializer,
)
from pipeline.api.serializers.errors import (
    DuplicateErrorSerializer,
    ErrorSerializer,
    ExistingRecordSerializer,
    RuleErrorSerializer,
)
from pipeline.api.serializers.leads import (
    LeadConvertSerializer,
    LeadCreateSerializer,
    LeadSerializer,
)

__all__ = [
    "ActivityCreateSerializer",
    "ActivitySerializer",
    "ActivityUpdateSerializer",
    "ColleagueSerializer",
    "DealCreateSerializer",
    "DealLoseSerializer",
    "DealMoveSerializer",
    "DealSerializer",
    "DealUpdateSerializer",
    "DuplicateErrorSerializer",
    "ErrorSerializer",
    "ExistingRecordSerializer",
    "LeadConvertSerializer",
    "LeadCreateSerializer",
    "LeadSerializer",
    "LostReasonSerializer",
    "NoteCreateSerializer",
    "NoteSerializer",
    "OrganizationPatchSerializer",
    "OrganizationSerializer",
    "OrganizationWriteSerializer",
    "PersonPatchSerializer",
    "PersonSerializer",
    "PersonWriteSerializer",
    "PipelineSerializer",
    "RuleErrorSerializer",
    "StageChangeSerializer",
    "StageSerializer",
    "UserSerializer",
    "VersionSerializer",
]
