"""Persistence: SQLAlchemy models, the unit of work and Alembic migrations (the only place that knows SQL)."""
