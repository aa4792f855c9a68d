"""Results pages: what each heading funds, by how many votes, how the voters' shares paid (Equal
Shares), who turned out, staff decisions with their public reasons, and the ``.pb`` export."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from budgets.models import Budget, Heading
from budgets.selectors import (
    heading_as_pabulib,
    heading_result_rows,
    turnout_by_age,
    turnout_by_district,
)
from budgets.services import heading_outcome
from civic.charts import bar_chart


@require_GET
def results(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=budget_id)
    if not budget.voting_closed:
        return render(request, "budgets/results_pending.html", {"budget": budget})
    headings = []
    for heading in budget.headings.select_related("district"):
        rows = heading_result_rows(
            heading, heading_outcome(heading=heading, rule=budget.counting_rule)
        )
        paid: list[tuple[str, float | None, str]] = [
            (row.title, float(row.payers), "") for row in rows if row.paid_by
        ]
        headings.append(
            {
                "heading": heading,
                "rows": rows,
                "chart": bar_chart(paid) if paid else None,
                "chart_id": f"shares-{heading.pk}",
            }
        )
    context = {
        "budget": budget,
        "headings": headings,
        "by_district": turnout_by_district(budget),
        "by_age": turnout_by_age(budget),
    }
    return render(request, "budgets/results.html", context)


@require_GET
def heading_export(request: HttpRequest, heading_id: int) -> HttpResponse:
    """The heading's anonymous ballots as a pabulib file, once voting has closed."""
    heading = get_object_or_404(Heading.objects.select_related("budget"), pk=heading_id)
    if not heading.budget.voting_closed:
        raise Http404
    response = HttpResponse(heading_as_pabulib(heading), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="budget-{heading.budget_id}-heading-{heading.pk}.pb"'
    )
    return response
