"""Voting pages: where a voter votes, the ballot of a heading (checkboxes; a live remaining-budget
bar with JavaScript), a letter's code, and the staff's paper ballots and code letters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from budgets.letters import printable
from budgets.models import Budget, Heading, Voter
from budgets.selectors import own_ballot, voter_headings, voter_of
from budgets.services import voting
from civic.actors import Actor
from civic.errors import CivicError
from civic.models import District

CODE_VOTER = "budgets_code_voter"  # the session key of a redeemed letter code's voter


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Your voting code"),
        help_text=gettext_lazy("16 letters and digits, printed on your letter."),
        max_length=40,
    )


class LettersForm(forms.Form):
    count = forms.IntegerField(label=gettext_lazy("Number of letters"), min_value=1, max_value=5000)
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=District.objects.all(), required=False
    )


def _voter(request: HttpRequest, budget: Budget) -> Voter | None:
    """The voter of this visit: a redeemed letter code's, else the signed-in resident's."""
    code_voter = request.session.get(CODE_VOTER)
    if code_voter is not None:
        return Voter.objects.filter(pk=code_voter, budget=budget).first()
    if request.user.is_authenticated:
        return voter_of(user=request.user, budget=budget)
    return None


def _chosen(request: HttpRequest) -> set[int]:
    return {int(pk) for pk in request.POST.getlist("projects") if pk.isdigit()}


@require_GET
@never_cache
def vote_home(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=budget_id)
    voter = _voter(request, budget)
    headings = (
        [(h, own_ballot(voter=voter, heading=h) is not None) for h in voter_headings(voter)]
        if voter is not None
        else []
    )
    context = {
        "budget": budget,
        "voter": voter,
        "headings": headings,
        "by_code": CODE_VOTER in request.session,
    }
    return render(request, "budgets/vote_home.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def ballot(request: HttpRequest, heading_id: int) -> HttpResponse:
    heading = get_object_or_404(Heading.objects.select_related("budget"), pk=heading_id)
    voter = _voter(request, heading.budget)
    if voter is None or heading not in voter_headings(voter):
        return redirect("budgets:vote", budget_id=heading.budget_id)
    chosen = own_ballot(voter=voter, heading=heading)
    error = None
    if request.method == "POST":
        chosen = _chosen(request)
        try:
            voting.ballot_cast(
                actor=Actor.from_request(request), voter=voter, heading=heading, project_ids=chosen
            )
        except CivicError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Your ballot is recorded. You can change it until voting closes.")
            )
            return redirect("budgets:vote", budget_id=heading.budget_id)
    context = {
        "heading": heading,
        "budget": heading.budget,
        "projects": heading.projects.all(),
        "chosen": chosen or set(),
        "error": error,
    }
    return render(request, "budgets/ballot.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@never_cache
def code_enter(request: HttpRequest) -> HttpResponse:
    # A letter's QR code opens this page with the code filled in; only sending it uses it.
    form = CodeForm(request.POST or None, initial={"code": request.GET.get("code", "")[:40]})
    if form.is_valid():
        try:
            voter = voting.voting_code_redeem(
                actor=Actor.from_request(request), code=form.cleaned_data["code"]
            )
        except CivicError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.cycle_key()
            request.session[CODE_VOTER] = voter.pk
            return redirect("budgets:vote", budget_id=voter.budget_id)
    return render(
        request, "budgets/code_enter.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["POST"])
def code_finish(request: HttpRequest) -> HttpResponse:
    """A code voter leaves: nothing of the visit stays in the browser (a shared kiosk)."""
    request.session.flush()
    messages.success(request, _("Thank you for voting. Your code cannot be used again."))
    return redirect("budgets:code")


@permission_required("budgets.add_ballot")
@require_http_methods(["GET", "POST"])
@never_cache
def paper_ballot(request: HttpRequest, heading_id: int) -> HttpResponse:
    """Staff type in the paper ballots of the ballot box one by one (channel: paper)."""
    heading = get_object_or_404(Heading.objects.select_related("budget"), pk=heading_id)
    chosen: set[int] = set()
    error = None
    if request.method == "POST":
        chosen = _chosen(request)
        try:
            voting.paper_ballot_enter(
                actor=Actor.from_request(request), heading=heading, project_ids=chosen
            )
        except CivicError as exc:
            error = exc.message
        else:
            messages.success(request, _("Paper ballot recorded. Enter the next one."))
            return redirect("budgets:paper_ballot", heading_id=heading.pk)
    context = {
        "heading": heading,
        "budget": heading.budget,
        "projects": heading.projects.all(),
        "chosen": chosen,
        "error": error,
        "paper": True,
    }
    return render(request, "budgets/ballot.html", context, status=400 if error else 200)


@permission_required("budgets.add_voter")
@require_http_methods(["GET", "POST"])
@never_cache
def code_letters(request: HttpRequest, budget_id: int) -> HttpResponse:
    """Staff issue one-time codes and print the letters at once (only the hashes are kept)."""
    budget = get_object_or_404(Budget, pk=budget_id)
    form = LettersForm(request.POST or None)
    letters: list[Any] = []
    if form.is_valid():
        try:
            letters = voting.voting_codes_issue(
                actor=Actor.from_request(request), budget=budget, **form.cleaned_data
            )
        except CivicError as exc:
            form.add_error(None, exc.message)
    base = request.build_absolute_uri(reverse("budgets:code"))
    context = {
        "budget": budget,
        "form": form,
        "letters": [printable(letter, base) for letter in letters],
    }
    return render(request, "budgets/code_letters.html", context)


@permission_required("budgets.add_ballot")
@require_GET
def staff_voting(request: HttpRequest) -> HttpResponse:
    """Budget staff's voting desk: paper ballots to type in and code letters to print."""
    budgets = Budget.objects.filter(voting_closed=False).prefetch_related("headings")
    return render(request, "budgets/code_staff.html", {"budgets": budgets})
