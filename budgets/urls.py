from django.urls import URLPattern, URLResolver, path

from budgets.views import cycle, proposals, tracking

app_name = "budgets"
urlpatterns: list[URLPattern | URLResolver] = [
    # The cycle, proposals and tracking (budgets-propose).
    path("budgets/", cycle.budget_list, name="index"),
    path("budgets/<int:pk>/", cycle.budget_detail, name="budget"),
    path("budgets/<int:pk>/follow/", cycle.budget_follow, name="follow"),
    path("budgets/<int:pk>/propose/", proposals.proposal_create, name="propose"),
    path("budgets/proposals/<int:pk>/", proposals.proposal_detail, name="proposal"),
    path("budgets/proposals/<int:pk>/edit/", proposals.proposal_edit, name="proposal-edit"),
    path("budgets/proposals/<int:pk>/support/", proposals.proposal_support, name="support"),
    path("budgets/projects/", tracking.tracking, name="tracking"),
    path("budgets/projects/<int:pk>/", tracking.project_detail, name="project"),
]
