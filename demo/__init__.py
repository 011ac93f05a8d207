"""The demo province and its content (`manage.py load_demo_province`, `manage.py demo_totp`).

The top of the dependency graph: it depends on all the other apps, none depends on it."""
