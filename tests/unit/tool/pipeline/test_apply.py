"""The apply driver over a fake registry: write order, retry, give-up,
refusal before any write, dry run, and the verify step."""

import contextlib

import pytest

from mistral_actions.tool import errors
from mistral_actions.tool.pipeline import apply
from mistral_actions.tool.pipeline import plan as planning
from mistral_actions.tool.pipeline import verify
from mistral_actions.tool import registry
from mistral_actions.tool import specs

OLD = specs.ModuleSpec('mistral_actions.old', '/x/old.py', 'class Old: ...',
                       'int32bit')
NEW = specs.ModuleSpec('mistral_actions.new', '/x/new.py', 'class New: ...',
                       'int32bit')
SYSTEM = specs.ModuleSpec('mistral_actions.system', '/x/system.py',
                          'class Exec: ...', 'int32bit')
FRESH = specs.ActionSpec('int32bit.new.fresh', 'New', NEW, '', 'Doc.')
EXEC = specs.ActionSpec('int32bit.system.exec', 'Exec', SYSTEM, 'cmd',
                        'Doc.', unsafe=True)
GONE = registry.DynamicAction('int32bit.old.gone', 'Old', OLD.name,
                              'public')


class FakeRegistry(registry.Registry, registry.RegistrySession):
    """Rows in dicts; every write logged; conflicts and owner on demand."""

    def __init__(self, conflicts=0, owner_missing='', parallel_writes=1,
                 drop_writes=False):
        self.sources = {OLD.name: registry.CodeSource(OLD.name, OLD.content,
                                                      1, 'public')}
        self.actions = {GONE.name: GONE}
        self.log = []
        self.conflicts = conflicts
        self.owner_missing = owner_missing
        self.parallel_writes = parallel_writes
        self.drop_writes = drop_writes  # a backend that lies
        self.sessions = 0
        self.other_actions = []  # one set of names per read; last repeats

    @contextlib.contextmanager
    def session(self):
        self.sessions += 1
        yield self
        if self.conflicts:
            self.conflicts -= 1
            raise errors.ConflictError('someone else wrote')

    def snapshot(self, with_other_actions=True):
        others = self.other_actions[0] if self.other_actions else ()
        if len(self.other_actions) > 1:
            self.other_actions.pop(0)
        return registry.Snapshot.of(self.sources.values(),
                                    self.actions.values(), others)

    def describe_actions(self, names):
        return []

    def missing_owner(self):
        return self.owner_missing

    def _write(self, what, name, row=None, table=None):
        self.log.append((what, name))
        if self.drop_writes or table is None:
            return
        if row is None:
            table.pop(name)
        else:
            table[name] = row

    def create_code_source(self, module, scope):
        self._write('create source', module.name, registry.CodeSource(
            module.name, module.content, 1, scope), self.sources)

    def update_code_source(self, module, scope):
        self._write('update source', module.name, registry.CodeSource(
            module.name, module.content, 2, scope), self.sources)

    def delete_code_source(self, name):
        self._write('delete source', name, None, self.sources)

    def create_action(self, spec, scope):
        self._write('create action', spec.name, registry.DynamicAction(
            spec.name, spec.class_name, spec.code_source_name, scope),
            self.actions)

    def update_action(self, spec, scope):
        self._write('update action', spec.name, registry.DynamicAction(
            spec.name, spec.class_name, spec.code_source_name, scope),
            self.actions)

    def delete_action(self, name):
        self._write('delete action', name, None, self.actions)


def make_plan(snapshot):
    return planning.plan_register([FRESH, EXEC], snapshot,
                                  include_unsafe=True, prune=True)


def register(fake, **options):
    return apply.run_rounds(fake, make_plan,
                            check=verify.verifier(make_plan), **options)


def test_sources_before_actions_and_removals_in_reverse():
    fake = FakeRegistry()
    plan = register(fake)
    assert fake.log == [
        ('create source', NEW.name), ('create source', SYSTEM.name),
        ('create action', FRESH.name), ('create action', EXEC.name),
        ('delete action', GONE.name), ('delete source', OLD.name)]
    assert fake.actions[EXEC.name].scope == 'private'
    assert fake.sources[SYSTEM.name].scope == 'private'
    assert fake.actions[FRESH.name].scope == 'public'
    assert plan.writes


def test_parallel_writes_keep_the_phase_order():
    fake = FakeRegistry(parallel_writes=8)
    register(fake)
    phases = [what for what, _ in fake.log]
    assert phases == sorted(phases, key=[
        'create source', 'create action', 'delete action',
        'delete source'].index)


def test_a_conflict_repeats_the_round_from_a_fresh_snapshot():
    fake = FakeRegistry(conflicts=1)
    register(fake)
    # Round 1 wrote and "lost"; round 2 re-planned on what was there.
    assert fake.sessions >= 2
    assert set(fake.actions) == {FRESH.name, EXEC.name}


