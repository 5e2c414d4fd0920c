"""The deployment ledger over a fake registry: what a record holds, that
the apply driver writes it once per changing round and never for a round
that failed, module texts kept once, pruning, diffs and ids."""

import datetime

import pytest

from mistral_actions.tool import deploy
from mistral_actions.tool import errors
from mistral_actions.tool import ledger
from mistral_actions.tool import ownership
from mistral_actions.tool.pipeline import apply
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import verify
from mistral_actions.tool import registry
from mistral_actions.tool import specs
from tests.unit.tool.pipeline import test_apply


def module(name, text, package='acme'):
    return specs.ModuleSpec(name, '/x/%s.py' % name,
                            ownership.package_header(package) + text, package)


ONE = module('acme_actions.one', 'class One: ...\n')
TWO = module('acme_actions.two', 'class Two: ...\n')
OTHER = module('other_actions.x', 'class X: ...\n', package='other')
SAY = specs.ActionSpec('acme.one.say', 'One', ONE, '', 'Say.')
WAVE = specs.ActionSpec('acme.two.wave', 'Two', TWO, '', 'Wave.')
ELSE = specs.ActionSpec('other.x.x', 'X', OTHER, '', 'X.')
WHO = {'node': 'node-1', 'os_user': 'mistral'}


class LedgerFake(test_apply.FakeRegistry):
    """The apply tests' fake, with ledger rows; transactional or not."""

    def __init__(self, transactional=False, ledger_conflicts=0, **kwargs):
        super().__init__(**kwargs)
        self.sources, self.actions = {}, {}
        self.rows = {}
        self.transactional = transactional
        self.backend_name = 'db' if transactional else 'api'
        self.ledger_conflicts = ledger_conflicts
        self.workflows = {}

    def identity(self):
        return dict(WHO)

    def ledger_rows(self, prefix, with_variables=True):
        return {name: variables if with_variables else None
                for name, variables in self.rows.items()
                if name.startswith(prefix)}

    def create_ledger_row(self, name, variables, if_absent=False):
        if self.ledger_conflicts:
            self.ledger_conflicts -= 1
            raise errors.ConflictError('HTTP 404: not found [name=x]')
        if name in self.rows and not if_absent:
            raise errors.ConflictError('duplicate %s' % name)
        self.rows.setdefault(name, variables)

    def delete_ledger_row(self, name):
        self.rows.pop(name, None)

    def workflow_definitions(self):
        return dict(self.workflows)

    def entries(self):
        return ledger.deployments(self)


def register(fake, specs_, prune=False, dry_run=False, command='register'):
    def make_plan(snapshot):
        return planning.plan_register(specs_, snapshot, override=True,
                                      prune=prune, prefixes={'acme'})
    return apply.run_rounds(fake, make_plan, dry_run=dry_run,
                            record=ledger.recorder(command, None))


def changed(spec, text):
    new_module = module(spec.module.name, text, spec.module.package)
    return specs.ActionSpec(spec.name, spec.class_name, new_module,
                            spec.input, spec.description)


def test_a_changing_round_records_one_deployment_of_what_mistral_holds():
    fake = LedgerFake()
    register(fake, [SAY, WAVE])
    [entry] = fake.entries()
    assert entry.command == 'register' and entry.status == 'succeeded'
    assert entry.backend == 'api' and entry.who == WHO
    assert entry.changes == {'created': [SAY.name, WAVE.name],
                             'updated': [], 'deleted': []}
    assert entry.code_sources == {
        m.name: {'sha256': m.sha256, 'version': 1, 'scope': 'public',
                 'package': 'acme'} for m in (ONE, TWO)}
    assert entry.actions == {
        s.name: {'class_name': s.class_name,
                 'code_source': s.code_source_name, 'scope': 'public'}
        for s in (SAY, WAVE)}
    # Each module text is kept, named by its hash, for a rollback.
    assert fake.rows[ledger.CONTENT_PREFIX + ONE.sha256]['content'] == \
        ONE.content
    assert entry.tool_version == ledger.tool_version()


