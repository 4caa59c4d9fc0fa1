"""Turns time into service calls: one interval tick asks the database what is due and hands it to `bot/`."""
