"""`manage.py definition_access grant|revoke|show KIND ID [--user NAME] [--group NAME]`: restrict a process,
decision, decision requirements graph or form (by id, all versions) to users and groups.

A grant is a django-guardian object permission `engine.view_<model>` on one version of the definition; the
API (bizdevops.api.permissions) reads it for the whole id in its tenant. Revoking removes the holder's grants
on every version; the definition is open again once nobody holds one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from guardian.shortcuts import assign_perm, get_groups_with_perms, get_users_with_perms, remove_perm

from bizdevops.api.permissions import DEFINITION_ID_FIELDS
from bizdevops.engine.state import models as m

KINDS: dict[str, type[Any]] = {
    "process": m.ProcessDefinition,
    "decision": m.DecisionDefinition,
    "decision-requirements": m.DecisionRequirements,
    "form": m.FormDefinition,
}


class Command(BaseCommand):
    help = "Restrict a deployed definition (all versions of its id) to users and groups, or open it again."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["grant", "revoke", "show"])
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("definition_id", help="BPMN process id, decision id, DRG id or form id")
        parser.add_argument("--tenant", default="<default>")
        parser.add_argument("--user", action="append", default=[], help="username (repeatable)")
        parser.add_argument("--group", action="append", default=[], help="group name (repeatable)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        model = KINDS[options["kind"]]
        perm = f"engine.view_{model._meta.model_name}"
        id_field = DEFINITION_ID_FIELDS[model._meta.model_name]
        versions = list(
            model.objects.filter(tenant_id=options["tenant"], **{id_field: options["definition_id"]})
            .defer(*(["resource"] if hasattr(model, "resource") else []))
            .order_by("-version")
        )
        if not versions:
            raise CommandError(f"No {options['kind']} '{options['definition_id']}' is deployed.")
        holders = self._holders(options)
        if options["action"] in ("grant", "revoke") and not holders:
            raise CommandError("Name at least one --user or --group.")
        if options["action"] == "grant":
            for holder in holders:
                assign_perm(perm, holder, versions[0])
        elif options["action"] == "revoke":
            for holder in holders:
                for version in versions:
                    remove_perm(perm, holder, version)
        codename = perm.split(".", 1)[1]
        users: set[str] = set()
        groups: set[str] = set()
        for version in versions:
            users |= {
                u.get_username()
                for u in get_users_with_perms(version, only_with_perms_in=[codename], with_group_users=False)
            }
            groups |= {g.name for g in get_groups_with_perms(version)}
        if not users and not groups:
            self.stdout.write(f"{options['kind']} '{options['definition_id']}' is open to every reader.")
        else:
            self.stdout.write(
                f"{options['kind']} '{options['definition_id']}' is restricted to: "
                + ", ".join([*(f"user {u}" for u in sorted(users)), *(f"group {g}" for g in sorted(groups))])
            )

    @staticmethod
    def _holders(options: dict[str, Any]) -> list[Any]:
        holders: list[Any] = []
        for name in options["user"]:
            user_model = get_user_model()
            try:
                holders.append(user_model.objects.get(username=name))
            except user_model.DoesNotExist:
                raise CommandError(f"No user '{name}'.") from None
        for name in options["group"]:
            try:
                holders.append(Group.objects.get(name=name))
            except Group.DoesNotExist:
                raise CommandError(f"No group '{name}'.") from None
        return holders
