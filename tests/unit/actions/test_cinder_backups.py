import pytest

from mistral_actions.cinder import backups
from tests.unit.actions.fakes import failure_of
from tests.unit.actions.fakes import run_like_mistral


@pytest.fixture
def cinder(clients):
    cinder = clients.cinder
    cinder.volumes.add('vol-1', status='in-use', size=1)
    cinder.volumes.add('vol-2', status='available', size=1)
    return cinder


def made_by_create_backup(chain_id):
    """The metadata create_backup records on a backup of chain_id."""
    return {backups.MADE_BY_KEY: backups.MADE_BY,
            backups.CHAIN_KEY: chain_id}


def add_backup(cinder, backup_id, hour, incremental, status='available',
               volume_id='vol-1', data_hour=None, chain='chain',
               **extra):
    """A backup made at ``hour`` o'clock holding data of ``data_hour``, by
    create_backup in ``chain`` (by someone else when chain is None)."""
    made = '2024-05-01T%02d:00:00.000000' % hour
    data = '2024-05-01T%02d:00:00.000000' % (
        hour if data_hour is None else data_hour)
    extra.setdefault('metadata', {} if chain is None
                     else made_by_create_backup(chain))
    cinder.backups.add(backup_id, status=status, volume_id=volume_id,
                       is_incremental=incremental, created_at=made,
                       data_timestamp=data, name=backup_id, **extra)


def add_chain(cinder, prefix, first_hour, length, volume_id='vol-1',
              chain=True):
    """A full backup and length - 1 incremental ones, an hour apart, made
    by create_backup (chain ``prefix``) unless chain is false."""
    for number in range(length):
        add_backup(cinder, '%s%d' % (prefix, number), first_hour + number,
                   incremental=number > 0, volume_id=volume_id,
                   chain=prefix if chain else None)


# -- create ------------------------------------------------------------------

def test_create_falls_back_to_full_without_backups(cinder, context):
    result = run_like_mistral(
        backups.Create('vol-1', 'nightly'), context)
    assert result['is_incremental'] is False
    assert result['status'] == 'creating'
    assert result['id'] == 'new-backup-1'
    created, = cinder.backups.created
    assert created['incremental'] is False
    assert created['name'] == 'nightly'
    assert created['force'] is True


def test_create_falls_back_to_full_when_no_backup_is_available(cinder,
                                                               context):
    add_backup(cinder, 'failed', 1, incremental=False, status='error')
    add_backup(cinder, 'other-volume', 2, incremental=False,
               volume_id='vol-2')
    result = run_like_mistral(backups.Create('vol-1', 'b'), context)
    assert result['is_incremental'] is False


def test_create_incremental_when_a_backup_exists(cinder, context):
    add_backup(cinder, 'full', 1, incremental=False)
    result = run_like_mistral(
        backups.Create('vol-1', 'b', snapshot_id='snap-1',
                       description='d', container='c', force=False),
        context)
    assert result['is_incremental'] is True
    created, = cinder.backups.created
    assert created == dict(
        id='new-backup-1', volume_id='vol-1', container='c', name='b',
        description='d', incremental=True, force=False,
        snapshot_id='snap-1')


def test_create_full_when_asked(cinder, context):
    add_backup(cinder, 'full', 1, incremental=False)
    result = run_like_mistral(
        backups.Create('vol-1', 'b', incremental=False), context)
    assert result['is_incremental'] is False
    assert cinder.backups.created[0]['incremental'] is False


@pytest.mark.parametrize('text, expected', [('false', False),
                                            ('True', True)])
def test_create_reads_flags_given_as_text(cinder, context, text, expected):
    add_backup(cinder, 'full', 1, incremental=False)
    result = run_like_mistral(backups.Create(
        'vol-1', 'b', incremental=text, force=text), context)
    assert result['is_incremental'] is expected
    assert cinder.backups.created[0]['force'] is expected


def test_create_rejects_odd_flags(cinder, context):
    assert failure_of(backups.Create('vol-1', 'b', incremental='maybe'),
                      context) == \
        "incremental must be true or false, got 'maybe'"
    assert cinder.backups.created == []


def test_create_unknown_volume(cinder, context):
    assert failure_of(backups.Create('nope', 'b'), context) == \
        'volume nope not found'


def test_create_of_a_volume_in_error_is_the_same_line_as_create_backup(
        cinder, context):
    cinder.volumes.add('vol-1', status='error', size=1)
    assert failure_of(backups.Create('vol-1', 'b'), context) == \
        failure_of(backups.CreateBackup('vol-1', 1, 1), context) == \
        'volume vol-1 is error; Cinder makes a backup only of an available ' \
        'or in-use volume'
    assert cinder.backups.created == []


