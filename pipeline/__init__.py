"""entitas: Indonesian person, organisation and place extraction from news text.

``from pipeline import extract, Pipeline`` gives the Python API (see ``pipeline.api``); it is
imported on first use, so that ``import pipeline`` stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["Pipeline", "extract"]


def __getattr__(name: str):
    if name in __all__:
        from pipeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
