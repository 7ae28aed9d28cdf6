"""Reading complaint files: sources (encoding, hashing), readers (CSV, JSON, JSON Lines) that
yield ``(line_no, row)``, layouts (native, cfpb, TOML mappings) and dates. No database here.
The formats a file may be read as are ``complaintctl.domain.enums.ImportFormat``."""
