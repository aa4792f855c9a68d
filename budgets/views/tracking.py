"""What became of the projects: selected projects with where they stand, as a list and a map
(the list works without JavaScript), and each project's milestones."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from budgets.models import Project
from budgets.selectors import public_photos, selected_projects


def tracking(request: HttpRequest) -> HttpResponse:
    rows = selected_projects()
    pins = [
        {"lat": row["lat"], "lon": row["lon"], "title": row["title"], "url": row["url"]}
        for row in rows
        if row["lat"] is not None
    ]
    return render(request, "budgets/tracking.html", {"rows": rows, "pins": pins})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.select_related("heading__budget"), pk=pk)
    if not any(row["project"] == project for row in selected_projects(project.heading.budget)):
        raise Http404
    milestones = list(project.milestones.prefetch_related("photos"))
    context = {
        "project": project,
        "budget": project.heading.budget,
        "proposal": getattr(project, "proposal", None),
        "milestones": [(m, public_photos(m)) for m in milestones],
        "latest": milestones[0] if milestones else None,
    }
    return render(request, "budgets/project.html", context)
