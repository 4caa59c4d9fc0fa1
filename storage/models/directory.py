"""The workspace's members as the app keeps them for imports: filled from `users.list`, kept current by events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class DirectoryMember(Base):
    """One Slack member of a workspace: how an imported sheet's names, emails and handles are found."""

    __tablename__ = "directory_members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    real_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    display_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    deleted: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    is_bot: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    updated_at: Mapped[datetime]
