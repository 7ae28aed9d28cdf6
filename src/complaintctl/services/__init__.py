"""One keyword-only function per use case. Each takes the session first and owns the commit."""
