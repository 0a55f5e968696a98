"""On PostgreSQL a writer takes a chain and reads its head in one call (ADR 0028, later section).

`openmash_audit_take_chain(keys, first)` tries the chains' advisory locks in turn from chain ``first``
(``keys[p + 1]`` is chain p's lock), waits for chain ``first`` if every one is busy, and returns the
chain it holds with that chain's newest event. The function is VOLATILE, so the head is read with a
snapshot taken after the lock is held (as the separate query after the lock read it): an event another
writer committed on the chain just before is seen, and the chain cannot fork.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION openmash_audit_take_chain(keys bigint[], first integer)
RETURNS TABLE (chain integer, head_sequence bigint, head_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer := array_length(keys, 1);
    p integer;
BEGIN
    chain := NULL;
    FOR step IN 0 .. n - 1 LOOP
        p := (first + step) % n;
        IF pg_try_advisory_xact_lock(keys[p + 1]) THEN
            chain := p;
            EXIT;
        END IF;
    END LOOP;
    IF chain IS NULL THEN
        chain := first;
        PERFORM pg_advisory_xact_lock(keys[first + 1]);
    END IF;
    IF chain = 0 THEN
        SELECT e.sequence, e.hash INTO head_sequence, head_hash FROM audit_auditevent e
        WHERE e.partition IS NULL ORDER BY e.partition, e.sequence DESC LIMIT 1;
    ELSE
        SELECT e.sequence, e.hash INTO head_sequence, head_hash FROM audit_auditevent e
        WHERE e.partition = chain ORDER BY e.partition, e.sequence DESC LIMIT 1;
    END IF;
    RETURN NEXT;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS openmash_audit_take_chain(bigint[], integer)", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_partitioned_chains_indexes")]
    operations = [migrations.RunPython(create, drop)]
