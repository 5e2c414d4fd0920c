"""Actions on Cinder volume backups: create, chained backups, status.

Cinder always makes a new incremental backup the child of the volume's
latest *available* backup (the one with the latest ``data_timestamp``), and
refuses an incremental backup when there is none. The caller cannot choose
the parent, so the chain that matters is the one reaching back from that
latest backup to its full backup.

``create_backup`` also keeps a bounded number of chains: it records on
every backup it makes (Cinder backup metadata, API 3.43+) that it made it
and to which chain it belongs, and deletes only backups that say so.
"""

import datetime
import uuid

from mistral_actions.cinder import volumes
from mistral_actions.cloud import cinder_client
from mistral_actions.cloud import failures
from mistral_actions.cloud import inputs
from mistral_actions.cloud import outcomes
from mistral_actions.cloud import polling
from mistral_actions.cloud import resources

BACKUPS = resources.Resource(
    'backup', cinder_client.SERVICE, 'backups',
    error_states=('error', 'error_deleting', 'error_restoring', 'deleted'),
    fields=('id', 'name', 'status', 'volume_id', 'is_incremental'))


#: Backups that hold complete data and so can be links of a chain. Cinder
#: makes only ``available`` ones parents; one being restored still is one.
CHAIN_STATES = ('available', 'restoring')


def volume_backups(client, volume_id):
    """Every backup of the volume, as dicts."""
    return [backup for backup in (
        resources.to_json(backup) for backup in
        client.backups.list(search_opts={'volume_id': volume_id}))
        if backup.get('volume_id') == volume_id]


def chain_links(backups):
    """The backups that can be links of a chain."""
    return [backup for backup in backups
            if str(backup.get('status')).lower() in CHAIN_STATES]


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

    ``backups``: see :func:`chain_links`. The chain starts at the backup
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


#: Metadata ``create_backup`` records on each backup it makes: who made it
#: (only such backups are ever deleted) and the chain it belongs to.
MADE_BY_KEY = 'mistral_actions.made_by'
MADE_BY = 'create_backup'
CHAIN_KEY = 'mistral_actions.chain'
#: The Cinder API version that takes and shows backup metadata.
METADATA_VERSION = '3.43'
#: Seconds one backup's deletion may take, and between two looks at it.
DELETE_TIMEOUT = 600
DELETE_INTERVAL = 2


def chain_id_of(backup):
    """The chain ``create_backup`` recorded on a backup it made, or None."""
    metadata = backup.get('metadata') or {}
    if metadata.get(MADE_BY_KEY) == MADE_BY:
        return metadata.get(CHAIN_KEY)
    return None


def chains_made(backups):
    """The chains ``create_backup`` made, oldest first: lists of backups,
    oldest first (the full one leads)."""
    chains = {}
    for backup in backups:
        chain_id = chain_id_of(backup)
        if chain_id:
            chains.setdefault(chain_id, []).append(backup)
    for members in chains.values():
        members.sort(key=lambda backup: (_moment(backup.get('created_at')),
                                         backup['id']))
    return sorted(chains.values(), key=lambda members: (
        _moment(members[0].get('created_at')), members[0]['id']))


def delete_chain(client, members):
    """Delete one chain, newest backup first, each waited for until it is
    gone (Cinder refuses to delete a backup while an incremental child of
    it remains). Returns (deleted ids, [{id, reason}] not deleted): once
    one backup stays, the older ones stay too, and say why."""
    deleted, kept = [], []
    for backup in reversed(members):
        if kept:
            kept.append({'id': backup['id'], 'reason':
                         'a newer backup of its chain, %s, was not deleted'
                         % kept[0]['id']})
            continue
        reason = _delete_one(client, backup['id'])
        if reason is None:
            deleted.append(backup['id'])
        else:
            kept.append({'id': backup['id'], 'reason': reason})
    return deleted, kept


def _delete_one(client, backup_id):
    """Delete a backup and wait until it is gone; None, or why not."""
    try:
        client.backups.delete(backup_id)
    except Exception as error:
        if failures.is_not_found(error):
            return None
        return outcomes.one_line(error)

    def fetch():
        try:
            return client.backups.get(backup_id)
        except Exception as error:
            if failures.is_not_found(error):
                return None
            raise

    def check(backup):
        if backup is None:
            return None
        status = str(resources.field(backup, 'status')).lower()
        if status == 'deleting':
            raise failures.StatusNotReached(status)
        return 'Cinder left it %s%s' % (status, _reason(backup))

    def gave_up(backup, last_error):
        return failures.WaitTimeout(
            'still %s after %d s' % (
                resources.field(backup, 'status') if backup else 'unread',
                DELETE_TIMEOUT))

    try:
        return polling.wait_until(fetch, check, DELETE_TIMEOUT,
                                  DELETE_INTERVAL, gave_up)
    except Exception as error:
        return outcomes.one_line(error)


