"""The pages of collection, one module per sub-domain (collection/urls.py maps them)."""
