"""`flush` empties every table, the audit trail included, which the application role
may not do: it runs as the owner role (governance/dbroles.py). The test runner flushes
after each transactional test this way."""

from django.core.management.commands.flush import Command as DjangoFlush

from governance.dbroles import owner_connection


class Command(DjangoFlush):
    def handle(self, **options):
        with owner_connection(options["database"]):
            return super().handle(**options)