def _reason(backup):
    reason = resources.field(backup, 'fail_reason')
    return ': %s' % reason if reason else ''


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
        if self.snapshot_id is None:
            volumes.require_copyable(client, self.volume_id, 'backup')
        incremental = wanted and any(
            map(_is_available,
                chain_links(volume_backups(client, self.volume_id))))
        return create_backup(
            client, self.volume_id, incremental, name=self.backup_name,
            snapshot_id=self.snapshot_id, description=self.description,
            container=self.container, force=force)


class CreateBackup(resources.OpenStackAction):
    """Back up a volume in chains, keeping the newest max_chains chains.

    For scheduled backups: makes an incremental backup on top of the
    volume's latest available backup, or a full one that starts a new chain
    when the volume has no backup yet, when the chain from the latest
    backup back to its full backup already holds ``max_chain_length``
    backups, when that chain is broken (a parent is missing) or when the
    latest backup was not made by this action. Before a new chain starts,
    deletes the oldest chains this action made of this volume so that at
    most ``max_chains`` remain with the new one (0: keep them all), each
    chain newest backup first, waiting for every deletion; backups it did
    not make are never touched. A schedule thus holds at most
    max_chain_length x max_chains backups of the volume. Backs up attached
    volumes too. Returns at once with {id, name, status, volume_id,
    is_incremental, chain_length, parent_id, chain_id, reason, deleted,
    not_deleted}, where chain_length counts the new backup, parent_id is
    the backup Cinder will chain it onto (null for a full backup), deleted
    lists the backups removed and not_deleted those that could not be,
    each with why.

    :param volume_id: ID of the volume to back up.
    :param max_chain_length: most backups in one chain, full one included.
    :param max_chains: most chains of this volume to keep, the new one
        included; 0 keeps every chain.
    """

    __export__ = True
    _service = BACKUPS.service

    def __init__(self, volume_id, max_chain_length=5, max_chains=2):
        super().__init__()
        self.volume_id = volume_id
        self.max_chain_length = max_chain_length
        self.max_chains = max_chains

    def run(self, context):
        longest = _whole_number('max_chain_length', self.max_chain_length, 1)
        keep = _whole_number('max_chains', self.max_chains, 0)
        client = self.client(context)
        _require_metadata(client)
        volumes.require_copyable(client, self.volume_id, 'backup')
        backups = volume_backups(client, self.volume_id)
        chain, broken = chain_of(chain_links(backups))
        if not chain:
            reason = 'the volume has no available backup yet'
        elif broken:
            reason = 'the backup chain is broken: %s' % broken
        elif len(chain) >= longest:
            reason = ('the chain of backup %s already holds %d backups'
                      % (chain[0]['id'], len(chain)))
        elif not chain_id_of(chain[0]):
            reason = ('the latest backup, %s, was not made by this action'
                      % chain[0]['id'])
        else:
            reason = None
        incremental = reason is None
        deleted, not_deleted = [], []
        if incremental:
            chain_id = chain_id_of(chain[0])
        else:
            chain_id = str(uuid.uuid4())
            old_chains = chains_made(backups)
            if keep:
                # Make room first: Cinder counts the new backup against
                # the quota at once, and the deletions free it only once
                # they are over.
                for members in old_chains[:max(0, len(old_chains)
                                               - (keep - 1))]:
                    gone, stayed = delete_chain(client, members)
                    deleted += gone
                    not_deleted += stayed
        result = create_backup(
            client, self.volume_id, incremental, force=True,
            name='%s-%s' % (self.volume_id, resources.utc_stamp()),
            metadata={MADE_BY_KEY: MADE_BY, CHAIN_KEY: chain_id})
        result['chain_length'] = len(chain) + 1 if incremental else 1
        result['parent_id'] = chain[0]['id'] if incremental else None
        result['chain_id'] = chain_id
        result['reason'] = (
            'incremental on backup %s' % chain[0]['id'] if incremental
            else 'full backup: %s' % reason)
        result['deleted'] = deleted
        result['not_deleted'] = not_deleted
        return result


def _whole_number(name, value, least):
    try:
        number = int(str(value))
    except ValueError:
        number = least - 1
    if number < least:
        raise outcomes.InvalidInput(
            '%s must be a whole number >= %d, got %r' % (name, least, value))
    return number


def _require_metadata(client):
    """Retention needs backup metadata: say so on a Cinder without it."""
    from cinderclient import api_versions

    version = getattr(client, 'api_version', None)
    if isinstance(version, api_versions.APIVersion) and version and \
            version < api_versions.APIVersion(METADATA_VERSION):
        raise failures.Unsupported(
            'create_backup records its chains in backup metadata, which '
            'needs Cinder API %s or newer; this Cinder speaks %s'
            % (METADATA_VERSION, version.get_string()))
