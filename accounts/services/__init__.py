"""Writes for users, teams, company settings and personal API tokens.

Every service checks its actor, runs in one transaction and sends mail only after commit.
Errors are the same `ServiceError` classes the pipeline uses, so views and the API answer
them the same way (403, 404, 422 with a message for the user).
"""

from accounts.services.company import company_settings_update, team_create, team_update
from accounts.services.preferences import user_set_preferences
from accounts.services.tokens import (
    TOKEN_PREFIX,
    TOKEN_TOUCH_SECONDS,
    api_token_authenticate,
    api_token_create,
    api_token_hash,
    api_token_revoke,
)
from accounts.services.users import (
    INVITATION_MAX_ATTEMPTS,
    DeactivationResult,
    OpenWork,
    OpenWorkHandover,
    email_queue,
    email_send,
    invitation_backoff,
    open_work_handover_register,
    set_password_url,
    user_deactivate,
    user_invitation_send,
    user_invite,
    user_invite_resend,
    user_reactivate,
    user_update,
)

__all__ = [
    "INVITATION_MAX_ATTEMPTS",
    "TOKEN_PREFIX",
    "TOKEN_TOUCH_SECONDS",
    "DeactivationResult",
    "OpenWork",
    "OpenWorkHandover",
    "api_token_authenticate",
    "api_token_create",
    "api_token_hash",
    "api_token_revoke",
    "company_settings_update",
    "email_queue",
    "email_send",
    "invitation_backoff",
    "open_work_handover_register",
    "set_password_url",
    "team_create",
    "team_update",
    "user_deactivate",
    "user_invitation_send",
    "user_invite",
    "user_invite_resend",
    "user_reactivate",
    "user_set_preferences",
    "user_update",
]
