"""Writes for sessions, one module per area: meetings (series, edits, conflicts), attendance
(RSVPs and attendance), places (locations, travel times, fair place), polls."""
