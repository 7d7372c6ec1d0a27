from django.db import migrations

from tracker.trigram import trigram_index


class Migration(migrations.Migration):

    dependencies = [("cells", "0003_restructured_on")]

    # The forms' search of cells and committees (candidates.views.search) and the admin's of parents.
    operations = [trigram_index("cells_organization", "name", "organization_name_search")]
