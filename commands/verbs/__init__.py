"""Built-in verbs; each module listed here exposes ``register(registry)``."""

BUILTIN_MODULES: tuple[str, ...] = ()
