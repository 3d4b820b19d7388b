"""Pages for sessions, one module per area."""
