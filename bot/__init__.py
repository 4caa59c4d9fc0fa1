"""Mentorbot's rules: matching, pairs, goals, check-ins, feedback and reports, with their views and due work.

Slack's framework appears only in the composition root (`app`, `cli`) and the Slack plumbing (`installations`,
`socket_mode`); `lint-imports` (the contracts in pyproject.toml) keeps every other module of `bot` free of it.
"""
