"""Actions on Cinder volume backups: create, chained backups, status.

Cinder always makes a new incremental backup the child of the volume's
latest *available* backup (the one with the latest ``data_timestamp``), and
refuses an incremental backup when there is none. The caller cannot choose
the parent, so the chain that matters is the one reaching back from that
latest backup to its full backup.
"""

import datetime

from mistral_lib import exceptions

from mistral_actions.cloud import failures
from mistral_actions.cloud import inputs
from mistral_actions.cloud import resources

BACKUPS = resources.Resource(
    'backup', 'block-storage', 'backups',
    error_states=('error', 'error_deleting', 'error_restoring', 'deleted'),
    fields=('id', 'name', 'status', 'volume_id', 'is_incremental'))


#: Backups that hold complete data and so can be links of a chain. Cinder
#: makes only ``available`` ones parents; one being restored still is one.
CHAIN_STATES = ('available', 'restoring')


def chain_backups(client, volume_id):
    """The volume's backups that can be links of a chain, as dicts."""
    return [backup for backup in (
        resources.to_json(backup) for backup in
        client.backups.list(search_opts={'volume_id': volume_id}))
        if backup.get('volume_id') == volume_id
        and str(backup.get('status')).lower() in CHAIN_STATES]


def _is_available(backup):
    return str(backup.get('status')).lower() == 'available'


def _moment(value):
    """An API timestamp as naive UTC; unreadable ones sort first."""
    try:
        moment = datetime.datetime.fromisoformat(
            str(value).replace('Z', '+00:00'))
    except ValueError:
        return datetime.datetime.min
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def chain_of(backups):
    """The chain a new incremental backup would extend, and what breaks it.

    ``backups``: see :func:`chain_backups`. The chain starts at the backup
    Cinder will pick as the parent of a new incremental one: the available
    backup whose data is the latest (``data_timestamp``; a backup of a
    snapshot holds the snapshot's data). It goes from parent to parent down
    to a full backup. A backup's parent is its ``parent_id`` where the API
    shows one; otherwise the one Cinder picked when it made the backup:
    among the backups made before it that hold older data, the one with the
    latest data. (Cinder refuses to delete a backup that has incremental
    children, so that parent is still listed.)

    Returns ``(chain, None)`` with the chain newest first, or ``(chain so
    far, reason)`` when a parent is missing or the walk meets a backup
    twice.
    """
    available = [backup for backup in backups if _is_available(backup)]
    if not available:
        return [], None
    by_id = {backup['id']: backup for backup in backups}
    made = {backup['id']: _moment(backup.get('created_at'))
            for backup in backups}
    data = {backup['id']: _moment(backup.get('data_timestamp')
                                  or backup.get('created_at'))
            for backup in backups}

    def parent_of(child):
        if 'parent_id' in child:
            return by_id.get(child['parent_id'])
        older = [backup for backup in backups
                 if made[backup['id']] < made[child['id']]
                 and data[backup['id']] < data[child['id']]]
        return max(older, key=lambda backup: data[backup['id']],
                   default=None)

    chain, seen = [], set()
    backup = max(available, key=lambda backup: data[backup['id']])
    while True:
        if backup['id'] in seen:
            return chain, 'backup %s is its own ancestor' % backup['id']
        seen.add(backup['id'])
        chain.append(backup)
        if not backup.get('is_incremental'):
            return chain, None
        parent = parent_of(backup)
        if parent is None:
            return chain, ('the parent of incremental backup %s is missing'
                           % backup['id'])
        backup = parent


def create_backup(client, volume_id, incremental, **options):
    """Start a backup and return its summary (status usually creating)."""
    with failures.not_found_as('volume', volume_id):
        backup = client.backups.create(volume_id, incremental=incremental,
                                       **options)
    result = BACKUPS.summary(BACKUPS.get(client, backup.id))
    result['is_incremental'] = bool(incremental)
    return result


class AssertStatus(resources.AssertStatusAction):
    """Check that a backup has the expected status (available by default).

    Fails fast, with "backup ID is in error state error; it will never
    become available", when the backup is in error, error_deleting,
    error_restoring or deleted, and with "backup ID is creating, not
    available yet" otherwise, so that a retry can stop at once on the first
    kind::

        retry:
          count: 30
          delay: 10
          break-on: "{{ 'will never become' in (task().state_info or '') }}"

    Returns {id, name, status, volume_id, is_incremental}.

    :param backup_id: ID of the backup.
    :param status: the expected status.
    """

    __export__ = True
    _resource = BACKUPS

    def __init__(self, backup_id, status="available"):
        super().__init__(backup_id, status)


