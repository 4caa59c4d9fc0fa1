"""Block Kit views: the only place that builds Slack blocks; user text is escaped and cut here."""
