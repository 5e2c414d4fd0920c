"""Nova's fake hypervisor, made to behave like one real single host.

`nova.virt.fake.FakeDriverWithoutFakeNodes` keeps its node UUID in
`<state_path>/compute_id`, so a restarted nova-compute finds its node again.
On top of it:
- `snapshot()` uploads a small payload, so an image made from a server
  becomes `active` in Glance instead of staying `queued`;
- `get_host_uptime()` answers like `uptime` does.

Nova loads drivers from `nova.virt` only: `drivers.nova_compute` registers
this module as `nova.virt.cloud_fake` before starting the service.
"""

import io
import time

from nova.compute import task_states
from nova import exception
from nova.image import glance
from nova.virt import fake

SNAPSHOT_PAYLOAD = b'mistral-actions test snapshot\n'


class CloudFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """A fake hypervisor with a stable node, uploading snapshots."""

    started = time.time()

    def snapshot(self, context, instance, image_id, update_task_state):
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        metadata = {'disk_format': 'raw', 'container_format': 'bare'}
        glance.API().update(context, image_id, metadata,
                            io.BytesIO(SNAPSHOT_PAYLOAD), purge_props=False)

    def get_host_uptime(self):
        minutes = int(time.time() - self.started) // 60
        return ' %s up %d:%02d,  0 users,  load average: 0.00, 0.00, 0.00' % (
            time.strftime('%H:%M:%S'), minutes // 60, minutes % 60)
