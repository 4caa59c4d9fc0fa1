"""The `mentorbot` command: serve, migrate the database, run the scheduler."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.importing import SheetColumns

log = logging.getLogger("mentorbot")

SETUP_HELP = """\
To create the Slack app:
  1. Go to https://api.slack.com/apps → Create New App → From a manifest, and paste manifest.yml
     (for HTTP mode, replace the example request URLs with your server's https://…/slack/events).
  2. Install the app to your workspace.
  3. Copy .env.example to .env and fill in:
       SLACK_BOT_TOKEN       OAuth & Permissions → Bot User OAuth Token (xoxb-…)
       SLACK_SIGNING_SECRET  Basic Information → App Credentials → Signing Secret
       SLACK_APP_TOKEN       Basic Information → App-Level Tokens, scope connections:write (xapp-…),
                             for Socket Mode only
  4. Run `make run` again (or `MODE=http make run` to serve HTTP on port 3000)."""

OAUTH_HELP = """\
To let many workspaces install Mentorbot:
  1. Create the app from manifest.yml, with your server's https://…/slack/oauth_redirect as its redirect URL.
  2. In .env set:
       SLACK_CLIENT_ID, SLACK_CLIENT_SECRET  Basic Information → App Credentials
       SLACK_SIGNING_SECRET                  Basic Information → App Credentials → Signing Secret
       MENTORBOT_SECRET_KEY                  encrypts installed tokens; make one with
         python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
  3. Run `mentorbot serve --http` and open https://…/slack/install to add Mentorbot to a workspace."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description="A Slack app that runs mentoring programs.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the bot (Socket Mode, or HTTP with --http)")
    serve.add_argument("--http", action="store_true", help="serve POST /slack/events and GET /healthz over HTTP")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--threads", type=int, default=16, help="HTTP worker threads")
    sandbox = commands.add_parser("sandbox", help="play a mentoring journey with a local stand-in for Slack")
    sandbox.add_argument("--interactive", action="store_true", help="stay up afterwards and take your commands")
    sandbox.add_argument(
        "--no-journey",
        action="store_true",
        help="stay up with everyone joined and nothing more played, for you to play",
    )
    sandbox.add_argument(
        "words", nargs="*", help="say|click|choose|fill|show USER …: act as a simulated person in a running sandbox"
    )
    run = commands.add_parser("run", help="serve with Slack tokens, or play the sandbox without them")
    run.add_argument("--http", action="store_true")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--threads", type=int, default=16)
    tick = commands.add_parser("tick", help="run one scheduler pass as of an instant, then exit")
    tick.add_argument("--now", type=_instant, help="ISO-8601 instant with offset (default: the real now)")
    commands.add_parser("scheduler", help="run the scheduler loop alone (no HTTP)")
    imports = commands.add_parser("import", help="preview a program's sign-up sheet (CSV or XLSX) and apply it")
    imports.add_argument("file", type=Path, help="the sheet: a form export or an HR export")
    imports.add_argument("--program", required=True, help="the program's name, e.g. new-hire-buddies")
    imports.add_argument("--team", default="", help="the workspace's team ID (needed with several workspaces)")
    imports.add_argument("--yes", action="store_true", help="apply without asking after the preview")
    imports.add_argument("--report", type=Path, help="write the per-row report (CSV) here")
    imports.add_argument(
        "--map",
        action="append",
        default=[],
        type=_column_choice,
        metavar="HEADER=TARGET",
        help="read the column with this header as TARGET (email, name, topics offered, q1 …, or ignore); repeatable",
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations")
    return parser


def _instant(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not an ISO-8601 instant, e.g. 2026-12-01T09:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{raw!r} needs a UTC offset, e.g. 2026-12-01T09:00:00+00:00")
    return moment


def _column_choice(raw: str) -> tuple[str, str]:
    header, given, target = raw.rpartition("=")
    if not given or not header.strip():
        raise argparse.ArgumentTypeError(f"{raw!r} needs the form HEADER=TARGET, e.g. 'Work email=email'")
    return header, target


def _columns_refused(columns: SheetColumns) -> list[str]:
    """What is wrong with the columns as the operator chose them (see the columns form in Slack)."""
    from bot.imports.mapping import clashes, identifies
    from bot.views.imports import NO_IDENTITY, clash_problem

    targets = [header.target for header in columns.headers]
    problems = [
        clash_problem(targets[position], f"“{columns.headers[earlier].label}”")
        for position, earlier in clashes(targets).items()
    ]
    return problems if identifies(targets) else [*problems, NO_IDENTITY]


def _import(settings: Settings, args: argparse.Namespace) -> int:
    """Preview the sheet, then apply it when the operator says yes (or with --yes)."""
    from bot.app import build
    from bot.clock import SystemClock
    from bot.importing import plan_import, sheet_columns
    from bot.imports.mapping import choices_named
    from bot.imports.preview import Status, report_csv
    from bot.imports.sheet import SheetRefused, read_sheet
    from bot.outbox import deliver
    from bot.programs import named_by, programs_of, view_of_program
    from bot.sheet_imports import apply_and_ask, workspace_directory
    from bot.views.imports import column_line

    missing = settings.missing_for_scheduler()
    if missing:
        return _missing(settings, missing)
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"mentorbot: can't read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    mentorbot = build(settings, SystemClock())
    try:
        try:
            team = args.team or mentorbot.tokens.only_team()
        except ValueError as several:
            print(f"mentorbot: {several}", file=sys.stderr)
            return 2
        client = mentorbot.tokens.resolver()(team)
        with mentorbot.services.db.reading() as session:
            programs = [view_of_program(p) for p in programs_of(session, team)]
        program = named_by(programs, args.program)
        if program is None:
            names = ", ".join(p.slug for p in programs) or "none yet"
            print(f"mentorbot: no program called {args.program!r} in {team}. Programs: {names}", file=sys.stderr)
            return 2
        try:
            sheet = read_sheet(data)
            with mentorbot.services.db.reading() as session:
                _, proposed = sheet_columns(session, team, program.id, sheet, {})
                choices, unknown = choices_named(proposed.headers, args.map, program.questions)
                _, columns = sheet_columns(session, team, program.id, sheet, choices)
            problems = [f"--map {m!r}: no such header or target" for m in unknown] + _columns_refused(columns)
            if problems:
                print("\n".join(f"mentorbot: {problem}" for problem in problems), file=sys.stderr)
                print("Headers: " + "; ".join(header.label for header in proposed.headers), file=sys.stderr)
                return 2
            print(f"Looking up {team}'s members in Slack…")
            directory = workspace_directory(mentorbot.services, team, client)
            with mentorbot.services.db.reading() as session:
                plan = plan_import(session, team, program.id, sheet, directory, choices)
        except SheetRefused as refused:
            print(f"mentorbot: {refused} Nothing was stored.", file=sys.stderr)
            return 2
        print("Columns:")
        for header in plan.columns.headers:
            print(f"  {column_line(header, program.questions) if header.target else header.label + ': not read'}")
        print(f"{program.name}: {plan.preview.summary}.")
        for row in plan.preview.rows:
            if row.status is not Status.READY:
                print(f"  row {row.row_number} ({row.status}): {'; '.join(row.reasons)}")
        print(f"Applying adds {len(plan.added)}, updates {len(plan.updated)}, leaves {plan.unchanged} unchanged.")
        for person in plan.updated:
            print(f"  {person.name} (row {person.row_number}): {', '.join(person.changed)}")
        if args.report:
            args.report.write_bytes(report_csv(plan.preview))
            print(f"Per-row report: {args.report}")
        if not (plan.added or plan.updated):
            print("Nothing to apply.")
            return 0
        if not args.yes and input("Apply it and ask each new person to confirm? [y/N] ").strip().lower() != "y":
            print("Nothing was stored or sent.")
            return 1
        invited = apply_and_ask(mentorbot.services, team, plan)
        deliver(mentorbot.services.db, mentorbot.tokens.resolver(), mentorbot.services.clock.now())
        print(f"Applied: {len(invited)} asked to confirm, {len(plan.updated)} updated.")
        return 0
    finally:
        mentorbot.close()


def _tick(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build
    from bot.clock import FixedClock, SystemClock
    from scheduler.runner import run_forever
    from scheduler.tick import run_tick

    missing = settings.missing_for_scheduler()
    if missing:
        return _missing(settings, missing)
    if args.command == "scheduler":
        mentorbot = build(settings, SystemClock())
        run_forever(mentorbot.services, mentorbot.tokens)
        return 0
    clock = FixedClock(args.now) if args.now else SystemClock()
    mentorbot = build(settings, clock)
    report = run_tick(mentorbot.services, mentorbot.tokens.resolver(), clock.now())
    print(f"tick at {clock.now().isoformat()}: {report.summary()}")
    mentorbot.close()
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    import tempfile
    import textwrap
    import threading

    from sandbox.remote import USAGE, send

    words = list(getattr(args, "words", []) or [])
    if words:
        return send(words)
    from sandbox.journey import join_everyone, play, started
    from sandbox.remote import serving

    yours = getattr(args, "no_journey", False)
    with tempfile.TemporaryDirectory() as folder, started(f"sqlite:///{folder}/sandbox.db") as sandbox:
        if yours:
            join_everyone(sandbox)
        else:
            play(sandbox)
        if not (yours or getattr(args, "interactive", False)):
            return 0
        with serving(sandbox):
            people = ", ".join(f"{uid} ({name})" for uid, name in sandbox.names.items() if uid.startswith("U"))
            print(
                "\nThe sandbox stays up. In another terminal, in any folder:\n"
                f"{USAGE}\n{textwrap.fill('People: ' + people, 80)}\nPress Ctrl-C to stop."
            )
            stop = threading.Event()
            # Handle both explicitly: a process started from a background job inherits SIGINT as ignored.
            for stop_signal in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop_signal, lambda *_: stop.set())
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    """`make run`: the real thing when Slack is configured, the sandbox when it is not."""
    if settings.oauth or (settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token)):
        return _serve(settings, args)
    missing = settings.missing_for_http()
    print(
        f"No Slack app configured ({' and '.join(missing)} not set), so here is the sandbox: the real app "
        "against a local stand-in for Slack.\n",
        file=sys.stderr,
    )
    code = _sandbox(args)
    print(f"\nReady for a real workspace?\n{SETUP_HELP}", file=sys.stderr)
    return code


def _missing(settings: Settings, names: list[str]) -> int:
    print(
        f"Mentorbot can't connect to Slack yet: {' and '.join(names)} "
        f"{'is' if len(names) == 1 else 'are'} not set.\n\n{OAUTH_HELP if settings.oauth else SETUP_HELP}",
        file=sys.stderr,
    )
    return 2


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build
    from bot.heap import freeze_startup_heap, limit_malloc_arenas
    from bot.installations import INSTALL_PATH

    # The OAuth install flow is served over HTTP, so many-workspace mode always serves HTTP.
    use_http = args.http or settings.oauth or not settings.slack_app_token
    missing = settings.missing_for_http() if use_http else settings.missing_for_socket_mode()
    if missing:
        return _missing(settings, missing)
    # Before `build` starts the request threads (each worker sets its own).
    limit_malloc_arenas()
    mentorbot = build(settings)
    # A stop request (SIGTERM from systemd, Docker, Kubernetes) unwinds like Ctrl-C, so the work already
    # acknowledged finishes and the worker processes stop with the server.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        mentorbot.offload.start()
        if settings.scheduler_enabled:
            from scheduler.runner import start_in_background

            start_in_background(mentorbot.services, mentorbot.tokens)
        if use_http:
            import waitress

            log.info("serving HTTP on %s:%d (POST /slack/events, GET /healthz)", args.host, args.port)
            if settings.oauth:
                log.info("workspaces install the app at GET %s", INSTALL_PATH)
            app = mentorbot.wsgi()
            freeze_startup_heap()
            waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="mentorbot")
            return 0
        from bot.socket_mode import SocketMode

        log.info("connecting to Slack in Socket Mode")
        handler = SocketMode(mentorbot.bolt, settings.slack_app_token)
        freeze_startup_heap()
        handler.start()
        return 0
    except KeyboardInterrupt:
        log.info("stopping: finishing the work already acknowledged")
        return 0
    finally:
        mentorbot.close()


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command in {"serve", "scheduler"} else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "db":
            from storage.migrate import upgrade

            upgrade(settings.database_url)
            print("database is up to date")
            return 0
        if args.command in {"tick", "scheduler"}:
            return _tick(settings, args)
        if args.command == "import":
            return _import(settings, args)
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "run":
            return _run(settings, args)
        return _serve(settings, args)
    except OperationalError as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        print(
            f"mentorbot: can't use the database at {where}: {str(error.orig).strip().splitlines()[0]}", file=sys.stderr
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
