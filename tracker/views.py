from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from cells.selectors import role_roots

from . import progress
from .periods import current_term, current_year


@login_required
def home(request):
    today = timezone.localdate()
    periods = [p for p in (current_year(today), current_term(today)) if p]
    rows = [
        {
            "organization": organization,
            "figures": [(period, progress.admitted_count(organization, period), progress.target_count(organization, period)) for period in periods],
        }
        for organization in role_roots(request.user)
    ]
    return render(request, "tracker/home.html", {"rows": rows, "periods": periods})
