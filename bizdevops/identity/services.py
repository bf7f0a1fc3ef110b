"""Identity writes: the built-in role groups and the quickstart's demo users."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction

ROLES = ("Admin", "Developer", "Analyst", "Employee", "Manager", "Operator")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    groups: tuple[str, ...]
    superuser: bool = False


# Demo data only: created by the quickstart or `manage.py seed_demo`, never by migrations.
DEMO_USERS = (
    DemoUser("demo", "demo", "Demo Admin", ("Admin",), superuser=True),
    DemoUser("admin", "admin-demo", "Ada Admin", ("Admin",), superuser=True),
    DemoUser("developer", "developer-demo", "Dev Developer", ("Developer",)),
    DemoUser("analyst", "analyst-demo", "Ana Analyst", ("Analyst",)),
    DemoUser("employee", "employee-demo", "Kim Employee", ("Employee",)),
    DemoUser("manager", "manager-demo", "Lee Manager", ("Manager",)),
    DemoUser("operator", "operator-demo", "Park Operator", ("Operator",)),
)


def ensure_role_groups() -> list[Group]:
    """Create the role groups if missing (idempotent)."""
    return [Group.objects.get_or_create(name=name)[0] for name in ROLES]


@transaction.atomic
def seed_demo_users() -> list[User]:
    """Create or reset the demo users and their groups (idempotent)."""
    ensure_role_groups()
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        first, _, last = demo.full_name.partition(" ")
        user.first_name, user.last_name = first, last
        user.is_staff = user.is_superuser = demo.superuser
        user.set_password(demo.password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=demo.groups))
        users.append(user)
    return users
