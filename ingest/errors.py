"""The one error a loader raises: a file that cannot be indexed, and why."""


class LoadError(Exception):
    """A file was rejected; the message says why in words a practice lead understands."""
