"""django-axes' application, under a name in the interface's language (it has none of its own: "Axes")."""
from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginLockoutsConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")
