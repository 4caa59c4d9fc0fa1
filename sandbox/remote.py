"""Acting as anyone in a running `mentorbot sandbox --interactive` from another terminal, in any folder: the sandbox
listens on 127.0.0.1 and leaves its address in a state file at a fixed per-user place."""

from __future__ import annotations

import getpass
import io
import json
import os
import secrets
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.forms import FormError

if TYPE_CHECKING:
    from sandbox.journey import Sandbox

STATE_ENV = "MENTORBOT_SANDBOX_STATE"
USAGE = """\
Act as anyone (an ID such as UKIM, or a name such as Kim):
  mentorbot sandbox say UKIM "/mentor find"
      type a command; without /mentor, write to Mentorbot in their DM
  mentorbot sandbox click UKIM "Request"
      click a button (its label or action_id) on the latest message with it
  mentorbot sandbox choose UANA "Mark a milestone done" "outline ready"
      pick an option from a menu
  mentorbot sandbox fill UKIM "Field label=value" …
      fill in the modal open for them and send it (choices by their text)
  mentorbot sandbox show UKIM
      what they see now: their open modal and their last messages"""


def state_file() -> Path:
    """Where a running interactive sandbox leaves its address: `$MENTORBOT_SANDBOX_STATE`, else a per-user file
    in `$XDG_RUNTIME_DIR` or the system's temporary folder (never the current folder)."""
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "mentorbot-sandbox.json"
    return Path(tempfile.gettempdir()) / f"mentorbot-sandbox-{getpass.getuser()}.json"


def perform(sandbox: Sandbox, words: list[str]) -> int:
    """Do what `mentorbot sandbox VERB USER …` asks, printing the transcript of it; the exit code."""
    verb, rest = (words[0], words[1:]) if words else ("", [])
    if verb not in {"say", "click", "choose", "fill", "show"} or not rest:
        sandbox.say(USAGE)
        return 2
    try:
        user_id, args = sandbox.screens.person(rest[0]), rest[1:]
        if verb == "say" and len(args) == 1:
            text = args[0].strip()
            if text.startswith("/mentor"):
                sandbox.command(user_id, text.removeprefix("/mentor").strip())
            else:
                sandbox.write(user_id, text)
        elif verb == "click" and len(args) == 1:
            sandbox.click(user_id, args[0])
        elif verb == "choose" and len(args) == 2:
            sandbox.choose(user_id, args[0], args[1])
        elif verb == "fill" and all("=" in entry for entry in args):
            entries = dict(entry.split("=", 1) for entry in args)
            return 0 if sandbox.fill(user_id, {k.strip(): v.strip() for k, v in entries.items()}) else 1
        elif verb == "show" and not args:
            sandbox.look(user_id)
        else:
            sandbox.say(USAGE)
            return 2
    except (LookupError, FormError) as problem:
        sandbox.say(str(problem))
        return 2
    return 0


@contextmanager
def serving(sandbox: Sandbox) -> Iterator[Path]:
    """Take `mentorbot sandbox VERB …` from other terminals while inside; yields the state file's path."""
    key = secrets.token_hex(16)
    # A person reads the answer after each step: wait for slower answers, so they arrive under the step that
    # caused them.
    sandbox.quiet, sandbox.patience = 0.5, 5.0

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            asked = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if not secrets.compare_digest(str(asked.get("key")), key):
                self.send_error(403)
                return
            # One request at a time (HTTPServer has one thread), so the transcript can be borrowed for it.
            terminal, sandbox.out = sandbox.out, io.StringIO()
            try:
                code = perform(sandbox, [str(word) for word in asked.get("words", [])])
                output = sandbox.out.getvalue()
            finally:
                sandbox.out = terminal
            # The sandbox's own terminal tells the whole story, whoever acted.
            print(output, end="", file=terminal, flush=True)
            body = json.dumps({"code": code, "output": output}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    path = state_file()
    state = json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}/", "key": key})
    # Only this user may drive the sandbox: the key is in a file only they can read.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(state)
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()
        # Leave a state file that a newer sandbox wrote in the meantime.
        if path.exists() and path.read_text() == state:
            path.unlink()


def send(words: list[str]) -> int:
    """`mentorbot sandbox VERB USER …` in another terminal: hand it to the running sandbox, print what happened."""
    path = state_file()
    try:
        state = json.loads(path.read_text())
        asked = json.dumps({"key": state["key"], "words": words}).encode()
        request = urllib.request.Request(state["url"], data=asked, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            answer = json.loads(reply.read())
    except (OSError, ValueError, KeyError):
        print(f"No sandbox is running (looked at {path}). Start one with `mentorbot sandbox --interactive`.")
        return 2
    print(answer["output"], end="")
    return int(answer["code"])