# -- create_backup: chains ---------------------------------------------------

def test_create_backup_full_when_volume_has_none(cinder, context):
    result = run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert result['is_incremental'] is False
    assert result['chain_length'] == 1
    assert result['parent_id'] is None
    assert 'no available backup' in result['reason']
    assert cinder.backups.created[0]['incremental'] is False
    assert cinder.backups.created[0]['force'] is True
    assert cinder.backups.lists == [{'volume_id': 'vol-1'}]


@pytest.mark.parametrize('existing', [1, 2, 4])
def test_create_backup_incremental_under_max(cinder, context, existing):
    add_chain(cinder, 'b', 1, existing)
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['is_incremental'] is True
    assert result['chain_length'] == existing + 1
    assert result['parent_id'] == 'b%d' % (existing - 1)
    assert result['reason'] == 'incremental on backup b%d' % (existing - 1)
    assert cinder.backups.created[0]['incremental'] is True
    assert set(result) >= {'id', 'status', 'is_incremental', 'chain_length'}


def test_create_backup_new_full_at_max(cinder, context):
    add_chain(cinder, 'b', 1, 5)
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['is_incremental'] is False
    assert result['chain_length'] == 1
    assert result['reason'] == ('full backup: the chain of backup b4 '
                                'already holds 5 backups')
    assert cinder.backups.created[0]['incremental'] is False


def test_create_backup_counts_only_the_latest_chain(cinder, context):
    add_chain(cinder, 'old', 1, 5)
    add_chain(cinder, 'new', 10, 2)
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['is_incremental'] is True
    assert result['chain_length'] == 3
    assert result['parent_id'] == 'new1'


def test_create_backup_max_chain_length_one_is_always_full(cinder, context):
    add_chain(cinder, 'b', 1, 1)
    result = run_like_mistral(backups.CreateBackup('vol-1', 1), context)
    assert result['is_incremental'] is False


def test_create_backup_accepts_max_as_text(cinder, context):
    add_chain(cinder, 'b', 1, 2)
    result = run_like_mistral(backups.CreateBackup('vol-1', '3'), context)
    assert result['is_incremental'] is True


@pytest.mark.parametrize('bad', [0, -2, 'many', 2.5, True, None])
def test_create_backup_rejects_bad_max(cinder, context, bad):
    assert failure_of(backups.CreateBackup('vol-1', bad), context) == \
        'max_chain_length must be a whole number >= 1, got %r' % bad
    assert cinder.backups.created == []


def test_create_backup_ignores_backups_that_are_not_available(cinder,
                                                              context):
    add_chain(cinder, 'b', 1, 2)
    # Newer but failed or unfinished: Cinder would not chain onto them.
    add_backup(cinder, 'failed', 5, incremental=True, status='error')
    add_backup(cinder, 'running', 6, incremental=True, status='creating')
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['parent_id'] == 'b1'
    assert result['chain_length'] == 3


def test_create_backup_counts_a_parent_being_restored(cinder, context):
    add_chain(cinder, 'b', 1, 3)
    cinder.backups.states['b1'][-1]['status'] = 'restoring'
    result = run_like_mistral(backups.CreateBackup('vol-1', 3), context)
    assert result['is_incremental'] is False
    assert 'already holds 3 backups' in result['reason']


def test_create_backup_missing_parent_starts_new_chain(cinder, context):
    # The full backup is gone (or failed): the incrementals have no parent.
    add_backup(cinder, 'full', 1, incremental=False, status='error')
    add_backup(cinder, 'incr1', 2, incremental=True)
    add_backup(cinder, 'incr2', 3, incremental=True)
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['is_incremental'] is False
    assert result['chain_length'] == 1
    assert result['reason'] == (
        'full backup: the backup chain is broken: the parent of '
        'incremental backup incr1 is missing')


def test_create_backup_follows_parent_id_when_shown(cinder, context):
    # By time alone, d's parent would be c (a chain of 2); parent_id says
    # b, whose chain d, b, a holds 3.
    add_backup(cinder, 'a', 1, incremental=False, parent_id=None)
    add_backup(cinder, 'b', 2, incremental=True, parent_id='a')
    add_backup(cinder, 'c', 3, incremental=False, parent_id=None)
    add_backup(cinder, 'd', 4, incremental=True, parent_id='b')
    result = run_like_mistral(backups.CreateBackup('vol-1', 3), context)
    assert result['is_incremental'] is False
    assert 'chain of backup d already holds 3' in result['reason']


