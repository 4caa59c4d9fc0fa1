"""Test doubles that speak real HTTP: a fake Slack Web API and a signed-request client for the bot."""
