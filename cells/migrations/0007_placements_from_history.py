"""The placements of the organizations there are, rebuilt from what is known of their past: their
history records (each kept the organization's path, name, kind and sector as saved, and why: "moved,
effective 01/07/2025", "deactivated", "merged into …") replayed in the order they were saved, on a
copy of the tree. Organizations without a record (generated in bulk) stood where they stand.

Credits are not touched here: `python manage.py check_credits` compares them with these placements
and `--fix` rewrites those that differ.
"""
import datetime
import re

from django.db import migrations
from django.utils import timezone

from cells.placements import BeforeFirstSpan, Span, change_from, changed_text

STEP = 4  # treebeard's steplen for Organization
EFFECTIVE = re.compile(r"effective (\d{2})/(\d{2})/(\d{4})")


def _effective_day(record) -> datetime.date:
    match = EFFECTIVE.search(record["history_change_reason"] or "")
    if match:
        day, month, year = (int(group) for group in match.groups())
        return datetime.date(year, month, day)
    if record["deactivated_on"] and not record["is_active"]:
        return record["deactivated_on"]
    return timezone.localdate(record["history_date"]) if timezone.is_aware(record["history_date"]) else record["history_date"].date()


def build_placements(apps, schema_editor):
    Organization = apps.get_model("cells", "Organization")
    Historical = apps.get_model("cells", "HistoricalOrganization")
    Placement = apps.get_model("cells", "Placement")
    if Placement.objects.exists():
        return
    now = {
        pk: (path, name, kind, sector, active)
        for pk, path, name, kind, sector, active in Organization.objects.values_list(
            "pk", "path", "name", "kind", "sector", "is_active"
        )
    }
    id_at_now = {path: pk for pk, (path, *_rest) in now.items()}
    recorded = set(Historical.objects.values_list("id", flat=True).distinct())

    path_of, id_at, spans, last = {}, {}, {}, {}
    for pk, (path, name, kind, sector, active) in now.items():
        if pk not in recorded:
            path_of[pk], id_at[path] = path, pk

    def parent_at(pk, path):
        if len(path) <= STEP:
            return None
        if path[:-STEP] in id_at:
            return id_at[path[:-STEP]]
        current = now[pk][0]
        return id_at_now.get(current[:-STEP]) if len(current) > STEP else None

    fields = ["id", "path", "name", "kind", "sector", "is_active", "deactivated_on", "history_type", "history_date",
              "history_change_reason"]
    for record in Historical.objects.order_by("history_date", "history_id").values(*fields).iterator(chunk_size=2000):
        pk = record["id"]
        if pk not in now or record["history_type"] == "-":
            continue
        path = record["path"]
        if pk not in spans:
            if pk in path_of:
                id_at.pop(path_of[pk], None)
            path_of[pk], id_at[path] = path, pk
            spans[pk] = [Span(None, None, parent_at(pk, path), record["name"], record["kind"], record["sector"], True, "created")]
            last[pk] = record
            continue
        changes = {}
        if path != path_of[pk]:
            old = path_of[pk]
            subtree = [moved for moved, moved_path in path_of.items() if moved_path.startswith(old)]
            for moved in subtree:  # the subtree moved with it
                id_at.pop(path_of[moved], None)
            for moved in subtree:
                path_of[moved] = path + path_of[moved][len(old):]
                id_at[path_of[moved]] = moved
            changes["parent_id"] = parent_at(pk, path)
        for field in ("name", "kind", "sector"):
            if record[field] != last[pk][field]:
                changes[field] = record[field]
        if record["is_active"] != last[pk]["is_active"]:
            changes["is_active"] = record["is_active"]
        last[pk] = record
        if not changes:
            continue
        reason = record["history_change_reason"] or "changed"
        try:
            spans[pk], _until = change_from(spans[pk], _effective_day(record), reason[:200], **changes)
        except BeforeFirstSpan:
            continue

    rows = []
    for pk, (path, name, kind, sector, active) in now.items():
        parent = id_at_now.get(path[:-STEP]) if len(path) > STEP else None
        history = spans.get(pk) or [Span(None, None, parent, name, kind, sector, True)]
        # The last placement is the tree as it stands, whatever the replay made of it.
        history[-1].parent_id, history[-1].name, history[-1].kind, history[-1].sector = parent, name, kind, sector
        if not active and history[-1].is_active:
            history[-1].is_active = False
        for span in history:
            rows.append(Placement(
                organization_id=pk, valid_from=span.valid_from, valid_to=span.valid_to, parent_id=span.parent_id,
                name=span.name, kind=span.kind, sector=span.sector, is_active=span.is_active, reason=span.reason,
                changed=changed_text(span),
            ))
    Placement.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("cells", "0006_placements")]

    operations = [migrations.RunPython(build_placements, migrations.RunPython.noop)]
