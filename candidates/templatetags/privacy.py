from django import template

from ..privacy import NationalIds

register = template.Library()


@register.filter
def national_id_for(candidate, user) -> str:
    """`{{ candidate|national_id_for:request.user }}`: the ID whole for the board staff who enter it,
    masked to its last three digits for everyone else, "—" when there is none."""
    # One reading of the user's scope per request, however many people the page lists.
    if not hasattr(user, "_national_ids"):
        user._national_ids = NationalIds(user)
    return user._national_ids.shown(candidate) or "—"
