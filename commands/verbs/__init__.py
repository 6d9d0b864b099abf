"""Built-in verbs; each module listed here exposes ``register(registry)``, in help order."""

BUILTIN_MODULES: tuple[str, ...] = (
    "commands.verbs.new",
    "commands.verbs.segments",
    "commands.verbs.contact",
    "commands.verbs.changes",
    "commands.verbs.journal",
    "commands.verbs.saved",
    "commands.verbs.compare",
    "commands.verbs.breakdown",
    "commands.verbs.export",
    "commands.verbs.header",
    "commands.verbs.logged",
    "commands.verbs.mailing",
    "commands.verbs.delete",
    "commands.verbs.paging",
    "commands.verbs.schedule",
    "commands.verbs.live",
    "commands.verbs.history",
    "commands.verbs.language",
)
