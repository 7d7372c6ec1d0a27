from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests render pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Serve static files from the source folders; no collectstatic before the tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

import tempfile  # noqa: E402

# Uploaded and generated files of the tests go to a throw-away folder.
MEDIA_ROOT = tempfile.mkdtemp(prefix="tracker-test-media-")

# Tests log in with client.login(), which django-axes cannot see; the lockout test turns it back on.
AXES_ENABLED = False
