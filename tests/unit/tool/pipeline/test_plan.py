"""Planning against snapshots built by hand: every verdict and refusal."""

from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool import registry
from mistral_actions.tool import specs

SERVERS = specs.ModuleSpec('mistral_actions.nova.servers', '/x/servers.py',
                           'class AssertStatus: ...\nclass GetStatus: ...\n',
                           'int32bit')
SYSTEM = specs.ModuleSpec('mistral_actions.system', '/x/system.py',
                          'class Exec: ...\n', 'int32bit')


def action(name, cls, module=SERVERS, unsafe=False):
    return specs.ActionSpec(name, cls, module, 'server_id', 'Doc.', unsafe)


ASSERT = action('int32bit.nova.servers.assert_status', 'AssertStatus')
GET = action('int32bit.nova.servers.get_status', 'GetStatus')
EXEC = action('int32bit.system.exec', 'Exec', SYSTEM, unsafe=True)
SPECS = [ASSERT, EXEC, GET]


def source(module, content=None, scope='public', version=1):
    return registry.CodeSource(module.name, content or module.content,
                               version, scope)


def row(spec, class_name=None, code_source=None, scope='public'):
    return registry.DynamicAction(spec.name, class_name or spec.class_name,
                                  code_source or spec.code_source_name, scope)


def snapshot(sources=(), actions=()):
    return registry.Snapshot.of(sources, actions)


def verdicts(plan):
    return {step.name: step.verdict for step in plan.steps}


def test_empty_registry_creates_everything_but_unsafe():
    plan = planning.plan_register(SPECS, snapshot())
    assert verdicts(plan) == {ASSERT.name: 'create', GET.name: 'create',
                              EXEC.name: 'skip'}
    assert [m.name for m in plan.create_sources] == [SERVERS.name]
    assert plan.create_actions == [ASSERT, GET]
    assert 'include-unsafe' in plan.steps[-1].reason or any(
        'include-unsafe' in s.reason for s in plan.steps)
    assert plan.writes


def test_include_unsafe_registers_exec_private_and_the_rest_public():
    plan = planning.plan_register(SPECS, snapshot(), include_unsafe=True)
    assert verdicts(plan)[EXEC.name] == 'create'
    assert {m.name for m in plan.create_sources} == {SERVERS.name,
                                                     SYSTEM.name}
    assert plan.action_scopes == {ASSERT.name: 'public', GET.name: 'public',
                                  EXEC.name: 'private'}
    assert plan.source_scopes == {SERVERS.name: 'public',
                                  SYSTEM.name: 'private'}
    assert {step.name: step.scope for step in plan.steps}[EXEC.name] == \
        'private'
    assert plan.public_unsafe() == []


def test_public_unsafe_registers_exec_public_and_says_so():
    plan = planning.plan_register(SPECS, snapshot(), public_unsafe=True)
    assert verdicts(plan)[EXEC.name] == 'create'
    assert plan.action_scopes[EXEC.name] == 'public'
    assert plan.source_scopes[SYSTEM.name] == 'public'
    assert plan.public_unsafe() == [EXEC.name]


def test_exec_left_public_by_an_earlier_version_is_reported_then_fixed():
    state = snapshot([source(SERVERS), source(SYSTEM)],
                     [row(ASSERT), row(GET), row(EXEC)])
    plan = planning.plan_register(SPECS, state)
    step = {step.name: step for step in plan.steps}[EXEC.name]
    assert step.verdict == 'different' and step.scope == 'public'
    assert 'private' in step.reason and '--override' in step.reason
    assert plan.public_unsafe() == [EXEC.name]
    assert not plan.writes

    plan = planning.plan_register(SPECS, state, override=True)
    assert verdicts(plan)[EXEC.name] == 'update'
    assert plan.update_actions == [EXEC]
    assert plan.update_sources == [SYSTEM]
    assert plan.action_scopes[EXEC.name] == 'private'
    assert plan.source_scopes[SYSTEM.name] == 'private'
    assert plan.public_unsafe() == []


def test_module_with_a_safe_and_an_unsafe_action_stays_public():
    mixed = specs.ModuleSpec('mistral_actions.mixed', '/x/mixed.py', 'x',
                             'int32bit')
    safe = action('int32bit.mixed.safe', 'Safe', mixed)
    unsafe = action('int32bit.mixed.unsafe', 'Unsafe', mixed, unsafe=True)
    plan = planning.plan_register([safe, unsafe], snapshot(),
                                  include_unsafe=True)
    assert plan.source_scopes == {mixed.name: 'public'}
    assert plan.action_scopes == {safe.name: 'public',
                                  unsafe.name: 'private'}


def test_identical_registry_writes_nothing():
    plan = planning.plan_register(
        SPECS, snapshot([source(SERVERS)], [row(ASSERT), row(GET)]))
    assert verdicts(plan)[ASSERT.name] == 'unchanged'
    assert not plan.writes


def test_changed_module_is_reported_not_written_without_override():
    state = snapshot([source(SERVERS, 'old text', version=4)],
                     [row(ASSERT), row(GET)])
    plan = planning.plan_register(SPECS, state)
    assert verdicts(plan)[ASSERT.name] == 'different'
    assert 'version 4' in plan.steps[0].reason
    assert not plan.writes


