from django.urls import path

from openmash.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("sign-in/code/", views.two_factor, name="two-factor"),
    path("account/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/recovery-codes/", views.two_factor_recovery, name="two-factor-recovery"),
    path("home/<slug:role_slug>/", views.role_home, name="role-home"),
    path("role/", views.switch_role, name="switch-role"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/grants/", views.role_grants, name="role-grants"),
    path("users/grants/<uuid:grant_id>/", views.role_grant_decide, name="role-grant-decide"),
    path("users/<uuid:user_id>/roles/", views.user_roles, name="user-roles"),
    path("users/<uuid:user_id>/two-factor/reset/", views.user_mfa_reset, name="user-mfa-reset"),
]
