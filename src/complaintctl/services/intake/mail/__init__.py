"""Intake: complaints arriving by the dedicated mailbox and the online platform.

``mail`` turns one message into a decoded record (pure), ``sources`` reads Maildir, mbox and
IMAP, ``records`` reads the online platform's JSON. The use cases are in
``complaintctl.services.intake.mailbox``; the commands in ``complaintctl.cli.intake``.
"""
