from django.urls import path

from openmash.consent import transparency_views, views

app_name = "consent"
urlpatterns = [
    # Consent and lawful basis on a case (views.py)
    path("cases/<uuid:case_id>/", views.case_consent, name="case"),
    path("cases/<uuid:case_id>/record/", views.consent_new, name="record"),
    path("cases/<uuid:case_id>/lawful-basis/", views.lawful_basis_new, name="lawful-basis"),
    path("cases/<uuid:case_id>/ask-again/", views.ask_again, name="ask-again"),
    path("<uuid:consent_id>/withdraw/", views.consent_withdraw, name="withdraw"),
    # Disclosure log and transparency reports (transparency_views.py)
    path("disclosures/", transparency_views.disclosures, name="disclosures"),
    path(
        "people/<uuid:person_id>/transparency/", transparency_views.transparency_report, name="transparency"
    ),
    path(
        "people/<uuid:person_id>/transparency.pdf",
        transparency_views.transparency_report_pdf,
        name="transparency-pdf",
    ),
]
