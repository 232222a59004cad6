"""Backups: one archive holding a consistent database dump, the uploaded files and a manifest.

`crm backup FILE` writes it while the app serves and writes; `crm backup --verify FILE` checks it;
`crm restore FILE` puts it back into an empty database and applies newer migrations.
"""
