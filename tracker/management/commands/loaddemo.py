from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.demo import demo_load, demo_loaded, demo_remove


class Command(BaseCommand):
    help = "Load the Thạnh Hóa demo district (idempotent) and print the demo users' passwords."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo district first and rebuild it.")

    def handle(self, *args, reset=False, **options):
        if reset:
            demo_remove()
        already = demo_loaded()
        users = demo_load(today=timezone.localdate())
        if already:
            self.stdout.write("The demo district is already loaded; nothing changed (use --reset to rebuild it).")
        else:
            self.stdout.write(self.style.SUCCESS("Loaded the demo district Thạnh Hóa (code thanh-hoa)."))
        self.stdout.write("Demo users (username / password / role):")
        for username, password, role in users:
            self.stdout.write(f"  {username:<15} {password:<20} {role}")
