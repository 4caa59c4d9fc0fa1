"""The program chart on admins' App Home: uploaded to Slack once per change of its figures, then shown by ID."""

from __future__ import annotations

import threading

from slack_sdk import WebClient

from bot.exports import ChartSeries, render_chart
from bot.slack import upload_private

CHART_TITLE = "Mentoring program over time"


class ChartFiles:
    """Each workspace's latest chart file, kept per process: figures that did not change are not drawn again."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[ChartSeries, str]] = {}
        self._lock = threading.Lock()

    def file_for(self, client: WebClient, team_id: str, series: ChartSeries) -> str:
        with self._lock:
            cached = self._files.get(team_id)
        if cached is not None and cached[0] == series:
            return cached[1]
        file_id = upload_private(client, "mentoring-program.png", render_chart(series), CHART_TITLE)
        with self._lock:
            self._files[team_id] = (series, file_id)
        return file_id
