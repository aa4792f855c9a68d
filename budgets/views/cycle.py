"""Public pages of a budget's cycle: the list of budgets, and each budget's phase page (what
residents can do now and until when, its proposals)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from budgets import services
from budgets.models import Budget, Subscription
from budgets.selectors import budgets_public, phase_timeline, proposals_public
from civic.actors import Actor


def budget_list(request: HttpRequest) -> HttpResponse:
    return render(request, "budgets/index.html", {"budgets": budgets_public()})


def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=pk)
    user = request.user
    context = {
        "budget": budget,
        "timeline": phase_timeline(budget),
        "proposals": proposals_public(budget)[:100],
        "is_following": user.is_authenticated
        and Subscription.objects.filter(budget=budget, user=user).exists(),
    }
    return render(request, "budgets/budget.html", context)


@login_required
@require_POST
def budget_follow(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=pk)
    follow = request.POST.get("follow") == "1"
    services.budget_follow(actor=Actor.from_request(request), budget=budget, follow=follow)
    if follow:
        messages.success(request, _("You follow this budget: we will write to you at each step."))
    else:
        messages.success(request, _("You no longer follow this budget."))
    return redirect(budget)