def test_nothing_to_do_a_dry_run_or_a_refused_plan_records_nothing():
    fake = LedgerFake()
    register(fake, [SAY])
    register(fake, [SAY])  # unchanged
    register(fake, [SAY, WAVE], dry_run=True)
    fake.actions[WAVE.name] = registry.DynamicAction(
        WAVE.name, 'Two', 'someone.elses', 'public')
    with pytest.raises(errors.PlanRefused):
        register(fake, [SAY, WAVE])
    assert len(fake.entries()) == 1


def test_a_round_whose_writes_failed_records_no_success():
    fake = LedgerFake(transactional=True)

    def broken(spec, scope):
        raise errors.RegistryError('Mistral answered HTTP 500')
    fake.create_action = broken
    with pytest.raises(errors.RegistryError):
        register(fake, [SAY])
    assert fake.entries() == []


def test_a_round_that_does_not_verify_records_no_success(monkeypatch):
    """A backend that says it wrote but did not (over the API: nothing to
    roll back) leaves no "succeeded" record in any of the repeated rounds.
    """
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = LedgerFake(drop_writes=True)

    def make_plan(snapshot):
        return planning.plan_register([SAY], snapshot, override=True,
                                      prefixes={'acme'})
    with pytest.raises(errors.RegistryError) as raised:
        apply.run_rounds(fake, make_plan, check=verify.verifier(make_plan),
                         record=ledger.recorder('register', None))
    # Not taken for a concurrent writer: two rounds, then one line.
    assert str(raised.value).startswith(
        'Mistral did not keep what was written: after two rounds of '
        'writing it, still to do: create code source acme_actions.one, '
        'create acme.one.say;'), raised.value
    assert not isinstance(raised.value, errors.ConflictError)
    assert fake.sessions == 2
    assert fake.entries() == []
    assert fake.rows == {}


def test_an_update_records_mistrals_next_version_and_the_diff(monkeypatch):
    fake = LedgerFake()
    register(fake, [SAY, WAVE])
    fake.sources[ONE.name] = registry.CodeSource(ONE.name, ONE.content, 4,
                                                 'public')
    new_say = changed(SAY, 'class One: "new"\n')
    register(fake, [new_say])  # without WAVE, no --prune: stale, kept
    first, second = fake.entries()
    assert second.changes['updated'] == [SAY.name]
    assert second.code_sources[ONE.name]['version'] == 5
    assert second.code_sources[ONE.name]['sha256'] == new_say.module.sha256
    assert ledger.previous(fake.entries(), second) == first
    [line] = ledger.diff(first, second)
    assert line.startswith('~ code source %s (v1 public sha256:%s -> v5 '
                           % (ONE.name, ONE.sha256[:12]))


def test_removals_and_the_diff_of_a_prune():
    fake = LedgerFake()
    register(fake, [SAY, WAVE])
    register(fake, [SAY], prune=True, command='register --prune')
    first, second = fake.entries()
    assert second.command == 'register --prune'
    assert second.changes['deleted'] == [WAVE.name]
    assert WAVE.name not in second.actions
    assert TWO.name not in second.code_sources
    assert ledger.diff(first, second) == [
        '- code source %s (v1 public sha256:%s)' % (
            TWO.name, TWO.sha256[:12]),
        '- action %s (Two in %s, public)' % (WAVE.name, TWO.name)]
    assert ledger.diff(None, first)[0].startswith('+ code source')


def test_a_record_holds_only_the_packages_it_concerns():
    snapshot = registry.Snapshot.of([], [])
    plan = planning.plan_register([SAY, ELSE], snapshot)
    entry, contents = ledger.build('register', snapshot, plan, ['acme'],
                                   {'acme': '1.0'}, WHO, 'db')
    assert set(entry.code_sources) == {ONE.name}
    assert set(entry.actions) == {SAY.name}
    assert set(contents) == {ONE.sha256}
    assert entry.packages == {'acme': '1.0'}
    # Without packages given (unregister NAME): those of what it removed.
    before = ledger.state_after(snapshot, plan)
    removal = planning.plan_removal(before, [ELSE.name])
    assert ledger.concerned_packages(before, removal, None) == ['other']


