"""entitas: Indonesian person, organisation and place extraction from news text."""

__version__ = "0.1.0"
