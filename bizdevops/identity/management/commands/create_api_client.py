"""`manage.py create_api_client NAME --role Developer`: an OAuth client for the REST API; prints the secret once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bizdevops.identity.services import ROLES
from bizdevops.identity.tokens import create_api_client


class Command(BaseCommand):
    help = "Create an API client (OAuth 2.0 client credentials). The secret is shown once and stored hashed."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("name")
        parser.add_argument(
            "--role",
            action="append",
            choices=ROLES,
            default=None,
            help="role(s) the client acts with (default: Developer)",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            new = create_api_client(name=options["name"], roles=options["role"] or ["Developer"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"CAMUNDA_CLIENT_ID={new.client.client_id}")
        self.stdout.write(f"CAMUNDA_CLIENT_SECRET={new.client_secret}")
        self.stdout.write("The secret is not stored in clear text and cannot be shown again.")
