# Minimal stubs for waitress (the "servers" extra), covering what lcore.servers calls.
