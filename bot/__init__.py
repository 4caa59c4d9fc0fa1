"""Mentorbot's rules: matching, pairs, goals, check-ins, feedback and reports (no Slack framework here)."""
