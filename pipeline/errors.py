"""The project's own exceptions; the CLI turns each into one clear line and a non-zero exit."""


class EntitasError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(EntitasError):
    """The input path or a document in it cannot be used."""


class ModelError(EntitasError):
    """A shipped model file is missing or cannot be loaded."""


class OutputError(EntitasError):
    """The tables, the cache or another output cannot be written (disk full, no permission)."""


class EngineError(EntitasError):
    """The engine that processes the documents failed (a Dask worker died)."""
