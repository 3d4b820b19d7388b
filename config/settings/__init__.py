"""Settings per environment: base, local (development), test and production."""