def test_create_backup_missing_parent_id(cinder, context):
    add_backup(cinder, 'a', 1, incremental=False, parent_id=None)
    add_backup(cinder, 'b', 2, incremental=True, parent_id='gone')
    result = run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert result['is_incremental'] is False
    assert 'parent of incremental backup b is missing' in result['reason']


def test_create_backup_guards_against_cycles(cinder, context):
    add_backup(cinder, 'a', 1, incremental=True, parent_id='b')
    add_backup(cinder, 'b', 2, incremental=True, parent_id='a')
    result = run_like_mistral(backups.CreateBackup('vol-1'), context)
    assert result['is_incremental'] is False
    assert result['reason'] == ('full backup: the backup chain is broken: '
                                'backup b is its own ancestor')


def test_create_backup_of_snapshot_data_orders_by_data_timestamp(cinder,
                                                                 context):
    # full at 1h; incr at 3h; at 4h a backup of a snapshot taken at 2h:
    # Cinder made it a child of the full backup (older data), so the latest
    # data is still incr's, and its chain is incr, full.
    add_backup(cinder, 'full', 1, incremental=False)
    add_backup(cinder, 'incr', 3, incremental=True)
    add_backup(cinder, 'from-snapshot', 4, incremental=True, data_hour=2)
    result = run_like_mistral(backups.CreateBackup('vol-1', 5), context)
    assert result['parent_id'] == 'incr'
    assert result['chain_length'] == 3


# -- create_backup: retention ------------------------------------------------

def nightly(cinder, context, nights, **options):
    """Run create_backup once a night; each backup is available by the
    next night. The results, in order."""
    results = []
    for _ in range(nights):
        result = run_like_mistral(backups.CreateBackup('vol-1', **options),
                                  context)
        cinder.backups.add(result['id'], **dict(
            cinder.backups.states[result['id']][-1], status='available'))
        results.append(result)
    return results


def remaining(cinder):
    return sorted(cinder.backups.states)


def test_create_backup_keeps_the_newest_chains(cinder, context):
    results = nightly(cinder, context, 6, max_chain_length=2, max_chains=2)
    assert [r['is_incremental'] for r in results] == [False, True] * 3
    assert [r['deleted'] for r in results] == [
        [], [], [], [], ['new-backup-2', 'new-backup-1'], []]
    assert all(r['not_deleted'] == [] for r in results)
    assert remaining(cinder) == ['new-backup-%d' % n for n in (3, 4, 5, 6)]
    # Newest first within a chain: an incremental before its full one.
    assert cinder.backups.deletes == ['new-backup-2', 'new-backup-1']
    chains = {r['id']: r['chain_id'] for r in results}
    assert chains['new-backup-3'] == chains['new-backup-4'] != \
        chains['new-backup-5'] == chains['new-backup-6']
    created = cinder.backups.created[-1]
    assert created['metadata'] == made_by_create_backup(chains[
        'new-backup-6'])


def test_create_backup_deletes_before_it_creates(cinder, context):
    # Cinder counts the new backup against the quota at once: with a
    # quota of max_chain_length x max_chains, room must come first.
    add_chain(cinder, 'a', 1, 2)
    add_chain(cinder, 'b', 3, 2)
    calls = []
    delete, create = cinder.backups.delete, cinder.backups.create
    cinder.backups.delete = lambda *a: calls.append('delete') or delete(*a)
    cinder.backups.create = lambda *a, **k: calls.append('create') or \
        create(*a, **k)
    result = run_like_mistral(backups.CreateBackup('vol-1', 2, 2), context)
    assert result['deleted'] == ['a1', 'a0']
    assert calls == ['delete', 'delete', 'create']


def test_create_backup_never_touches_backups_it_did_not_make(cinder,
                                                             context):
    add_chain(cinder, 'theirs', 1, 1, chain=False)
    add_backup(cinder, 'other-volume', 2, incremental=False,
               volume_id='vol-2', chain='x')
    results = nightly(cinder, context, 6, max_chain_length=2, max_chains=1)
    assert cinder.backups.deletes == ['new-backup-2', 'new-backup-1',
                                      'new-backup-4', 'new-backup-3']
    assert remaining(cinder) == ['new-backup-5', 'new-backup-6',
                                 'other-volume', 'theirs0']
    # The latest backup was someone else's: a chain of its own starts.
    assert results[0]['reason'] == (
        'full backup: the latest backup, theirs0, was not made by this '
        'action')


def test_create_backup_max_chains_zero_keeps_everything(cinder, context):
    nightly(cinder, context, 5, max_chain_length=1, max_chains=0)
    assert cinder.backups.deletes == []
    assert len(remaining(cinder)) == 5


