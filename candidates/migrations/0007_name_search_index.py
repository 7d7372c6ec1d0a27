from django.db import migrations

from tracker.trigram import trigram_index


class Migration(migrations.Migration):

    dependencies = [("candidates", "0006_candidate_list_order")]

    # The candidate list's search by name.
    operations = [trigram_index("candidates_candidate", "full_name", "candidate_name_search")]
