"""Administration: staff and their roles (``staff``), the organisation tree
(``organisations``), the configuration (``config``: show, set, load a file), retention and
legal holds (``retention``) and the demo database (``demo``)."""

__all__ = ["config", "demo", "organisations", "retention", "staff"]
