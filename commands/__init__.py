"""The ``/segment`` verbs: parse text, call the storage service, build Block Kit replies."""
