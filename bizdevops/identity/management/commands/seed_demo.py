from django.core.management.base import BaseCommand

from bizdevops.identity.services import DEMO_USERS, seed_demo_users


class Command(BaseCommand):
    help = "Create the demo users (one per role) and the demo content. Demo data only."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        seed_demo_users()
        from bizdevops.demo import seed_demo_content

        seed_demo_content()
        self.stdout.write(self.style.SUCCESS("Demo users (username / password):"))
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<10} / {demo.password:<15} {', '.join(demo.groups)}")
