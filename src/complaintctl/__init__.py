"""complaintctl: bank customer complaint handling from the terminal."""

__version__ = "0.1.0"
