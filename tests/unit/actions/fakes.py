"""Fake OpenStack clients and action contexts for the action unit tests."""

import itertools

from mistral_lib.actions import context as ml_context

TOKEN = 'token-of-demo'


def make_context(**security):
    """An ActionContext as Mistral's executor builds it."""
    values = dict(auth_token=TOKEN, auth_uri='http://keystone.test/v3',
                  project_id='project-1', project_name='demo',
                  user_name='demo', region_name=None)
    values.update(security)
    return ml_context.ActionContext(
        security_ctx=ml_context.SecurityContext(**values),
        execution_ctx=ml_context.ExecutionContext(
            workflow_execution_id='wf-1', task_execution_id='task-1',
            action_execution_id='action-1', workflow_name='wf'))


class NotFound(Exception):
    """Like novaclient/cinderclient NotFound and glanceclient HTTPNotFound."""

    code = 404


class Conflict(Exception):
    code = 409


class FakeResource:
    """Like a novaclient/cinderclient Resource: attributes and to_dict()."""

    def __init__(self, info):
        self._info = dict(info)
        for name, value in info.items():
            setattr(self, name, value)

    def to_dict(self):
        return dict(self._info)


class FakeManager:
    """``get(id)`` over canned resources.

    ``add(id, **info)`` stores one state; ``add_sequence(id, [info...])``
    makes successive gets return successive states (the last one sticks).
    """

    def __init__(self, as_dict=False):
        self.as_dict = as_dict
        self.states = {}
        self.gets = []

    def add(self, resource_id, **info):
        self.add_sequence(resource_id, [info])

    def add_sequence(self, resource_id, states):
        self.states[resource_id] = [dict(state, id=resource_id)
                                    for state in states]

    def _wrap(self, info):
        return dict(info) if self.as_dict else FakeResource(info)

    def get(self, resource_id):
        self.gets.append(resource_id)
        if resource_id not in self.states:
            raise NotFound('No %s with id %s' % (type(self).__name__,
                                                 resource_id))
        states = self.states[resource_id]
        info = states.pop(0) if len(states) > 1 else states[0]
        return self._wrap(info)


class FakeBackups(FakeManager):
    """Cinder backups: list by volume, create and delete like Cinder."""

    def __init__(self, volume_ids):
        super().__init__()
        self.volume_ids = volume_ids
        self.created = []
        self.lists = []
        self.deletes = []
        self.refuse = {}
        self.stick = {}
        self._numbers = itertools.count(1)

    def list(self, search_opts=None):
        self.lists.append(search_opts)
        volume_id = (search_opts or {}).get('volume_id')
        return [self._wrap(states[-1]) for states in self.states.values()
                if volume_id is None or states[-1]['volume_id'] == volume_id]

    def create(self, volume_id, container=None, name=None, description=None,
               incremental=False, force=False, snapshot_id=None,
               metadata=None):
        if volume_id not in self.volume_ids:
            raise NotFound('Volume %s could not be found.' % volume_id)
        available = [states[-1] for states in self.states.values()
                     if states[-1]['volume_id'] == volume_id
                     and states[-1]['status'] == 'available']
        if incremental and not available:
            raise Conflict('No backups available to do an incremental '
                           'backup.')
        number = next(self._numbers)
        backup_id = 'new-backup-%d' % number
        self.created.append(dict(
            id=backup_id, volume_id=volume_id, container=container,
            name=name, description=description, incremental=incremental,
            force=force, snapshot_id=snapshot_id,
            **({} if metadata is None else {'metadata': metadata})))
        self.add(backup_id, name=name, status='creating',
                 volume_id=volume_id, is_incremental=incremental,
                 created_at='2030-01-01T00:%02d:00.000000' % number,
                 data_timestamp='2030-01-01T00:%02d:00.000000' % number,
                 metadata=dict(metadata or {}))
        # Cinder answers a create with id, name and links only.
        return FakeResource({'id': backup_id, 'name': name, 'links': []})

    def delete(self, backup_id):
        """Gone at once, unless listed in ``refuse`` (id: message, as
        Cinder's 400 for a backup with incremental children) or ``stick``
        (id: the status the deletion leaves it in)."""
        self.deletes.append(backup_id)
        if backup_id not in self.states:
            raise NotFound('Backup %s could not be found.' % backup_id)
        if backup_id in self.refuse:
            error = Exception(self.refuse[backup_id])
            error.code = 400
            raise error
        if backup_id in self.stick:
            self.add(backup_id, **dict(self.states[backup_id][-1],
                                       status=self.stick[backup_id]))
            return
        del self.states[backup_id]


class FakeSnapshots(FakeManager):

    def __init__(self, volume_ids):
        super().__init__()
        self.volume_ids = volume_ids
        self.created = []

    def create(self, volume_id, force=False, name=None, description=None,
               metadata=None):
        if volume_id not in self.volume_ids:
            raise NotFound('Volume %s could not be found.' % volume_id)
        self.created.append(dict(volume_id=volume_id, force=force,
                                 name=name))
        info = dict(id='new-snapshot', volume_id=volume_id, name=name,
                    status='creating', size=1)
        self.add('new-snapshot', **info)
        return FakeResource(info)


class FakeImages(FakeManager):
    """Glance images: dicts (warlock models), listing records its query."""

    def __init__(self):
        super().__init__(as_dict=True)
        self.queries = []

    def list(self, **kwargs):
        self.queries.append(kwargs)
        return (dict(states[-1]) for states in self.states.values())


class FakeNova:
    def __init__(self):
        self.servers = FakeManager()


class FakeCinder:
    def __init__(self):
        self.volumes = FakeManager()
        volume_ids = self.volumes.states
        self.volume_snapshots = FakeSnapshots(volume_ids)
        self.backups = FakeBackups(volume_ids)


class FakeGlance:
    def __init__(self):
        self.images = FakeImages()


FAKES = {'compute': FakeNova, 'block-storage': FakeCinder,
         'image': FakeGlance}


def run_like_mistral(action, context):
    """Run ``action`` the way Mistral does: its state crosses RPC as JSON
    (``vars``) and it is rebuilt without ``__init__``; its result must be
    JSON too."""
    import json

    from mistral_lib import actions

    state = json.loads(json.dumps(vars(action)))
    rebuilt = type(action).__new__(type(action))
    for name, value in state.items():
        setattr(rebuilt, name, value)
    result = rebuilt.run(context)
    if isinstance(result, actions.Result):
        json.dumps(result.data)
        json.dumps(result.error)
    else:
        json.dumps(result)
    return result


def failure_message(result):
    """The message of an action's expected failure: its run ended with
    ``Result(error=...)`` holding one line of text (see cloud.outcomes)."""
    from mistral_lib import actions

    assert isinstance(result, actions.Result) and result.is_error(), result
    assert isinstance(result.error, str), result.error
    assert '\n' not in result.error, result.error
    return result.error


def failure_of(action, context):
    """Run ``action`` like Mistral; the message of its expected failure."""
    return failure_message(run_like_mistral(action, context))
