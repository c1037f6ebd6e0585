"""Grafana's way in (PostgreSQL only): a schema ``grafana`` of read-only views over the
points, their samples and their rollups, and a role ``smve_grafana_read`` that may read those
views and nothing else (docs/mqtt.md "Grafana"). A login for Grafana is made IN ROLE
smve_grafana_read by the site's administrator; the views run with their owner's rights, so
the role needs no right on the tables themselves, and no audit, user or command table is
reachable from it.

The role is created when the migrating user may create roles (a superuser, CREATEROLE);
otherwise the administrator creates it and runs ``GRANT`` as the docs say. Reversing drops
the schema; the role stays, as other databases of the cluster may use it.
"""

from django.db import migrations

ROLE = "smve_grafana_read"

VIEWS = f"""
CREATE SCHEMA IF NOT EXISTS grafana;

CREATE OR REPLACE VIEW grafana.points AS
SELECT p.id AS point_id, pr.name AS site, p.tag, p.kind, p.description, p.unit,
       p.value, p.q, p.current, p.updated_at,
       COALESCE(md.name, mb.name, i.name) AS device
FROM poll_point p
JOIN poll_profile pr ON pr.id = p.profile_id
LEFT JOIN poll_mqttdevice md ON md.id = p.mqtt_device_id
LEFT JOIN poll_modbusdevice mb ON mb.id = p.modbus_device_id
LEFT JOIN poll_ied i ON i.id = p.ied_id
WHERE pr.active;

CREATE OR REPLACE VIEW grafana.samples AS
SELECT s.time, pr.name AS site, p.tag, s.value, s.q
FROM poll_sample s
JOIN poll_point p ON p.id = s.point_id
JOIN poll_profile pr ON pr.id = p.profile_id
WHERE pr.active;

CREATE OR REPLACE VIEW grafana.rollups AS
SELECT r.start AS time, r.resolution, pr.name AS site, p.tag,
       r.min, r.max, r.avg, r.first, r.last, r.count, r.good
FROM history_rollup r
JOIN poll_point p ON p.id = r.point_id
JOIN poll_profile pr ON pr.id = p.profile_id
WHERE pr.active;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}')
       AND EXISTS (SELECT FROM pg_roles
                   WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
        GRANT USAGE ON SCHEMA grafana TO {ROLE};
        GRANT SELECT ON ALL TABLES IN SCHEMA grafana TO {ROLE};
    ELSE
        RAISE NOTICE 'role {ROLE} not created (no right to): see docs/mqtt.md, Grafana';
    END IF;
END
$$;
"""

DROP = "DROP SCHEMA IF EXISTS grafana CASCADE;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VIEWS)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0001_initial"),
        ("poll", "0011_history_policies"),
    ]

    operations = [migrations.RunPython(create, drop)]