def test_create_backup_reports_what_it_could_not_delete(cinder, context):
    add_chain(cinder, 'a', 1, 3)
    add_chain(cinder, 'b', 5, 1)
    cinder.backups.refuse['a1'] = (
        'Invalid backup: Incremental backups exist for this backup. '
        '(HTTP 400)')
    result = run_like_mistral(backups.CreateBackup('vol-1', 1, 2), context)
    assert result['deleted'] == ['a2']
    assert result['not_deleted'] == [
        {'id': 'a1', 'reason': 'Invalid backup: Incremental backups exist '
         'for this backup. (HTTP 400)'},
        {'id': 'a0', 'reason': 'a newer backup of its chain, a1, was not '
         'deleted'}]
    assert result['status'] == 'creating'


def test_create_backup_reports_a_deletion_cinder_failed(cinder, context):
    add_chain(cinder, 'a', 1, 1)
    cinder.backups.stick['a0'] = 'error_deleting'
    result = run_like_mistral(backups.CreateBackup('vol-1', 1, 1), context)
    assert result['not_deleted'] == [
        {'id': 'a0', 'reason': 'Cinder left it error_deleting'}]


def test_create_backup_refuses_a_volume_it_cannot_back_up(cinder, context):
    add_chain(cinder, 'a', 1, 1)
    cinder.volumes.add('vol-1', status='error', size=1)
    assert failure_of(backups.CreateBackup('vol-1', 1, 1), context) == \
        'volume vol-1 is error; Cinder makes a backup only of an available ' \
        'or in-use volume'
    assert cinder.backups.deletes == [] and cinder.backups.created == []


@pytest.mark.parametrize('bad', [-1, 'two', 1.5])
def test_create_backup_rejects_bad_max_chains(cinder, context, bad):
    assert failure_of(backups.CreateBackup('vol-1', 5, bad), context) == \
        'max_chains must be a whole number >= 0, got %r' % bad


def test_chain_of_reads_timezones():
    chain, broken = backups.chain_of([
        {'id': 'full', 'status': 'available', 'is_incremental': False,
         'created_at': '2024-05-01T10:00:00+02:00'},
        {'id': 'incr', 'status': 'available', 'is_incremental': True,
         'created_at': '2024-05-01T09:00:00Z'},
    ])
    assert [backup['id'] for backup in chain] == ['incr', 'full']
    assert broken is None


def test_create_backup_unknown_volume(cinder, context):
    assert failure_of(backups.CreateBackup('nope'), context) == \
        'volume nope not found'


# -- status ------------------------------------------------------------------

def test_assert_status(cinder, context):
    add_backup(cinder, 'b', 1, incremental=True)
    result = run_like_mistral(backups.AssertStatus('b'), context)
    assert result == {'id': 'b', 'name': 'b', 'status': 'available',
                      'volume_id': 'vol-1', 'is_incremental': True}


@pytest.mark.parametrize('status', ['error', 'error_deleting',
                                    'error_restoring', 'deleted'])
def test_assert_status_error_states(cinder, context, status):
    add_backup(cinder, 'b', 1, incremental=False, status=status,
               fail_reason='swift is down')
    assert failure_of(backups.AssertStatus('b'), context) == (
        'backup b is in error state %s; it will never become available: '
        'swift is down' % status)


def test_assert_status_not_yet_and_unknown(cinder, context):
    add_backup(cinder, 'b', 1, incremental=False, status='creating')
    assert failure_of(backups.AssertStatus('b'), context) == \
        'backup b is creating, not available yet'
    assert failure_of(backups.AssertStatus('nope'), context) == \
        'backup nope not found'


def test_wait_for_status(cinder, context):
    run_like_mistral(backups.CreateBackup('vol-1'), context)
    cinder.backups.states['new-backup-1'].append(
        dict(cinder.backups.states['new-backup-1'][0], status='available'))
    result = run_like_mistral(backups.WaitForStatus(
        'new-backup-1', timeout=5, interval=0.01), context)
    assert result['status'] == 'available'


def test_wait_for_status_error_and_timeout(cinder, context):
    add_backup(cinder, 'bad', 1, incremental=False, status='error')
    add_backup(cinder, 'slow', 1, incremental=False, status='creating')
    assert failure_of(backups.WaitForStatus(
        'bad', timeout=5, interval=0.01), context).startswith(
        'backup bad is in error state ')
    assert failure_of(backups.WaitForStatus(
        'slow', timeout=0.03, interval=0.01), context).startswith(
        'backup slow is still creating after')
