from django.urls import URLPattern, URLResolver, path

from budgets.views import cycle, proposals, results, tracking, voting

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
    # Voting and results (budgets-vote).
    path("budgets/<int:budget_id>/vote/", voting.vote_home, name="vote"),
    path("budgets/ballot/<int:heading_id>/", voting.ballot, name="ballot"),
    path("budgets/code/", voting.code_enter, name="code"),
    path("budgets/code/finish/", voting.code_finish, name="code_finish"),
    path("budgets/staff/", voting.staff_voting, name="staff_voting"),
    path("budgets/staff/paper/<int:heading_id>/", voting.paper_ballot, name="paper_ballot"),
    path("budgets/staff/<int:budget_id>/letters/", voting.code_letters, name="code_letters"),
    path("budgets/<int:budget_id>/results/", results.results, name="results"),
    path("budgets/results/<int:heading_id>.pb", results.heading_export, name="heading_export"),
]