def test_module_texts_are_kept_once_whatever_the_number_of_deployments():
    fake = LedgerFake()
    register(fake, [SAY, WAVE])
    register(fake, [changed(SAY, 'class One: "2"\n'), WAVE])
    register(fake, [SAY, WAVE])  # back to the first text of ONE
    contents = [name for name in fake.rows
                if name.startswith(ledger.CONTENT_PREFIX)]
    assert len(fake.entries()) == 3
    assert len(contents) == 3  # ONE twice, TWO once


def test_pruning_keeps_the_newest_and_every_text_they_use():
    fake = LedgerFake()
    texts = ['class One: "%d"\n' % number for number in range(5)]
    for text in texts:
        register(fake, [changed(SAY, text), WAVE])
    entries = fake.entries()
    removed = ledger.prune(fake, keep=2)
    assert removed == [entry.row_name for entry in entries[:3]]
    assert fake.entries() == entries[3:]
    kept = {name[len(ledger.CONTENT_PREFIX):] for name in fake.rows
            if name.startswith(ledger.CONTENT_PREFIX)}
    assert kept == {changed(SAY, text).module.sha256
                    for text in texts[3:]} | {TWO.sha256}
    assert ledger.prune(fake, keep=2) == []


def test_recording_prunes_past_the_limit(monkeypatch):
    monkeypatch.setattr(ledger, 'KEEP', 2)
    fake = LedgerFake()
    for number in range(4):
        register(fake, [changed(SAY, 'class One: "%d"\n' % number)])
    assert len(fake.entries()) == 2


class RacingFake(LedgerFake):
    """A concurrent command run at one chosen moment of another: just
    before a record is written, or before a given row is deleted."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.before_record = None
        self.before_delete = {}

    def create_ledger_row(self, name, variables, if_absent=False):
        if name.startswith(ledger.ENTRY_PREFIX) and self.before_record:
            meanwhile, self.before_record = self.before_record, None
            meanwhile()
        super().create_ledger_row(name, variables, if_absent)

    def delete_ledger_row(self, name):
        meanwhile = self.before_delete.pop(name, None)
        if meanwhile:
            meanwhile()
        super().delete_ledger_row(name)


def texts_of_every_record(fake):
    """Each record's module texts: kept (True) or gone (False)."""
    return {(entry.id, source['sha256'][:8]):
            ledger.CONTENT_PREFIX + source['sha256'] in fake.rows
            for entry in fake.entries()
            for source in entry.code_sources.values()}


@pytest.fixture
def racing(monkeypatch):
    """Two records kept; the oldest has a text of its own, A, which a
    third deployment (back to A, and one more action) finds kept."""
    monkeypatch.setattr(ledger, 'KEEP', 2)
    fake = RacingFake()
    back_to_a = [changed(SAY, 'class One: "a"\n'), WAVE]
    register(fake, back_to_a[:1])
    register(fake, [changed(SAY, 'class One: "c"\n')])
    return fake, back_to_a, changed(SAY, 'class One: "b"\n')


def test_a_text_pruned_after_a_writer_found_it_is_put_back_by_the_writer(
        racing):
    """The pruner lists the records before the writer's is written: the
    writer looks again once it is, and writes the text back."""
    fake, back_to_a, other = racing
    # Between the writer's look at the texts and its record, another node
    # deploys, and its pruning removes the oldest record and text A.
    fake.before_record = lambda: register(fake, [other])
    register(fake, back_to_a)
    found = texts_of_every_record(fake)
    assert len(fake.entries()) == 2 and all(found.values()), found


