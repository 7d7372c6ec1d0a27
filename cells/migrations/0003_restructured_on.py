import datetime
from collections import defaultdict

from django.db import migrations, models

STEP = 4  # treebeard's steplen
CELL_KINDS = {"grassroots_cell", "cell"}


def mark_past_moves(apps, schema_editor):
    """Find, from the admission credits, where units moved in or out before this field existed.

    An admission credited to a unit but not to its current parent moved in; one credited to a
    committee but to none of its current units moved out. Either way the organization's figures
    are not the sum of its units' up to the day after that admission.
    """
    Organization = apps.get_model("cells", "Organization")
    AdmissionCredit = apps.get_model("candidates", "AdmissionCredit")
    orgs = {pk: (path, kind) for pk, path, kind in Organization.objects.values_list("pk", "path", "kind")}
    id_by_path = {path: pk for pk, (path, _kind) in orgs.items()}
    credited, days = defaultdict(set), {}
    for admission_id, org_id, day in AdmissionCredit.objects.values_list("admission_id", "organization_id", "admitted_on").iterator():
        credited[admission_id].add(org_id)
        days[admission_id] = day
    restructured = {}
    for admission_id, org_ids in credited.items():
        after = days[admission_id] + datetime.timedelta(days=1)
        paths = {orgs[org_id][0] for org_id in org_ids}
        for org_id in org_ids:
            path, kind = orgs[org_id]
            parent = id_by_path.get(path[:-STEP])
            if parent is not None and parent not in org_ids:
                restructured[parent] = max(after, restructured.get(parent, after))
            if kind not in CELL_KINDS and not any(p.startswith(path) and len(p) == len(path) + STEP for p in paths):
                restructured[org_id] = max(after, restructured.get(org_id, after))
    for org_id, day in restructured.items():
        Organization.objects.filter(pk=org_id).update(restructured_on=day)


class Migration(migrations.Migration):

    dependencies = [
        ("cells", "0002_path_indexes"),
        ("candidates", "0006_candidate_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="restructured_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_past_moves, migrations.RunPython.noop),
    ]
