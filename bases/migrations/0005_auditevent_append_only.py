"""On PostgreSQL the audit table is append-only in the database too (MLPS 2.0), not only in
the ORM (AuditEvent.save/delete, AuditQuerySet): a trigger refuses every UPDATE and DELETE,
whoever sends it, with two exceptions:

- DELETE of a record older than the retention (180 days, settings.AUDIT_RETENTION_DAYS)
  while the transaction has `portal.audit_purge` set to 'on': what `manage.py purge_audit`
  does (bases.audit.purge_older_than), and nothing else;
- the UPDATE that clears `actor_id` when an account is deleted (ON DELETE SET NULL): the
  record keeps its username and everything else.

SQLite has no such guard; the ORM's refusals stand alone there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION bases_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
            AND current_setting('portal.audit_purge', true) = 'on'
            AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
            AND (NEW.id, NEW.at, NEW.actor_username, NEW.ip, NEW.event, NEW.object_repr,
                 NEW.outcome, NEW.detail)
                IS NOT DISTINCT FROM
                (OLD.id, OLD.at, OLD.actor_username, OLD.ip, OLD.event, OLD.object_repr,
                 OLD.outcome, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '审计记录只能追加：不能修改或删除（% 被拒绝）', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER bases_auditevent_append_only
    BEFORE UPDATE OR DELETE ON bases_auditevent
    FOR EACH ROW EXECUTE FUNCTION bases_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS bases_auditevent_append_only ON bases_auditevent;
DROP FUNCTION IF EXISTS bases_auditevent_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL goes as written (RAISE's % is not a placeholder).
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("bases", "0004_cache_table")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