def test_a_text_pruned_after_a_writer_recorded_is_put_back_by_the_pruner(
        racing):
    """The writer looks again before the pruner removes the text: the
    pruner lists the records again afterwards, and writes it back."""
    fake, back_to_a, other = racing
    text_a = ledger.CONTENT_PREFIX + back_to_a[0].module.sha256
    # Just before the pruner removes text A, another node deploys back to
    # A, from start to end.
    fake.before_delete[text_a] = lambda: register(fake, back_to_a)
    register(fake, [other])
    assert not fake.before_delete, 'the pruner did not remove text A'
    found = texts_of_every_record(fake)
    assert all(found.values()), found


def test_over_the_api_a_conflicting_record_is_retried_alone():
    fake = LedgerFake(ledger_conflicts=1)
    register(fake, [SAY])
    assert len(fake.entries()) == 1
    assert fake.sessions == 1  # the writes were not repeated


def test_over_the_api_a_record_that_keeps_failing_says_so():
    fake = LedgerFake(ledger_conflicts=ledger.RECORD_ATTEMPTS)
    with pytest.raises(errors.RegistryError) as raised:
        register(fake, [SAY])
    assert str(raised.value).startswith(
        'the changes were made, but the ledger could not record them')
    assert not isinstance(raised.value, errors.ConflictError)
    assert SAY.name in fake.actions


def test_in_a_transaction_a_conflicting_record_repeats_the_round(
        monkeypatch):
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = LedgerFake(transactional=True, ledger_conflicts=1)
    register(fake, [SAY])
    assert fake.sessions == 2


def test_records_survive_their_json_form():
    fake = LedgerFake()
    register(fake, [SAY])
    [entry] = fake.entries()
    variables = dict(entry.to_variables(), added_later='ignored')
    assert ledger.Deployment.from_variables(variables) == entry


def test_ids_sort_by_time_and_are_found_by_start_or_tail():
    now = datetime.datetime(2026, 12, 2, 16, 5, 9,
                            tzinfo=datetime.timezone.utc)
    first, second = ledger.new_id(now), ledger.new_id(now)
    assert first != second and first.startswith('20261202-160509-')
    entries = [ledger.Deployment(id=id_, time='t', command='c', who={},
                                 tool_version='', backend='',
                                 packages={}, changes={}, code_sources={},
                                 actions={}) for id_ in (first, second)]
    assert ledger.find(entries, second) == entries[1]
    assert ledger.find(entries, second[-6:]) == entries[1]
    with pytest.raises(errors.ToolError, match='names 2 deployments'):
        ledger.find(entries, '20261202')
    with pytest.raises(errors.ToolError, match='no deployment nope'):
        ledger.find(entries, 'nope')


def test_who_is_the_keystone_user_else_the_os_user_on_the_node():
    entry = ledger.Deployment(id='i', time='t', command='c', who=WHO,
                              tool_version='', backend='', packages={},
                              changes={}, code_sources={}, actions={})
    assert entry.who_text() == 'mistral@node-1'
    keystone = dict(WHO, user='admin', project='ops')
    assert ledger.Deployment.from_variables(dict(
        entry.to_variables(), who=keystone)).who_text() == 'admin@ops'


# Rollback (mistral_actions.tool.rollback, deploy.rollback).

HELLO = specs.ActionSpec('acme.one.hello', 'Hello', ONE, '', 'Hello.')


def deployed_v1_then_v2(fake):
    """v1: SAY and HELLO in ONE, WAVE in TWO; v2: SAY changed, HELLO gone,
    WAVE private."""
    register(fake, [SAY, HELLO, WAVE])
    new_say = changed(SAY, 'class One: "v2"\n')
    private_wave = specs.ActionSpec(WAVE.name, 'Two', TWO, '', 'Wave.',
                                    unsafe=True)

    def make_plan(snapshot):
        return planning.plan_register([new_say, private_wave], snapshot,
                                      override=True, prune=True,
                                      include_unsafe=True,
                                      prefixes={'acme'})
    apply.run_rounds(fake, make_plan, record=ledger.recorder('register',
                                                             None))
    return new_say


