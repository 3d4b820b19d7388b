"""Member pages: accounts, the language switch and the settings page."""

from __future__ import annotations

from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("i18n/language/", views.set_language, name="set_language"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/tokens/", views.token_create, name="token_create"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
