from django.db import migrations

from tracker.trigram import trigram_index


class Migration(migrations.Migration):

    dependencies = [("candidates", "0007_name_search_index")]

    # The mentors' search (candidates.views.search): a country has 5.6 million party members.
    operations = [trigram_index("candidates_partymember", "full_name", "member_name_search")]