def held(fake):
    return (dict(fake.sources), {name: (action.class_name,
                                        action.code_source_name,
                                        action.scope)
                                 for name, action in fake.actions.items()})


def comparable(state):
    """Sources without Mistral's version, which a rollback moves on."""
    sources, actions = state
    return ({name: (source.content, source.scope)
             for name, source in sources.items()}, actions)


def test_rollback_restores_the_deployment_before_the_newest_exactly():
    fake = LedgerFake()
    register(fake, [SAY, HELLO, WAVE])
    v1 = held(fake)
    new_say = changed(SAY, 'class One: "v2"\n')
    register(fake, [new_say, WAVE], prune=True)
    assert HELLO.name not in fake.actions
    first = fake.entries()[0]
    record, plan, used = deploy.rollback(fake)
    assert record == first and used == {}
    assert comparable(held(fake)) == comparable(v1)
    newest = fake.entries()[-1]
    assert newest.command == 'rollback %s' % first.id
    assert newest.changes == {'created': [HELLO.name],
                              'updated': [SAY.name], 'deleted': []}
    assert (newest.code_sources, newest.actions) != ({}, {})
    assert newest.actions == first.actions
    # Registering v1 again finds nothing to do.
    assert not planning.plan_register(
        [SAY, HELLO, WAVE], fake.snapshot(), prefixes={'acme'}).writes


def test_rollback_restores_scopes_and_removed_actions():
    fake = LedgerFake()
    deployed_v1_then_v2(fake)
    assert fake.actions[WAVE.name].scope == 'private'
    deploy.rollback(fake, fake.entries()[0].id[-6:])
    assert fake.actions[WAVE.name].scope == 'public'
    assert fake.sources[TWO.name].scope == 'public'
    assert HELLO.name in fake.actions


def test_a_dry_run_or_a_refusal_writes_nothing():
    fake = LedgerFake()
    deployed_v1_then_v2(fake)
    before = held(fake), len(fake.entries())
    _, plan, _ = deploy.rollback(fake, dry_run=True)
    assert plan.writes
    with pytest.raises(errors.ToolError, match='not confirmed'):
        deploy.rollback(fake, confirm=lambda record, plan: False)
    assert (held(fake), len(fake.entries())) == before


def test_removing_an_action_a_workflow_uses_needs_force():
    fake = LedgerFake()
    register(fake, [SAY])
    register(fake, [SAY, HELLO])
    fake.workflows = {'greet': 'tasks:\n  t:\n    action: %s name=x\n'
                               % HELLO.name,
                      'other': 'action: %s.more\n' % HELLO.name}
    with pytest.raises(errors.ToolError) as raised:
        deploy.rollback(fake)
    assert str(raised.value) == (
        'the rollback removes actions that workflows in Mistral use: '
        'acme.one.hello (greet); give --force to roll back anyway')
    assert HELLO.name in fake.actions
    _, _, used = deploy.rollback(fake, force=True)
    assert used == {HELLO.name: ['greet']}
    assert HELLO.name not in fake.actions


def test_a_text_the_ledger_lost_is_said_before_any_write():
    fake = LedgerFake()
    deployed_v1_then_v2(fake)
    first = fake.entries()[0]
    fake.rows.pop(ledger.CONTENT_PREFIX
                  + first.code_sources[ONE.name]['sha256'])
    before = held(fake)
    with pytest.raises(errors.ToolError, match='no longer in the ledger'):
        deploy.rollback(fake)
    assert held(fake) == before


def test_nothing_to_roll_back_to():
    fake = LedgerFake()
    with pytest.raises(errors.ToolError, match='holds no deployment'):
        deploy.rollback(fake)
    register(fake, [SAY])
    with pytest.raises(errors.ToolError, match='before the newest'):
        deploy.rollback(fake)
