"""The use cases every front-end calls (the CLI today; the web platform and the workspace
next), grouped by capability. Each package's ``__init__`` names its public modules in
``__all__``: the use cases others may call. Packages import only the ones below them:

    core < audit; core < notify < clock < complaints < emergency < intake, reporting, admin

What follows a change in a higher package (the clock after a lifecycle action, the emergency
plan after a deadline check) is a domain event on the bus (``core.bus``), handled by handlers
that ``bootstrap.start()`` subscribes once at start-up. See ARCHITECTURE.md.
"""
