"""Writes on reports, by concern. Each service takes a keyword-only ``actor`` and owns its
invariants; callers import them from here (``from reports import services``)."""

from __future__ import annotations

from reports.services.photos import (  # noqa: F401
    MAX_PHOTOS,
    DraftPhotos,
    draft_photos,
    draft_photos_update,
    photo_anonymise,
    photo_store_draft,
    photos_sweep,
)
from reports.services.residents import (  # noqa: F401
    EDIT_WINDOW_MINUTES,
    FIXED_QUESTION_AFTER_DAYS,
    SWEEP_BATCH,
    area_alert_create,
    area_alerts_digest,
    fixed_question_answer,
    fixed_question_sweep,
    report_edit,
    report_follow,
    report_name_hide,
    report_support,
    report_unfollow,
    report_withdraw,
)
from reports.services.submission import (  # noqa: F401
    MAX_DESCRIPTION,
    idempotency_hash,
    report_confirm,
    report_for_idempotency_key,
    report_open_for_staff,
    report_rate_count,
    report_rate_limited,
    report_sending_refusal,
    report_submit,
    route,
)
from reports.services.tokens import (  # noqa: F401
    TooManyRequests,
    confirm_token,
    fixed_question_token,
    manage_link_expired,
    manage_links_send,
    manage_token,
    report_for_question_token,
    report_for_token,
)
from reports.services.triage import (  # noqa: F401
    StaffEdit,
    assignable_to,
    report_add_update,
    report_assign,
    report_change_status,
    report_hide,
    report_language,
    report_mark_duplicate,
    report_place,
    report_recategorise,
    report_staff_edit,
    reports_visible_to,
    response_text,
    staff_name,
)
