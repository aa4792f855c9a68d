from django.urls import URLPattern, URLResolver, path

from budgets.views import results, voting

app_name = "budgets"
urlpatterns: list[URLPattern | URLResolver] = [
    path("budgets/<int:budget_id>/vote/", voting.vote_home, name="vote"),
    path("budgets/ballot/<int:heading_id>/", voting.ballot, name="ballot"),
    path("budgets/code/", voting.code_enter, name="code"),
    path("budgets/code/finish/", voting.code_finish, name="code_finish"),
    path("budgets/staff/paper/<int:heading_id>/", voting.paper_ballot, name="paper_ballot"),
    path("budgets/staff/<int:budget_id>/letters/", voting.code_letters, name="code_letters"),
    path("budgets/<int:budget_id>/results/", results.results, name="results"),
    path("budgets/results/<int:heading_id>.pb", results.heading_export, name="heading_export"),
]