def test_override_updates_changed_module_once():
    state = snapshot([source(SERVERS, 'old text')], [row(ASSERT), row(GET)])
    plan = planning.plan_register(SPECS, state, override=True)
    assert verdicts(plan)[ASSERT.name] == 'update'
    assert plan.update_sources == [SERVERS]
    assert not plan.create_actions and not plan.update_actions


def test_new_class_in_changed_module_waits_for_override():
    state = snapshot([source(SERVERS, 'old text')], [row(ASSERT)])
    assert verdicts(planning.plan_register(SPECS, state))[GET.name] == \
        'different'
    plan = planning.plan_register(SPECS, state, override=True)
    assert verdicts(plan)[GET.name] == 'create'
    assert plan.create_actions == [GET]


def test_private_rows_become_public_with_override():
    state = snapshot([source(SERVERS, scope='private')],
                     [row(ASSERT, scope='private'), row(GET)])
    plan = planning.plan_register(SPECS, state)
    assert verdicts(plan)[ASSERT.name] == 'different'
    plan = planning.plan_register(SPECS, state, override=True)
    assert plan.update_sources == [SERVERS]
    assert plan.update_actions == [ASSERT]


def test_foreign_action_with_our_name_is_refused_even_with_override():
    state = snapshot([source(SERVERS)],
                     [row(ASSERT, code_source='someone.else'), row(GET)])
    plan = planning.plan_register(SPECS, state, override=True)
    assert plan.problems and 'someone.else' in plan.problems[0]


def test_stale_actions_are_reported_and_pruned_only_on_request():
    old = registry.DynamicAction('int32bit.nova.servers.renamed', 'Renamed',
                                 'mistral_actions.nova.old', 'public')
    foreign = registry.DynamicAction('mine.action', 'Mine', 'mine', 'public')
    old_source = registry.CodeSource('mistral_actions.nova.old', 'x', 1,
                                     'public')
    state = snapshot([source(SERVERS), old_source],
                     [row(ASSERT), row(GET), old, foreign])
    plan = planning.plan_register(SPECS, state)
    assert verdicts(plan)[old.name] == 'stale'
    assert 'mine.action' not in verdicts(plan)
    assert not plan.writes
    plan = planning.plan_register(SPECS, state, prune=True)
    assert plan.delete_actions == [old.name]
    assert plan.delete_sources == ['mistral_actions.nova.old']


def test_registered_unsafe_action_is_kept_without_include_unsafe():
    state = snapshot([source(SERVERS), source(SYSTEM, scope='private')],
                     [row(ASSERT), row(GET), row(EXEC, scope='private')])
    plan = planning.plan_register(SPECS, state, prune=True)
    assert verdicts(plan)[EXEC.name] == 'unchanged'
    assert not plan.writes
    step = next(step for step in plan.steps if step.name == EXEC.name)
    assert step.reason == (
        'registered earlier (--include-unsafe), so kept up to date; '
        'mistral-actions unregister int32bit.system.exec removes it')


def test_unregister_removes_action_and_source_left_unused():
    state = snapshot([source(SERVERS)], [row(ASSERT), row(GET)])
    plan = planning.plan_removal(state, [ASSERT.name])
    assert plan.delete_actions == [ASSERT.name] and not plan.delete_sources
    plan = planning.plan_removal(state, [ASSERT.name, GET.name])
    assert plan.delete_sources == [SERVERS.name]


def test_unregister_unknown_or_foreign_is_a_problem():
    foreign = registry.DynamicAction('std.noop', 'X', 'evil', 'public')
    state = snapshot([source(SERVERS)], [row(ASSERT), foreign])
    assert planning.plan_removal(state, ['int32bit.nope']).problems
    assert planning.plan_removal(state, ['std.noop']).problems


def test_unregister_of_another_providers_action_says_it_is_left_alone():
    state = registry.Snapshot.of([source(SERVERS)], [row(ASSERT)],
                                 other_actions=['std.echo'])
    plan = planning.plan_removal(state, ['std.echo', ASSERT.name])
    assert plan.problems == [
        'std.echo is not a mistral-actions action (it is Mistral\'s own, a '
        'plugin\'s or an ad-hoc action): left alone; unregister removes only '
        'actions mistral-actions registered (mistral-actions action-list)']


def test_clear_touches_only_ours():
    foreign = registry.DynamicAction('mine.action', 'Mine', 'mine', 'public')
    state = snapshot([source(SERVERS),
                      registry.CodeSource('mine', 'x', 1, 'public')],
                     [row(ASSERT), row(GET), foreign])
    plan = planning.plan_clear(state)
    assert sorted(plan.delete_actions) == [ASSERT.name, GET.name]
    assert plan.delete_sources == [SERVERS.name]


def test_name_taken_by_another_provider_is_refused():
    state = registry.Snapshot.of([], [], other_actions=[ASSERT.name])
    plan = planning.plan_register(SPECS, state, override=True)
    assert plan.problems and 'another provider' in plan.problems[0]
    assert ASSERT not in plan.create_actions
