from django import template

register = template.Library()


@register.filter
def written_name(user) -> str:
    """`{{ user|written_name }}`: a user's name as Vietnamese write it, family and middle names (Django's last
    name) then the given name (its first name); the user name when neither is filled in."""
    if user is None:
        return ""
    name = " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part)
    return name or user.get_username()
