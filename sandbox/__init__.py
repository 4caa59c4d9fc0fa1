"""Mentorbot without a Slack workspace: a local stand-in for the Slack Web API, shared by tests and the sandbox."""
