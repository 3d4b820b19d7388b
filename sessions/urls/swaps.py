"""URLs of the swap form and the swap requests panel."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import swaps as views

urlpatterns: list[URLPattern] = [
    path("slots/<int:pk>/swap/", views.swap_create, name="swap_create"),
    path("labs/<slug:slug>/<int:number>/swaps/", views.swap_list, name="swap_list"),
    path("swaps/<int:pk>/accept/", views.swap_accept, name="swap_accept"),
    path("swaps/<int:pk>/decline/", views.swap_decline, name="swap_decline"),
    path("swaps/<int:pk>/cancel/", views.swap_cancel, name="swap_cancel"),
]
