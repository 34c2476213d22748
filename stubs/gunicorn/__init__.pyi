# Minimal stubs for gunicorn (the "servers" extra), covering what lcore.servers calls.