def test_a_torn_read_is_read_again_before_any_write(monkeypatch):
    """Another writer created a code source and its action between the
    two listings: the action is seen, its code source not. Its owner
    cannot be told, so nothing is refused or written on that read."""
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry()
    fake.actions[FRESH.name] = registry.DynamicAction(
        FRESH.name, 'New', NEW.name, 'public')
    reads = []
    whole = fake.snapshot

    def snapshot(with_other_actions=True):
        reads.append(len(reads))
        if len(reads) > 1:  # the other writer's code source is there now
            fake.sources[NEW.name] = registry.CodeSource(
                NEW.name, NEW.content, 1, 'public')
        return whole()
    fake.snapshot = snapshot
    plan = make_plan(whole())
    assert plan.torn == [FRESH.name] and not plan.problems
    register(fake)
    assert len(reads) >= 2
    assert fake.log[0] == ('create source', SYSTEM.name)
    assert set(fake.actions) == {FRESH.name, EXEC.name}


def test_a_name_of_ours_seen_once_as_another_providers_is_read_again(
        monkeypatch):
    """Over the REST API an action another node creates and deletes
    between the listings looks like another provider's: one such read
    refuses nothing."""
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry()
    fake.other_actions = [{FRESH.name}, set()]
    register(fake)
    assert set(fake.actions) == {FRESH.name, EXEC.name}


def test_another_providers_action_seen_twice_is_refused(monkeypatch):
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry()
    fake.other_actions = [{FRESH.name}]
    with pytest.raises(errors.PlanRefused, match='another provider'):
        register(fake)
    assert fake.sessions == 2 and fake.log == []


def test_gives_up_after_the_last_attempt(monkeypatch):
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry(conflicts=apply.ATTEMPTS)
    with pytest.raises(errors.ConflictError, match='gave up after 8'):
        register(fake)


def test_private_rows_without_an_owner_are_refused_before_any_write():
    fake = FakeRegistry(owner_missing='no project (give --project-id)')
    with pytest.raises(errors.ToolError) as raised:
        register(fake)
    assert str(raised.value) == (
        'int32bit.system.exec would be registered private to one keystone '
        'project, but no project (give --project-id)')
    assert fake.log == []


def test_a_plan_with_problems_writes_nothing():
    fake = FakeRegistry()
    fake.actions[FRESH.name] = registry.DynamicAction(
        FRESH.name, 'New', 'someone.elses', 'public')
    with pytest.raises(errors.PlanRefused, match='does not own'):
        register(fake)
    assert fake.log == []


def test_dry_run_writes_nothing_and_verifies_nothing():
    fake = FakeRegistry()
    plan = register(fake, dry_run=True)
    assert plan.writes and fake.log == [] and fake.sessions == 1


def test_verify_fails_naming_what_is_still_to_do(monkeypatch):
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry(drop_writes=True)
    with pytest.raises(errors.RegistryError) as raised:
        register(fake)
    assert 'create int32bit.new.fresh' in str(raised.value)
    assert 'remove int32bit.old.gone' in str(raised.value)
    # The same writes undone twice: Mistral does not keep them, which no
    # number of further rounds changes.
    assert str(raised.value).startswith('Mistral did not keep what was '
                                        'written: after two rounds')
    assert fake.sessions == 2


def test_a_write_undone_once_is_written_again(monkeypatch):
    """A concurrent writer that undid a write of this round (verify finds
    it still to do) is a conflict: the round is repeated and holds."""
    monkeypatch.setattr(apply.time, 'sleep', lambda seconds: None)
    fake = FakeRegistry(drop_writes=True)
    verify_once = verify.verifier(make_plan)

    def check(session):
        try:
            verify_once(session)
        finally:
            fake.drop_writes = False
    plan = apply.run_rounds(fake, make_plan, check=check)
    assert fake.sessions == 2 and plan.writes
    assert set(fake.actions) == {FRESH.name, EXEC.name}


def test_a_first_write_failure_stops_the_phase():
    fake = FakeRegistry(parallel_writes=8)

    def broken(spec, scope):
        raise errors.RegistryError('Mistral answered HTTP 500')
    fake.create_action = broken
    with pytest.raises(errors.RegistryError, match='HTTP 500'):
        register(fake)
    assert ('delete action', GONE.name) not in fake.log


@pytest.mark.parametrize('parallel_writes', [1, 8])
def test_progress_is_told_the_total_then_each_write(parallel_writes):
    fake = FakeRegistry(parallel_writes=parallel_writes)
    rounds = []

    def progress(total):
        rounds.append([total, 0])

        def written():
            rounds[-1][1] += 1
        return written

    register(fake, progress=progress)
    assert rounds == [[len(fake.log), len(fake.log)]]
    assert len(fake.log) == 6


def test_no_progress_for_a_dry_run():
    called = []
    register(FakeRegistry(), dry_run=True, progress=called.append)
    assert called == []
