import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.synthetic import generate


class Command(BaseCommand):
    help = "Build a synthetic party tree with targets, admissions and a pipeline (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=float, default=1.0, help="share of a full-size province (0.05 for tests)")
        parser.add_argument("--prefix", default="syn-", help="code prefix of the generated organizations")

    def handle(self, *args, provinces, seed, scale, prefix, **options):
        started = time.perf_counter()
        counts = generate(provinces=provinces, seed=seed, scale=scale, today=timezone.localdate(), prefix=prefix)
        self.stdout.write(f"{counts} in {time.perf_counter() - started:.1f} s")
