"""What a test Mistral holds of ours, read through its REST API and straight
from its database, and partial states to start from.

Races and faults could leave duplicates or dynamic actions whose code source
is gone, which Mistral's own listings do not always show: the SQL view sees
every row, whatever the project or scope.
"""

import collections
import contextlib
from pathlib import Path
import sqlite3

from tests.harness import infra

OUR_SOURCES = 'mistral_actions.'
OUR_ACTIONS = 'int32bit.'


def rest_state(mistral):
    """What a write would change, through the API: ids, versions, times."""
    client = mistral.client()
    return (sorted((s.name, s.id, s.version, s.updated_at, s.scope)
                   for s in client.code_sources.list()),
            sorted((a.name, a.id, a.updated_at, a.code_source_id)
                   for a in client.dynamic_actions.list()))


def sql(mistral, query):
    """Rows of a query on this Mistral's own database (MariaDB or SQLite)."""
    name = getattr(mistral, 'database_name', None)
    if name:
        with infra._connect(name) as conn, conn.cursor() as cursor:
            cursor.execute(query)
            return [tuple(row) for row in cursor.fetchall()]
    path = Path(mistral.workdir) / 'mistral.sqlite'
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return [tuple(row) for row in conn.execute(query).fetchall()]


def sql_state(mistral):
    """Every row of both tables, as stored: content, version and times."""
    return (sql(mistral, 'SELECT id, name, namespace, project_id, scope, '
                         'version, content, updated_at FROM code_sources '
                         'ORDER BY name, id'),
            sql(mistral, 'SELECT id, name, namespace, project_id, scope, '
                         'class_name, code_source_id, code_source_name, '
                         'updated_at FROM dynamic_action_definitions '
                         'ORDER BY name, id'))


def state(mistral):
    """The API's view and the database's, to compare before and after."""
    return rest_state(mistral), sql_state(mistral)


def dangling_actions(mistral) -> list:
    """Dynamic actions whose code source is missing or named otherwise."""
    return sql(mistral, '''
        SELECT a.name, a.code_source_id, a.code_source_name
        FROM dynamic_action_definitions a
        LEFT JOIN code_sources s ON s.id = a.code_source_id
        WHERE s.id IS NULL OR s.name <> a.code_source_name''')


def assert_consistent(mistral):
    """No dynamic action points at a missing code source (database view),
    and the API lists exactly what the database holds."""
    assert dangling_actions(mistral) == []
    client = mistral.client()
    sources = {s.id: s.name for s in client.code_sources.list()}
    for action in client.dynamic_actions.list():
        assert sources.get(action.code_source_id) == \
            action.code_source_name, action.name
    rows_sources, rows_actions = sql_state(mistral)
    assert sorted(sources.values()) == sorted(row[1] for row in rows_sources)
    assert sorted(a.name for a in client.dynamic_actions.list()) == \
        sorted(row[1] for row in rows_actions)


def assert_exactly_registered(mistral, specs):
    """Exactly one code source per module and one dynamic action per class
    of these specs, each pointing at its module; nothing else of ours."""
    assert_consistent(mistral)
    modules = {spec.code_source_name: spec.module.content for spec in specs}
    classes = {spec.name: (spec.class_name, spec.code_source_name)
               for spec in specs}
    rows_sources, rows_actions = sql_state(mistral)
    ours = [row for row in rows_sources if row[1].startswith(OUR_SOURCES)]
    counts = collections.Counter(row[1] for row in ours)
    assert {name: n for name, n in counts.items() if n != 1} == {}
    assert set(counts) == set(modules)
    assert {row[1]: row[6] for row in ours} == modules
    # A module is public when any action of it is safe, else private.
    assert {row[1]: row[4] for row in ours} == {
        name: 'public' if any(not spec.unsafe for spec in specs
                              if spec.code_source_name == name)
        else 'private' for name in modules}
    ours = [row for row in rows_actions if row[1].startswith(OUR_ACTIONS)]
    counts = collections.Counter(row[1] for row in ours)
    assert {name: n for name, n in counts.items() if n != 1} == {}
    assert {row[1]: (row[5], row[7]) for row in ours} == classes
    # Safe actions public, unsafe ones private to the registering project.
    assert {row[1]: row[4] for row in ours} == {
        spec.name: 'private' if spec.unsafe else 'public' for spec in specs}
    # And as Mistral's API shows them.
    client = mistral.client()
    listed = collections.Counter(a.name for a in client.dynamic_actions.list()
                                 if a.name.startswith(OUR_ACTIONS))
    assert listed == collections.Counter(list(classes)), listed


def register_partially(mistral, specs, variant=0):
    """What an interrupted register leaves, through the API: code sources
    of every other module (starting at module ``variant % 2``), and for the
    first of those only half of its actions. Returns the names created."""
    client = mistral.client()
    by_module = collections.defaultdict(list)
    for spec in specs:
        by_module[spec.module.name].append(spec)
    modules = sorted(by_module)[variant % 2::2]
    created = []
    for index, name in enumerate(modules):
        module_specs = by_module[name]
        # As register writes them: unsafe actions (and a module of only
        # unsafe ones) private, the rest public.
        client.code_sources.create(
            name, module_specs[0].module.content,
            scope='private' if all(spec.unsafe for spec in module_specs)
            else 'public')
        created.append(name)
        keep = module_specs[:len(module_specs) // 2] if index == 0 \
            else module_specs
        for spec in keep:
            client.dynamic_actions.create(
                spec.name, spec.class_name, name,
                scope='private' if spec.unsafe else 'public')
            created.append(spec.name)
    return created
