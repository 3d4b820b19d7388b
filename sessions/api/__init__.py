"""REST API for sessions, one module per area; config/api.py registers the viewsets."""
