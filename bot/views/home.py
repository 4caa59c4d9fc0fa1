"""App Home: the person's dashboard, with the one button that moves them forward."""

from __future__ import annotations

from bot.profiles import Profile
from bot.views.blocks import Block, actions, button, context, divider, header, home, section
from bot.views.join import JOIN_OPEN, profile_fields


def home_view(profile: Profile | None) -> Block:
    if profile is None:
        return home(
            [
                header("Welcome to Mentorbot"),
                section(
                    "Mentorbot pairs mentors and mentees in this workspace, helps you agree how to work together, "
                    "and keeps the conversation going with gentle check-ins."
                ),
                section("Joining takes two minutes: tell us what you can help with or want to grow in."),
                actions(button("Join the program", JOIN_OPEN, style="primary")),
                context("Type `/mentor help` anywhere to see everything I can do."),
            ]
        )
    blocks: list[Block] = [header("Your mentoring")]
    if not profile.active:
        blocks.append(
            section(
                "You're paused: nobody will be matched with you. Your profile is kept, so coming back is one click."
            )
        )
        blocks.append(actions(button("Come back", JOIN_OPEN, style="primary")))
    blocks += [divider(), section("*Your profile*"), profile_fields(profile)]
    if profile.active:
        blocks.append(actions(button("Edit profile", JOIN_OPEN)))
    blocks.append(context("Type `/mentor help` anywhere to see everything I can do."))
    return home(blocks)
