"""`migrate` as the owner role, then the application role's privileges set again
(governance/dbroles.py). Without a separate owner role it is Django's migrate."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from governance.dbroles import app_role_grant, owner_connection


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        alias = options["database"]
        with owner_connection(alias):
            result = super().handle(*args, **options)
            if not options.get("plan") and not options.get("check_unapplied"):
                with connections[alias].cursor() as cursor:
                    statements = app_role_grant(cursor)
                if statements and options["verbosity"] >= 1:
                    self.stdout.write(
                        "数据库应用角色权限已设置 / application role's privileges set"
                    )
        return result
