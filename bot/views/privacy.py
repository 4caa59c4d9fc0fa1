"""`/mentor privacy`: what Mentorbot stores, who sees what, and the export and delete buttons."""

from __future__ import annotations

from bot.views.blocks import Message, actions, button, confirm_dialog, context, said, section

PRIVACY_EXPORT = "privacy.export"
PRIVACY_DELETE = "privacy.delete"
MY_DATA_FILE, MY_DATA_TITLE = "mentorbot-my-data.json", "My Mentorbot data"

PAGE = (
    "*What Mentorbot stores about you*\n"
    "• Your profile: role, topics, level, capacity, working hours and time zone, preferences, languages, "
    "department, and your do-not-match list\n"
    "• Your requests, pairs, agreements, goals, check-in answers and notes\n"
    "• Your evaluations, fit checks, thank-yous and help requests\n\n"
    "*Who sees what*\n"
    "• Your partner sees your shared goals, agreement and check-in answers, never your evaluations (unless you "
    "share them), fit-check answers, help requests or do-not-match list\n"
    "• Program admins see pairs and anonymous aggregates; groups under the anonymity threshold are hidden, and "
    "free-text answers never appear in reports. Help requests go to admins only\n"
    "• Celebrations and thank-yous reach the program channel only when you say so"
)


def privacy_message() -> Message:
    return Message(
        text="Your data in Mentorbot",
        blocks=[
            section(PAGE),
            actions(
                button("Export my data", PRIVACY_EXPORT),
                button(
                    "Delete my data",
                    PRIVACY_DELETE,
                    style="danger",
                    confirm=confirm_dialog(
                        "Delete your data?",
                        "Your pairs end, your profile and everything you wrote are removed. Anonymous counts stay.",
                        "Delete",
                        "Cancel",
                    ),
                ),
            ),
            context("Deleting can't be undone. You can join again later with a fresh profile."),
        ],
    )


def exported_message() -> Message:
    return Message(text="Here is everything Mentorbot stores about you, as a JSON file in your DM.")


def nothing_to_delete_message() -> Message:
    return Message(text="There's nothing stored about you to delete.")


def deleted_message() -> Message:
    return Message(
        text="Done: your data is deleted and your pairs have ended. Thank you for being part of the program."
    )


def partner_left_message(partner: str) -> Message:
    text = (
        f"Your mentoring pair with <@{partner}> has ended because they left the program. Thank you for the time "
        "you gave it; `/mentor find` is there whenever you'd like a new pair."
    )
    return said(text)
