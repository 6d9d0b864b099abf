"""`language [en|it]`: which language segbot answers in, and the workspace's default for admins.

Each user gets replies in their own Slack language when segbot has a catalog for it; the
workspace default covers everyone else (and the console), then English.
"""

from __future__ import annotations

from commands.common import workspace_session
from commands.context import CommandContext
from commands.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, supported_locale, translator
from commands.registry import VerbGroup
from commands.reply import Reply
from storage.errors import NotAllowedError, ValidationError
from storage.service import workspaces

USAGE = "language [en|it]"

verbs = VerbGroup()
register = verbs.register


@verbs.verb(USAGE, aliases=("lingua",), examples=("language", "language it"))
def language(text: str, ctx: CommandContext) -> Reply:
    """the language of segbot's replies; admins set the workspace's default

    Show the caller's language and the workspace default; with a code, set the default (admins).
    """
    word = text.strip()
    if not word:
        return _show(ctx)
    wanted = supported_locale(word)
    if wanted is None or len(word.split()) != 1:
        raise ValidationError(
            "'{language}' is not a language segbot speaks; choose one of {languages}.",
            language=word,
            languages=", ".join(SUPPORTED_LOCALES),
        )
    if not ctx.is_admin:
        raise NotAllowedError("only a workspace admin can change the default language.")
    with workspace_session(ctx) as (session, workspace_id):
        workspaces.set_default_locale(session, workspace_id, wanted)
    # Answered in the new language, so the admin sees at once what others will read.
    text_out = translator(wanted)._(
        "The workspace's default language is now {language}. "
        "Users whose Slack language segbot speaks keep their own.",
        language=LANGUAGE_NAMES[wanted],
    )
    return Reply(text=text_out)


def _show(ctx: CommandContext) -> Reply:
    with workspace_session(ctx) as (session, workspace_id):
        default = workspaces.default_locale(session, workspace_id)
    tr = translator(ctx.locale)
    text = tr._(
        "segbot answers you in {mine}; the workspace's default language is {default}. "
        "Admins change the default with `/segment {usage}`.",
        mine=LANGUAGE_NAMES[tr.locale],
        default=LANGUAGE_NAMES.get(supported_locale(default) or "en", default),
        usage=USAGE,
    )
    return Reply(text=text)