class WaitForStatus(resources.WaitForStatusAction):
    """Wait until a backup has the expected status (available by default).

    Polls every ``interval`` seconds for at most ``timeout`` seconds in one
    action run; a dropped connection or a 502/503/504 is "not yet". Fails
    at once when the backup is in an error state or does not exist, and
    names the last status on timeout. Returns {id, name, status, volume_id,
    is_incremental}.

    :param backup_id: ID of the backup.
    :param status: the expected status.
    :param timeout: seconds to wait at most.
    :param interval: seconds between two polls.
    """

    __export__ = True
    _resource = BACKUPS

    def __init__(self, backup_id, status="available", timeout=300,
                 interval=5):
        super().__init__(backup_id, status, timeout, interval)


class Create(resources.OpenStackAction):
    """Back up a volume, incrementally when it already has a backup.

    With incremental=true and no available backup of the volume yet, makes
    a full backup instead of failing. Returns at once with {id, name,
    status, volume_id, is_incremental}: follow with
    ``int32bit.cinder.backups.wait_for_status``.

    :param volume_id: ID of the volume to back up.
    :param backup_name: name of the new backup.
    :param snapshot_id: back up this snapshot of the volume instead.
    :param description: description of the new backup.
    :param container: backup service container (default: Cinder's).
    :param incremental: make an incremental backup if the volume has one.
    :param force: back up even an attached (in-use) volume.
    """

    __export__ = True
    _service = BACKUPS.service

    def __init__(self, volume_id, backup_name, snapshot_id=None,
                 description=None, container=None, incremental=True,
                 force=True):
        super().__init__()
        self.volume_id = volume_id
        self.backup_name = backup_name
        self.snapshot_id = snapshot_id
        self.description = description
        self.container = container
        self.incremental = incremental
        self.force = force

    def run(self, context):
        wanted = inputs.flag('incremental', self.incremental)
        force = inputs.flag('force', self.force)
        client = self.client(context)
        incremental = wanted and any(
            map(_is_available, chain_backups(client, self.volume_id)))
        return create_backup(
            client, self.volume_id, incremental, name=self.backup_name,
            snapshot_id=self.snapshot_id, description=self.description,
            container=self.container, force=force)


class CreateBackup(resources.OpenStackAction):
    """Back up a volume in chains of at most max_chain_length backups.

    For scheduled backups: makes an incremental backup on top of the
    volume's latest available backup, or a full one that starts a new chain
    when the volume has no backup yet, when the chain from the latest
    backup back to its full backup already holds ``max_chain_length``
    backups, or when that chain is broken (a parent is missing). Backs up
    attached volumes too. Returns at once with {id, name, status,
    volume_id, is_incremental, chain_length, parent_id, reason}, where
    chain_length counts the new backup and parent_id is the backup Cinder
    will chain it onto (null for a full backup).

    :param volume_id: ID of the volume to back up.
    :param max_chain_length: most backups in one chain, full one included.
    """

    __export__ = True
    _service = BACKUPS.service

    def __init__(self, volume_id, max_chain_length=5):
        super().__init__()
        self.volume_id = volume_id
        self.max_chain_length = max_chain_length

    def run(self, context):
        try:
            maximum = int(str(self.max_chain_length))
        except ValueError:
            maximum = 0
        if maximum < 1:
            raise exceptions.ActionException(
                'max_chain_length must be a whole number >= 1, got %r'
                % (self.max_chain_length,))
        client = self.client(context)
        chain, broken = chain_of(chain_backups(client, self.volume_id))
        if not chain:
            reason = 'the volume has no available backup yet'
        elif broken:
            reason = 'the backup chain is broken: %s' % broken
        elif len(chain) >= maximum:
            reason = ('the chain of backup %s already holds %d backups'
                      % (chain[0]['id'], len(chain)))
        else:
            reason = None
        incremental = reason is None
        result = create_backup(
            client, self.volume_id, incremental, force=True,
            name='%s-%s' % (self.volume_id, resources.utc_stamp()))
        result['chain_length'] = len(chain) + 1 if incremental else 1
        result['parent_id'] = chain[0]['id'] if incremental else None
        result['reason'] = (
            'incremental on backup %s' % chain[0]['id'] if incremental
            else 'full backup: %s' % reason)
        return result
