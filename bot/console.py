"""The offline console: type ``/segment`` text, read the replies as text, press buttons by their label.

Same registry, same replies as in Slack; only the delivery differs. Block Kit is rendered as plain
text (headers, sections and their fields, context lines, buttons as ``[Confirm] [Cancel]``); typing a
button's label presses it. Exports are written to files in the working directory.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.delivery import answer_safely
from commands.context import CommandContext
from commands.i18n import N_, Translator, translator
from commands.registry import Registry
from commands.reply import Reply

CONSOLE_USER = "UCONSOLE"
CONSOLE_CHANNEL = "CCONSOLE"
_QUIT = {"quit", "exit", "q"}
_SLASH = re.compile(r"^/segment\b\s*", re.IGNORECASE)
# Slack links and user/channel mentions in mrkdwn, shown as their label.
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<([@#!])([A-Z0-9^a-z]+)>")
# Bold as Slack reads it: the text between the stars neither starts nor ends with a space, so
# the stars of a cron field (`0 9 * * 1-5`) stay stars.
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]*[^*\s])\*(?![\w*])")
# Code blocks and code spans: Slack shows what is inside them as typed, `*` included.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
# Labels of the buttons segbot's replies carry; typed when no such button is showing, they must
# not fall through to a verb (`cancel` is also the verb that cancels a logged segment).
_CONFIRM, _CANCEL = N_("Confirm"), N_("Cancel")
_BUTTON_LABELS = (_CONFIRM, _CANCEL, N_("Next"), N_("Previous"))


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str


@dataclass
class Console:
    """A REPL over the registry for one caller (``ctx``)."""

    registry: Registry
    ctx: CommandContext
    files_dir: Path = field(default_factory=Path.cwd)
    buttons: dict[str, Button] = field(default_factory=dict)

    def handle(self, line: str) -> str:
        """Answer one typed line: a button label of the last reply, or ``/segment`` text."""
        typed = line.strip()
        button = self.buttons.get(typed.lower())
        unavailable = None if button is not None else self._absent_button(typed)
        if unavailable is not None:
            return unavailable
        if button is not None:
            reply = answer_safely(
                lambda: self.registry.handle_action(button.action_id, button.value, self.ctx),
                what=button.action_id,
            )
        else:
            text = _SLASH.sub("", typed)
            reply = answer_safely(lambda: self.registry.dispatch(text, self.ctx), what="console")
        return self.render(reply)

    def render(self, reply: Reply) -> str:
        """The reply as text; remembers its buttons so the next line can press one."""
        if reply.modal is not None:
            return self._render_modal(reply.modal.to_dict())
        blocks = [b.to_dict() for b in reply.blocks]
        self.buttons = _buttons_by_label(blocks)
        # A reply without blocks is mrkdwn too: shown as the user would read it in Slack.
        lines = list(_render_blocks(blocks, self._labels())) if blocks else [_plain(reply.text)]
        if reply.upload is not None:
            path = self.files_dir / Path(reply.upload.filename).name
            if reply.upload.path is not None:
                shutil.move(reply.upload.path, path)
            else:
                path.write_bytes(reply.upload.content)
            lines.append(self._tr._("(file '{title}' saved to {path})", title=reply.upload.title, path=path))
        if reply.visibility == "channel" or reply.announce:
            lines.insert(0, self._tr._("(posted in the channel)"))
        return "\n".join(lines)

    def run(self, lines: Iterable[str], out: TextIO, *, interactive: bool = False) -> None:
        """Read lines until they run out or the user types ``quit``."""
        if interactive:
            intro = self._tr._(
                "segbot console - type /segment text (e.g. `help`), a button label, or `quit`."
            )
            out.write(intro + "\n")
        for line in _prompted(lines, out, interactive):
            if line.strip().lower() in _QUIT:
                break
            if not line.strip():
                continue
            out.write(self.handle(line) + "\n\n")
            out.flush()

    @property
    def _tr(self) -> Translator:
        return translator(self.ctx.locale)

    def _absent_button(self, typed: str) -> str | None:
        """What to say when ``typed`` is the label of a button the last reply does not show."""
        tr = self._tr
        for label in _BUTTON_LABELS:
            if typed.lower() not in {label.lower(), tr._(label).lower()}:
                continue
            if label == _CONFIRM:
                return tr._("Nothing to confirm: no preview is waiting.")
            if label == _CANCEL:
                return tr._("Nothing to cancel: no preview is waiting.")
            return tr._("There is no [{label}] button in the last reply.", label=tr._(label))
        return None

    def _labels(self) -> dict[str, str]:
        # Button label as typed, keyed by action id + value, for rendering the same button by the same name.
        return {f"{b.action_id}\x00{b.value}": b.label for b in self.buttons.values()}

    def _render_modal(self, view: dict[str, Any]) -> str:
        self.buttons = {}
        title = _text(view.get("title"))
        fields = [_text(b.get("label")) for b in view.get("blocks", []) if b.get("type") == "input"]
        return self._tr._(
            "In Slack this opens the form '{title}' ({fields}).\n"
            'In the console, type it in one line instead: new "Description" <criteria> [options]',
            title=title,
            fields=", ".join(fields),
        )


def _prompted(lines: Iterable[str], out: TextIO, interactive: bool) -> Iterator[str]:
    iterator = iter(lines)
    while True:
        if interactive:
            out.write("segbot> ")
            out.flush()
        try:
            yield next(iterator)
        except StopIteration:
            return


def _buttons_by_label(blocks: list[dict[str, Any]]) -> dict[str, Button]:
    found = [
        Button(
            label=_text(b.get("text")), action_id=str(b.get("action_id", "")), value=str(b.get("value", ""))
        )
        for b in _walk_buttons(blocks)
    ]
    counts: dict[str, int] = {}
    for button in found:
        counts[button.label.lower()] = counts.get(button.label.lower(), 0) + 1
    by_label: dict[str, Button] = {}
    seen: dict[str, int] = {}
    for button in found:
        key = button.label.lower()
        if counts[key] > 1:
            # Several "Show" buttons (one per segment): number them so each can be pressed.
            seen[key] = seen.get(key, 0) + 1
            button = Button(f"{button.label} {seen[key]}", button.action_id, button.value)
        by_label[button.label.lower()] = button
    return by_label


def _walk_buttons(node: Any) -> Iterator[dict[str, Any]]:
    """The buttons of a Block Kit payload, in reading order (a button's own text is no button)."""
    children: Any = ()
    if isinstance(node, dict):
        if node.get("type") == "button":
            yield node
        else:
            children = node.values()
    elif isinstance(node, list):
        children = node
    for child in children:
        yield from _walk_buttons(child)


def _render_blocks(blocks: list[dict[str, Any]], labels: dict[str, str]) -> Iterator[str]:
    def button_text(button: dict[str, Any]) -> str:
        key = f"{button.get('action_id', '')}\x00{button.get('value', '')}"
        return f"[{labels.get(key, _text(button.get('text')))}]"

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            yield title
            yield "=" * min(len(title), 60)
        elif kind == "section":
            text = _text(block.get("text"))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                text = f"{text}  {button_text(accessory)}".strip()
            if text:
                yield text
            for item in block.get("fields") or []:
                yield f"  {_text(item)}"
        elif kind == "context":
            yield "  " + " · ".join(_text(e) for e in block.get("elements", []) if e.get("type") != "image")
        elif kind == "divider":
            yield "-" * 40
        elif kind == "actions":
            rendered = [button_text(e) for e in block.get("elements", []) if e.get("type") == "button"]
            if rendered:
                yield " ".join(rendered)
        else:
            text = " ".join(_all_texts(block))
            if text:
                yield text


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return _plain(str(obj.get("text", "")))
    return _plain(str(obj or ""))


def _plain(text: str) -> str:
    text = _LINK.sub(lambda m: (m.group(1)[0] if m.group(1)[0] in "@#" else "") + m.group(2), text)
    text = _MENTION.sub(r"\1\2", text)
    # Odd pieces are code (re.split keeps the captured separators): bold is undone only outside.
    pieces = _CODE.split(text)
    text = "".join(piece if i % 2 else _BOLD.sub(r"\1", piece) for i, piece in enumerate(pieces))
    # Slack's mrkdwn escapes; the console shows what the user would read.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _all_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield _plain(node["text"])
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from _all_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _all_texts(item)
