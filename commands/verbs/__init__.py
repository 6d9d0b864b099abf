"""Built-in verbs; each module listed here exposes ``register(registry)``, in help order."""

BUILTIN_MODULES: tuple[str, ...] = (
    "commands.verbs.new",
    "commands.verbs.segments",
    "commands.verbs.changes",
    "commands.verbs.journal",
    "commands.verbs.compare",
    "commands.verbs.breakdown",
    "commands.verbs.export",
    "commands.verbs.logged",
    "commands.verbs.delete",
    "commands.verbs.paging",
    "commands.verbs.schedule",
    "commands.verbs.history",
    "commands.verbs.language",
)
