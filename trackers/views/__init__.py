"""Trackers views: coding.py (problem sets, problems, solves), interview.py (topics, questions,
answers)."""
