from django.urls import path

from . import system_views, taskbook_views, views

app_name = "assessment"
urlpatterns = [
    path("", views.schemes, name="schemes"),
    path("schemes/<int:pk>/", views.scheme_results, name="results"),
    path("schemes/<int:pk>/objects/<str:code>/", views.report_card, name="card"),
    path(
        "schemes/<int:pk>/objects/<str:code>/<str:indicator>/",
        views.score_detail,
        name="score",
    ),
    path("schemes/<int:pk>/entries/", views.entries, name="entries"),
    path("entries/files/<int:pk>/", views.entry_file, name="entry-file"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_form, name="rule-new"),
    path("rules/<int:pk>/", views.rule_form, name="rule-edit"),
    path("systems/", system_views.systems, name="systems"),
    path("systems/<int:pk>/", system_views.system_detail, name="system"),
    # Self-assessment (自评): the 挂图作战 board, task books, tasks.
    path("board/", taskbook_views.board, name="board"),
    path("books/", taskbook_views.books, name="books"),
    path("books/<int:pk>/", taskbook_views.book_detail, name="book"),
    path("tasks/<int:pk>/", taskbook_views.task_detail, name="task"),
    path("tasks/files/<int:pk>/", taskbook_views.task_file, name="task-file"),
]
