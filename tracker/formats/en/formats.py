# Same dd/mm/yyyy dates as Vietnamese; English number separators.
from tracker.formats.vi.formats import *  # noqa: F401,F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
