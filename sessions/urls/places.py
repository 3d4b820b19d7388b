"""URLs of the places pages (names are a contract)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import places as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/places/", views.places, name="places"),
    path("labs/<slug:slug>/places/new/", views.place_create, name="place_create"),
    path("labs/<slug:slug>/places/travel-times/", views.travel_times, name="travel_times"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("places/<int:pk>/delete/", views.place_delete, name="place_delete"),
    path("meetings/<int:pk>/place-suggestion/", views.place_suggestion, name="place_suggestion"),
    path("settings/home-area/", views.home_area, name="home_area"),
]
