"""Residents' proposals: the form (no JavaScript needed; a failed attempt keeps everything,
photos included), a proposal's page, editing until review, supports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from budgets import services
from budgets.forms import ProposalForm
from budgets.models import Budget, Photo, Proposal
from budgets.selectors import public_photos
from budgets.services.photos import MAX_PHOTOS, draft_photos, photo_discard, photo_store_draft
from budgets.services.proposals import proposal_can_edit
from civic.actors import Actor
from civic.errors import CivicError, InvalidInput
from civic.forms import draft_token
from civic.photos import photo_clean


def _keep_photos(
    request: HttpRequest, draft: str, kept_before: int
) -> tuple[list[Photo], list[str]]:
    """Clean and keep this attempt's uploads with the earlier ones (server-side, under the
    form's token), minus those ticked for removal."""
    remove = {int(pk) for pk in request.POST.getlist("remove_photos") if pk.isdigit()}
    kept = []
    for photo in draft_photos(draft):
        if photo.pk in remove:
            photo_discard(photo)
        else:
            kept.append(photo)
    errors: list[str] = []
    for upload in request.FILES.getlist("photos"):
        if kept_before + len(kept) >= MAX_PHOTOS:
            errors.append(_("Send at most 3 photos."))
            break
        try:
            clean = photo_clean(upload, name=upload.name or "", size=upload.size)
        except InvalidInput as exc:
            errors.append(exc.message)
            continue
        kept.append(photo_store_draft(clean=clean, draft=draft, position=len(kept)))
    return kept, errors


def _form_page(
    request: HttpRequest, form: ProposalForm, photos: list[Photo], *, status: int, **extra: Any
) -> HttpResponse:
    form.set_photos(photos)
    return render(
        request,
        "budgets/proposal_form.html",
        {"form": form, "photos": photos, **extra},
        status=status,
    )


def _submit(request: HttpRequest, budget: Budget, proposal: Proposal | None) -> HttpResponse:
    draft = draft_token(request.POST.get("draft"))
    existing = list(proposal.photos.all()) if proposal else []
    removing = {int(pk) for pk in request.POST.getlist("remove_photos") if pk.isdigit()}
    existing_kept = [p for p in existing if p.pk not in removing]
    photos, errors = _keep_photos(request, draft, len(existing_kept))
    form = ProposalForm({**request.POST.dict(), "draft": draft})
    form.is_valid()
    for error in errors:
        form.add_error("photos", error)
    shown = existing_kept + photos
    context = {"budget": budget, "proposal": proposal}
    if form.errors:
        return _form_page(request, form, shown, status=400, **context)
    actor = Actor.from_request(request)
    try:
        if proposal is None:
            proposal = services.proposal_submit(
                actor=actor, budget=budget, **form.submission(), photos=photos
            )
        else:
            proposal = services.proposal_edit(
                actor=actor, proposal=proposal, **form.submission(), photos=photos,
                remove_photos=[p for p in existing if p.pk in removing],
            )  # fmt: skip
    except CivicError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _form_page(request, form, shown, status=400, **context)
    messages.success(
        request, _("Your proposal is published. Photos appear once faces are blurred.")
    )
    return redirect(proposal)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=pk)
    if budget.phase != Budget.Phase.PROPOSALS:
        messages.error(request, _("This budget does not take proposals now."))
        return redirect(budget)
    if request.method == "POST":
        return _submit(request, budget, None)
    form = ProposalForm(initial={"draft": draft_token(None)})
    return _form_page(request, form, [], status=200, budget=budget, proposal=None)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal.objects.select_related("budget"), pk=pk)
    if not proposal_can_edit(proposal, request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    if request.method == "POST":
        return _submit(request, proposal.budget, proposal)
    initial = {
        "title": proposal.title, "description": proposal.description,
        "estimated_cost": proposal.estimated_cost, "district": proposal.district_id,
        "lat": proposal.latitude, "lon": proposal.longitude, "draft": draft_token(None),
    }  # fmt: skip
    form = ProposalForm(initial=initial)
    photos = list(proposal.photos.all())
    return _form_page(request, form, photos, status=200, budget=proposal.budget, proposal=proposal)


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(
        Proposal.objects.select_related("budget", "district", "merged_into"), pk=pk
    )
    user = request.user
    context = {
        "proposal": proposal,
        "budget": proposal.budget,
        "photos": public_photos(proposal),
        "support_count": proposal.supports.count(),
        "has_supported": user.is_authenticated and proposal.supports.filter(user=user).exists(),
        "can_edit": proposal_can_edit(proposal, user if user.is_authenticated else None),
        "can_support": proposal.budget.phase in services.proposals.SUPPORT_PHASES
        and proposal.merged_into_id is None,
    }
    return render(request, "budgets/proposal.html", context)


@login_required
@require_POST
def proposal_support(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal.objects.select_related("budget"), pk=pk)
    actor = Actor.from_request(request)
    try:
        if request.POST.get("support") == "0":
            services.support_remove(actor=actor, proposal=proposal)
            messages.success(request, _("Your support is withdrawn."))
        else:
            services.support_add(actor=actor, proposal=proposal)
            messages.success(request, _("Thank you: your support is counted."))
    except CivicError as exc:
        messages.error(request, exc.message)
    return redirect(proposal)
