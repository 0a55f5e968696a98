from django.urls import path

from openmash.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("annex-a/", views.annex_a_page, name="annex-a"),
    path("annex-a/annex-a.xlsx", views.annex_a_xlsx, name="annex-a-xlsx"),
    path("annex-a/<slug:which>.csv", views.annex_a_csv, name="annex-a-csv"),
    path("agencies/<uuid:agency_id>/", views.agency_scorecard, name="scorecard"),
    path("monthly/", views.monthly_reports, name="monthly"),
    path("monthly/<int:year>-<int:month>.pdf", views.monthly_report_pdf, name="monthly-pdf"),
    path("<slug:slug>/", views.measure_page, name="measure"),
    path("<slug:slug>/export.xlsx", views.measure_xlsx, name="measure-xlsx"),
    path("<slug:slug>/<slug:table>.csv", views.measure_csv, name="measure-csv"),
]
